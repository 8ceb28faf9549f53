"""Charts in Chromium: wheel zoom, drag pan, box zoom and reset reach Python; a chart
fills wide and narrow screens; a million-point line arrives downsampled."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from typing import Any

import pytest
from playwright.async_api import Page, WebSocket, expect

from aioserve import Document
from aioserve.models import Chart, Column, ColumnDataSource, Div, Row
from aioserve.models.charts import CELL_PX
from tests.browser.conftest import SESSION_LOOP

pytestmark = SESSION_LOOP


def zoom_app(seen: list[Any], charts: list[Chart]) -> Any:
    def app(doc: Document) -> None:
        xs = [i / 10 for i in range(201)]
        source = ColumnDataSource(data={"x": xs, "y": [math.sin(x) for x in xs]})
        chart = Chart(source=source, x="x", y="y", title="Zoom me", x_label="x", y_label="sin x",
                      height=320)
        label = Div(text="range: none", name="label")

        def follow(attr: str, old: Any, new: Any) -> None:
            seen.append(new)
            label.text = f"range: {new[0]:.2f} to {new[1]:.2f}" if new else "range: none"

        chart.on_change("x_range", follow)
        charts.append(chart)
        doc.add_root(Column(label, chart))

    return app


async def _plot_box(page: Page) -> dict[str, float]:
    """The plot area (inside the axes) of the first chart, in page pixels."""
    return await page.evaluate("""() => {
        const svg = document.querySelector('.aio-chart-svg');
        const r = svg.getBoundingClientRect();
        const lines = [...svg.querySelectorAll('.aio-chart-axis > line')];
        const bottom = lines[0], left = lines[1];
        const k = r.width / svg.viewBox.baseVal.width;
        const at = (line, a) => k * +line.getAttribute(a);
        return {left: r.left + at(left, 'x1'), top: r.top + at(left, 'y1'),
                right: r.left + at(bottom, 'x2'), bottom: r.top + at(left, 'y2')};
    }""")


async def _x_ticks(page: Page) -> list[str]:
    texts: list[str] = await page.evaluate("""() => [...document.querySelectorAll(
        '.aio-chart-axis text[text-anchor=middle]:not(.aio-axis-label)')
        ].map((t) => t.textContent)""")
    return texts


async def test_wheel_zoom_drag_pan_box_and_reset_reach_python(live: Any, page: Page,
                                                              screenshot: Any, until: Any) -> None:
    seen: list[Any] = []
    charts: list[Chart] = []
    server = await live({"/zoom": zoom_app(seen, charts)})
    await page.set_viewport_size({"width": 1280, "height": 800})
    await server.open(page, "/zoom")
    chart = charts[0]
    ticks_before = await _x_ticks(page)
    box = await _plot_box(page)
    cx, cy = (box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2

    # Wheel over the middle of the plot: the range narrows around the pointer.
    await page.mouse.move(cx, cy)
    for _ in range(3):
        await page.mouse.wheel(0, -200)
    # Three notches of 200 px, each × e^-0.3: 20 wide -> 8.1 (two would leave 11).
    await until(lambda: chart.x_range is not None and chart.x_range[1] - chart.x_range[0] < 9)
    await until(lambda: seen and seen[-1] == chart.x_range)
    lo, hi = chart.x_range
    assert lo > 0 and hi < 20 and lo < 10 < hi  # zoomed in around x = 10
    await expect(page.locator("[name=label], .aio-div").first).to_contain_text(
        f"range: {lo:.2f} to {hi:.2f}")
    assert await _x_ticks(page) != ticks_before  # the axis follows
    await screenshot(page, "chart-wheel-zoomed")

    # Drag to the right: the view moves left (smaller x), the width stays.
    width = hi - lo
    await page.mouse.move(cx, cy)
    await page.mouse.down()
    await page.mouse.move(cx + 60, cy, steps=5)
    await page.mouse.move(cx + 120, cy, steps=5)
    await page.mouse.up()
    await until(lambda: chart.x_range is not None and chart.x_range[0] < lo - 0.5)
    assert chart.x_range[1] - chart.x_range[0] == pytest.approx(width, rel=1e-6)
    assert seen[-1] == chart.x_range

    # Shift-drag a box: both ranges become the box.
    await page.keyboard.down("Shift")
    await page.mouse.move(box["left"] + 100, box["top"] + 40)
    await page.mouse.down()
    await page.mouse.move(box["left"] + 300, box["top"] + 160, steps=6)
    await page.mouse.up()
    await page.keyboard.up("Shift")
    await until(lambda: chart.y_range is not None)
    assert chart.x_range[1] - chart.x_range[0] < width
    await screenshot(page, "chart-box-zoomed")

    # Double-click: back to fitting the data, and Python hears that too.
    await page.mouse.dblclick(cx, cy)
    await until(lambda: chart.x_range is None and chart.y_range is None)
    assert seen[-1] is None
    for _ in range(50):
        if await _x_ticks(page) == ticks_before:
            break
        await page.wait_for_timeout(20)
    assert await _x_ticks(page) == ticks_before  # redrawn on the next frame

    # The toolbar: zoom in, then Reset.
    await page.get_by_role("button", name="Zoom in (+)").click()
    await until(lambda: chart.x_range is not None)
    assert chart.x_range == pytest.approx([20 / 6, 20 - 20 / 6])
    await page.get_by_role("button", name="Zoom to fit (double-click, 0)").click()
    await until(lambda: chart.x_range is None)


async def test_python_sets_the_zoom_and_the_page_follows(live: Any, page: Page,
                                                         until: Any) -> None:
    seen: list[Any] = []
    charts: list[Chart] = []
    server = await live({"/zoom": zoom_app(seen, charts)})
    await server.open(page, "/zoom")
    session = server.session("/zoom")
    ticks = await _x_ticks(page)
    with session.document.hold():
        charts[0].x_range = [2.0, 4.0]
    session.document.unhold()
    await expect(page.locator(".aio-chart-axis text").filter(has_text="3.0").first).to_be_visible()
    assert await _x_ticks(page) != ticks
    labels = await _x_ticks(page)
    assert all(2.0 <= float(t) <= 4.0 for t in labels)


def sized_app(doc: Document) -> None:
    xs = list(range(24))
    source = ColumnDataSource(data={"hour": xs, "load": [40 + 25 * math.sin(x / 4) for x in xs],
                                    "peak": [60 + 20 * math.cos(x / 5) for x in xs]})
    doc.add_root(Column(
        Chart(source=source, x="hour", title="Server load through the day",
              x_label="hour of day", y_label="requests / s",
              series=[{"y": "load", "label": "average"},
                      {"y": "peak", "kind": "scatter", "label": "peak"}]),
        Row(Chart(source={"x": [3.0], "y": [7.0]}, y="y", kind="scatter", title="One point"),
            Chart(source={"day": ["Mon", "Tue", "Wed"], "n": [3, 5, 2]}, x="day",
                  x_type="category", y="n", kind="bar", title="Bars"))))


async def _chart_geometry(page: Page) -> list[dict[str, Any]]:
    return await page.evaluate("""() => [...document.querySelectorAll('.aio-chart')].map((fig) => {
        const svg = fig.querySelector('.aio-chart-svg');
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const texts = [...svg.querySelectorAll('.aio-chart-axis text')].map((t) => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, left: r.left, right: r.right, top: r.top,
                    bottom: r.bottom, size: parseFloat(getComputedStyle(t).fontSize) * scale};
        });
        const parent = fig.parentElement.getBoundingClientRect();
        const box = (el) => el.getBoundingClientRect();
        const dots = [...svg.querySelectorAll('.aio-dots circle')].map(box);
        const lines = [...svg.querySelectorAll('.aio-chart-axis > line')].map(box);
        return {width: fig.getBoundingClientRect().width, parent: parent.width,
                svg: svg.getBoundingClientRect().width, texts, dots, axes: lines,
                overflow: fig.scrollWidth > fig.clientWidth + 1};
    })""")


def _overlaps(texts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if (a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1
                    and a["top"] < b["bottom"] - 1 and b["top"] < a["bottom"] - 1):
                out.append((a["text"], b["text"]))
    return out


async def test_a_chart_fills_a_wide_and_a_narrow_screen_legibly(live: Any, page: Page,
                                                                 screenshot: Any) -> None:
    server = await live({"/sized": sized_app})
    for width, name in [(1280, "chart-sized-1280"), (375, "chart-sized-375")]:
        await page.set_viewport_size({"width": width, "height": 900})
        await server.open(page, "/sized")
        await page.wait_for_timeout(100)  # a resize redraws on the next frame
        charts = await _chart_geometry(page)
        first = charts[0]
        assert first["width"] >= first["parent"] - 2  # as wide as its container
        assert first["width"] > width * 0.8
        assert abs(first["svg"] - (first["width"] - 26)) < 30  # the drawing too, not a scaled copy
        for chart in charts:
            assert not chart["overflow"]
            assert not _overlaps(chart["texts"]), chart["texts"]
            assert min(t["size"] for t in chart["texts"]) >= 10.5  # no squashed labels
        await screenshot(page, name, full_page=True)
    # One point sits inside the plot, not on an axis line.
    one = charts[1]
    dot = one["dots"][0]
    x_axis, y_axis = one["axes"][0], one["axes"][1]
    assert dot["bottom"] < x_axis["top"] - 10 and dot["left"] > y_axis["right"] + 10


def million_app(charts: list[Chart]) -> Any:
    def app(doc: Document) -> None:
        n = 1_000_000
        xs = [i / 1000 for i in range(n)]
        ys = [math.sin(i / 20_000) + (i % 7) * 0.01 for i in range(n)]
        ys[654_321] = 5.0
        chart = Chart(source=ColumnDataSource(data={"x": xs, "y": ys}), x="x", y="y",
                      title="A million points", height=300)
        charts.append(chart)
        doc.add_root(chart)

    return app


async def test_a_million_point_line_arrives_downsampled_and_zooms_to_full_detail(
        live: Any, page: Page, screenshot: Any, until: Any) -> None:
    received: list[str] = []

    def opened(ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: received.append(str(payload)))

    page.on("websocket", opened)
    charts: list[Chart] = []
    server = await live({"/million": million_app(charts)})
    await page.set_viewport_size({"width": 1280, "height": 700})
    await server.open(page, "/million")
    chart = charts[0]
    await until(lambda: chart.inner_width > 0)  # the page told the server its width
    width = chart.inner_width
    await until(lambda: len(chart.view["data"]["x"]) <= 2 * width + 4)
    assert sum(len(m) for m in received) < 400_000  # not 1,000,000 points (~20 MB)
    doc = json.loads(next(m for m in received if m.startswith('{"type":"doc"')))
    assert all(v == [] for m in doc["doc"]["models"].values() if m["type"] ==
               "ColumnDataSource" for v in m["props"]["data"].values())
    # The view's columns come as binary frames, which the page reads and draws.
    (view,) = [m["props"]["view"] for m in doc["doc"]["models"].values() if m["type"] == "Chart"]
    assert all("__buffer__" in column for column in view["data"].values())
    path = page.locator(".aio-line")
    # The one spike among a million rows is drawn: the y axis reaches it.
    await expect(page.locator(".aio-chart-svg")).to_have_attribute(
        "aria-label", re.compile(r"values from -1 to 5\."))
    await screenshot(page, "chart-million")

    # Zoom in a lot: the server sends every row in view.
    box = await _plot_box(page)
    await page.mouse.move(box["left"] + (box["right"] - box["left"]) * 0.654, box["top"] + 50)
    for _ in range(12):
        await page.mouse.wheel(0, -400)
    await until(lambda: chart.x_range is not None and chart.x_range[1] - chart.x_range[0] < 1)
    lo, hi = chart.x_range
    await until(lambda: chart.view["data"]["x"][1] >= lo - 0.001)
    rows_in_view = sum(1 for i in range(int(lo * 1000) - 2, int(hi * 1000) + 3)
                       if lo <= i / 1000 <= hi)
    await until(lambda: len(chart.view["data"]["x"]) == rows_in_view + 2)
    points = await path.first.evaluate("p => p.getAttribute('d').split(/[ML]/).length - 1")
    assert points >= rows_in_view
    await screenshot(page, "chart-million-zoomed")


def cloud_app(charts: list[Chart]) -> Any:
    def app(doc: Document) -> None:
        n = 300_000
        xs = [i / 1000 for i in range(n)]
        ys = [math.sin(i / 7) * math.cos(i / 50_000) * 3 + math.sin(i * 1.3) for i in range(n)]
        ys[123_457] = 12.0  # an outlier each chart must show
        source = ColumnDataSource(data={"x": xs, "y": ys})
        scatter = Chart(source=source, x="x", y="y", kind="scatter", title="300,000 points",
                        height=280)
        bars = Chart(source=source, x="x", y="y", kind="bar", title="300,000 bars",
                     height=280)
        charts.extend((scatter, bars))
        doc.add_root(Column(scatter, bars))

    return app


async def test_a_long_scatter_and_bar_chart_arrive_thinned_with_their_outlier(
        live: Any, page: Page, screenshot: Any, until: Any) -> None:
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived",
                                          lambda payload: received.append(len(payload))))
    charts: list[Chart] = []
    server = await live({"/cloud": cloud_app(charts)})
    await page.set_viewport_size({"width": 1280, "height": 800})
    await server.open(page, "/cloud")
    scatter, bars = charts
    await until(lambda: scatter.inner_width > 0 and bars.inner_width > 0)
    width = scatter.inner_width
    bound = (width // CELL_PX + 3) * (280 // CELL_PX + 4)  # cells, and each column's extremes
    await until(lambda: 0 < len(scatter.view["data"]["x"]) <= bound)
    dots = page.locator(".aio-dots circle")
    await expect(dots.first).to_be_attached()
    count = await dots.count()
    # The cloud (its inside too, not only the outline min/max would keep), not 300,000.
    assert 4 * (width // CELL_PX) < count <= bound
    # Min and max per pixel column of the width the page reported (until it reported
    # it, the server bucketed for DEFAULT_PIXELS; the page then redraws).
    limit = 2 * bars.inner_width + 4
    await until(lambda: 0 < len(bars.view["data"]["x"]) <= limit)
    await page.wait_for_function(
        "limit => { const n = document.querySelectorAll('.aio-bars rect').length;"
        " return n > 0 && n <= limit; }", arg=limit, timeout=10_000)
    for svg in await page.locator(".aio-chart-svg").all():  # the outlier sets the y axis
        await expect(svg).to_have_attribute("aria-label", re.compile(r"to 12\."))
    assert sum(received) < 600_000  # not 300,000 rows (~7 MB)
    await screenshot(page, "chart-scatter-bar-thinned")


async def test_two_fingers_pinch_the_x_range_and_python_sees_it(live: Any, page: Page,
                                                                until: Any,
                                                                screenshot: Any) -> None:
    """A phone's pinch: two touches spreading apart zoom in, the values under the
    fingers staying under them; the page does not zoom itself."""
    seen: list[Any] = []
    charts: list[Chart] = []
    server = await live({"/pinch": zoom_app(seen, charts)})
    await page.set_viewport_size({"width": 390, "height": 800})
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 2})
    try:
        await server.open(page, "/pinch")
        chart = charts[0]
        session = server.session("/pinch")
        with session.document.hold():  # a known range to pinch (the fitted one has margins)
            chart.x_range = [2.0, 18.0]
        # Drawn once the fitted axis's last tick (20) is gone.
        await expect(page.locator(".aio-chart-axis text").filter(
            has_text=re.compile(r"^20(\.0)?$"))).to_have_count(0)
        box = await _plot_box(page)
        width = box["right"] - box["left"]
        cy = (box["top"] + box["bottom"]) / 2

        def value_at(px: float, lo: float = 2.0, hi: float = 18.0) -> float:
            return lo + (px - box["left"]) / width * (hi - lo)

        a0, b0 = box["left"] + width * 0.4, box["left"] + width * 0.6
        a1, b1 = box["left"] + width * 0.2, box["left"] + width * 0.8

        async def touch(kind: str, a: float, b: float) -> None:
            points = [] if kind == "touchEnd" else [
                {"x": a, "y": cy, "id": 1}, {"x": b, "y": cy, "id": 2}]
            await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        start_a, start_b = value_at(a0), value_at(b0)
        await touch("touchStart", a0, b0)
        for step in range(1, 6):  # the fingers spread in five moves
            t = step / 5
            await touch("touchMove", a0 + (a1 - a0) * t, b0 + (b1 - b0) * t)
        await touch("touchEnd", a1, b1)
        # Each move sets x_range; once the last has arrived, the values under the fingers
        # when they touched are under them again, on the plot as drawn then (its y
        # labels, and so its left edge, follow the zoom): within 3 px.
        deadline = time.monotonic() + 10
        while True:
            lo, hi = chart.x_range or (2.0, 18.0)
            box = await _plot_box(page)
            width = box["right"] - box["left"]
            slack = 3 * (hi - lo) / width
            if (abs(value_at(a1, lo, hi) - start_a) < slack
                    and abs(value_at(b1, lo, hi) - start_b) < slack):
                break
            assert time.monotonic() < deadline, (chart.x_range, start_a, start_b)
            await asyncio.sleep(0.05)
        assert hi - lo == pytest.approx(16 / 3, rel=0.1)  # the fingers spread 3x
        await until(lambda: seen[-1] == chart.x_range)  # Python heard the final range
        assert await page.evaluate("window.visualViewport.scale") == 1
        await screenshot(page, "chart-pinched-phone")
    finally:
        await cdp.detach()
