"""Tables and charts over a ColumnDataSource: sorting, selection, stream and patch."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from playwright.async_api import Page, WebSocket, expect

from aioserve import Document
from aioserve.models import Button, Chart, Column, ColumnDataSource, DataTable, Div

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

CITIES = {"city": ["Oslo", "Lima", "Cairo", "Perth"], "temp": [4, 19, 28, 22]}


def table_app(selections: list[list[int]]) -> Any:
    def app(doc: Document) -> None:
        source = ColumnDataSource(data=dict(CITIES))
        picked = Div(text="none picked", name="picked")

        def selected(attr: str, old: list[int], new: list[int]) -> None:
            selections.append(new)
            picked.text = "picked " + ", ".join(source.data["city"][i] for i in new)

        source.on_change("selected", selected)
        doc.add_root(Column(DataTable(source=source, columns=[
            {"field": "city", "title": "City"}, {"field": "temp", "title": "Temperature"}]),
            picked))

    return app


async def body_column(page: Page, index: int) -> list[str]:
    """The cells of one column in the rows the page shows (rows arrive after the document;
    after a sort, the table is busy until the sorted rows are in)."""
    await page.locator(".aio-table:not([aria-busy]) tbody tr[data-index]").first.wait_for()
    cells = page.locator(f".aio-table tbody tr[data-index] td:nth-child({index})")
    return [t.strip() for t in await cells.all_inner_texts()]


async def test_table_sorts_and_reports_selection(live: Any, page: Page,
                                                 screenshot: Any) -> None:
    selections: list[list[int]] = []
    server = await live({"/table": table_app(selections)})
    await server.open(page, "/table")
    assert await body_column(page, 1) == CITIES["city"]

    sort_temp = page.get_by_role("button", name="Temperature")
    await sort_temp.click()
    await expect(page.get_by_role("columnheader", name="Temperature")).to_have_attribute(
        "aria-sort", "ascending")
    assert await body_column(page, 2) == ["4", "19", "22", "28"]
    await sort_temp.click()
    assert await body_column(page, 1) == ["Cairo", "Perth", "Lima", "Oslo"]

    # Row indices sent to Python are the source's, not the sorted positions.
    await page.get_by_role("row", name="Perth").click()
    await expect(page.get_by_text("picked Perth")).to_be_visible()
    await page.get_by_role("row", name="Oslo").click(modifiers=["Control"])
    await expect(page.get_by_text("picked Oslo, Perth")).to_be_visible()
    assert selections == [[3], [0, 3]]
    source = server.session("/table").document.select_one(type=ColumnDataSource)
    assert source.selected == [0, 3]
    await expect(page.get_by_role("row", selected=True)).to_have_count(2)

    # Keyboard: arrows move, space selects.
    await page.get_by_role("row", name="Oslo").focus()
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("Space")
    await expect(page.get_by_text("picked Lima")).to_be_visible()
    await screenshot(page, "table-sorted-selected")

    # Python changing the selection shows in the page.
    session = server.session("/table")
    session.document.add_next_tick_callback(lambda: setattr(source, "selected", [2]))
    await expect(page.get_by_role("row", selected=True)).to_have_text(["Cairo28"])


def stream_app(sources: list[ColumnDataSource]) -> Any:
    def app(doc: Document) -> None:
        source = ColumnDataSource(data={"t": list(range(50)), "v": [float(i % 7) for i in
                                                                    range(50)]})
        sources.append(source)
        more = Button(label="More")
        fix = Button(label="Fix first")

        def add() -> None:
            n = source.data["t"][-1] + 1
            source.stream({"t": [n, n + 1], "v": [100.0, 101.5]}, rollover=50)

        def patch_first() -> None:
            source.patch({"v": [(0, -3.25)]})

        more.on_click(add)
        fix.on_click(patch_first)
        doc.add_root(Column(more, fix, Chart(source=source, x="t", y="v", kind="line",
                                             title="Stream"),
                            DataTable(source=source, height=200)))

    return app


class Frames:
    """Every text frame the page's websockets receive, parsed (binary frames apart)."""

    def __init__(self, page: Page) -> None:
        self.received: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.binary: list[bytes] = []
        page.on("websocket", self._opened)

    def _opened(self, ws: WebSocket) -> None:
        ws.on("framereceived", self._received)
        ws.on("framesent", lambda payload: self.sent.append(json.loads(payload)))

    def _received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):  # a binary column; its message follows
            self.binary.append(payload)
        else:
            self.received.append(json.loads(payload))

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [e for m in self.received if m["type"] == "patch" for e in m["events"]
                if e["kind"] == kind]


async def test_stream_sends_only_new_rows_and_views_follow(live: Any, page: Page,
                                                           screenshot: Any) -> None:
    sources: list[ColumnDataSource] = []
    frames = Frames(page)
    server = await live({"/stream": stream_app(sources)})
    await server.open(page, "/stream")
    rows = page.locator(".aio-table tbody tr[data-index]")
    await expect(rows.first).to_contain_text("0")
    doc_messages = [m for m in frames.received if m["type"] == "doc"]
    assert len(doc_messages) == 1

    await page.get_by_role("button", name="More").click()
    scroller = page.locator(".aio-table-scroll")
    await scroller.evaluate("s => { s.scrollTop = s.scrollHeight; }")
    await expect(rows.last).to_contain_text("51")
    await expect(rows.last).to_have_attribute("aria-rowindex", "51")  # still 50 rows, header 1
    await scroller.evaluate("s => { s.scrollTop = 0; }")
    await expect(rows.first).to_contain_text("2")  # rollover dropped the two oldest

    streams = frames.events("stream")
    assert streams == [{"kind": "stream", "model": sources[0].id,
                        "data": {"t": [50, 51], "v": [100.0, 101.5]}, "rollover": 50}]
    # Nothing else carried the source's data: no `set` of `data`, no new `doc`.
    assert not [e for e in frames.events("set") if e["attr"] == "data"]
    assert [m["type"] for m in frames.received].count("doc") == 1

    # The chart follows: its last point is the streamed one (a hover shows it).
    chart = page.locator(".aio-chart-svg")
    await chart.focus()
    await page.keyboard.press("End")
    await expect(page.locator(".aio-chart-tip")).to_contain_text("101.5")

    await page.get_by_role("button", name="Fix first").click()
    await expect(rows.first.locator("td").nth(1)).to_have_text("-3.25")
    assert frames.events("patch") == [{"kind": "patch", "model": sources[0].id,
                                       "patches": {"v": [[0, -3.25]]}}]
    await screenshot(page, "stream-chart-table", full_page=True)


def dated_app(sources: list[ColumnDataSource]) -> Any:
    def app(doc: Document) -> None:
        source = ColumnDataSource(data={
            "when": [dt.datetime(2024, 3, 5, 14, 30), dt.datetime(2023, 12, 31, 23, 59, 59),
                     dt.datetime(2024, 1, 2, 8, 0)],
            "day": [dt.date(2024, 3, 5), dt.date(2023, 12, 31), dt.date(2024, 1, 2)],
            "visits": [1200, 950, 30000],
            "share": [0.25, 0.125, 0.625]})
        sources.append(source)
        more = Button(label="More")
        more.on_click(lambda: source.stream({
            "when": [dt.datetime(2024, 4, 1, 9, 15)], "day": [dt.date(2024, 4, 1)],
            "visits": [20], "share": [0.5]}, rollover=3))
        doc.add_root(Column(more, DataTable(source=source, columns=[
            {"field": "when", "title": "When"}, {"field": "day", "title": "Day"},
            {"field": "visits", "title": "Visits", "format": "number:0"},
            {"field": "share", "title": "Share", "format": "percent:1"}])))

    return app


async def test_dates_read_as_dates_and_numbers_in_the_readers_locale(
        live: Any, page: Page, screenshot: Any) -> None:
    sources: list[ColumnDataSource] = []
    server = await live({"/dated": dated_app(sources)})
    await server.open(page, "/dated")
    # Python datetimes and dates, not epoch milliseconds; UTC, as charts show them.
    assert await body_column(page, 1) == [
        "2024-03-05 14:30:00", "2023-12-31 23:59:59", "2024-01-02 08:00:00"]
    assert await body_column(page, 2) == ["2024-03-05", "2023-12-31", "2024-01-02"]
    # Numbers as this browser's locale writes them (en-US: 1,200 and 12.5%).
    locale_number = "(v) => new Intl.NumberFormat(undefined, {maximumFractionDigits: 0}).format(v)"
    visits = [await page.evaluate(locale_number, v) for v in (1200, 950, 30000)]
    assert await body_column(page, 3) == visits
    assert (await body_column(page, 4))[1] == await page.evaluate(
        "new Intl.NumberFormat(undefined, {style: 'percent', minimumFractionDigits: 1})"
        ".format(0.125)")

    # Sorting goes by the values, not by the text shown.
    await page.get_by_role("button", name="When").click()
    assert await body_column(page, 2) == ["2023-12-31", "2024-01-02", "2024-03-05"]
    await page.get_by_role("button", name="Visits").click()
    assert await body_column(page, 3) == [visits[1], visits[0], visits[2]]
    await screenshot(page, "table-dates")

    # A selected row stays selected while older rows roll off before it.
    await page.get_by_role("row", name="2024-01-02").click()
    await expect(page.get_by_role("row", selected=True)).to_contain_text("2024-01-02 08:00:00")
    await page.get_by_role("button", name="Visits").click()  # descending
    await page.get_by_role("button", name="Visits").click()  # unsorted again
    await page.get_by_role("button", name="More").click()
    await expect(page.locator(".aio-table tbody tr[data-index]").last).to_contain_text(
        "2024-04-01 09:15:00")
    await expect(page.locator(".aio-table tbody tr[data-index]")).to_have_count(3)
    await expect(page.get_by_role("row", selected=True)).to_have_count(1)
    await expect(page.get_by_role("row", selected=True)).to_contain_text("2024-01-02 08:00:00")
    assert sources[0].selected == [1]
