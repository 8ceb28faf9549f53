"""Large data in aioserve's own models: a 1,000,000-row DataTable, and binary columns.

    .venv/bin/python -m bench.measure_table [--rows 1000000] [--points 1000000] [--repeat 5]

1. The table, in Chromium (/usr/bin/chromium): first rows on screen (from the
   navigation's start), a change of a shown cell to the screen (in the page, from
   the click), bytes the page received until its first rows, rows in the page,
   and the JS heap after scrolling from end to end. Also the server's own time
   for a window: unsorted, the first sort of all rows, a sorted window after.
2. Bytes on the wire, through aioserve.client: the `doc` of a chart's source of
   `--points` points (x, y floats, t datetimes) and a stream of 1,000 rows, with
   binary columns and without (BINARY_MIN_LENGTH raised past every column: the
   JSON the server sent before binary columns).

The server runs in this process (aioserve.testing), so "without" is the same
server with one constant changed. Prints the results as JSON and as Markdown
rows for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import statistics
import time
from typing import Any

from playwright.async_api import async_playwright

import aioserve.document.binary as binary
from aioserve import Document
from aioserve.client import ClientSession
from aioserve.models import Button, Chart, Column, ColumnDataSource, DataTable
from aioserve.testing import start_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"]
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def table_data(rows: int) -> dict[str, list[Any]]:
    return {"n": list(range(rows)),
            "name": [f"item {i}" for i in range(rows)],
            "value": [(i * 7919 % 100_003) / 100 for i in range(rows)],
            "when": [START + dt.timedelta(seconds=i) for i in range(rows)]}


def table_app(data: dict[str, list[Any]]) -> Any:
    """A dataset loaded once (as an app would read a file at start), a table per session."""

    def app(doc: Document) -> None:
        source = ColumnDataSource(data=data)
        bump = Button(label="Bump")
        count = [0]

        def change() -> None:
            count[0] += 1
            source.patch({"name": [(0, f"changed {count[0]}")]})

        bump.on_click(change)
        doc.add_root(Column(bump, DataTable(source=source, height=500, filterable=True)))

    return app


CHANGE_JS = """(expected) => new Promise((resolve) => {
    const table = document.querySelector(".aio-table");
    const button = [...document.querySelectorAll("button")]
        .find((b) => b.textContent === "Bump");
    const started = performance.now();
    const seen = () => [...table.querySelectorAll("tbody td")]
        .some((td) => td.textContent === expected);
    new MutationObserver((_, observer) => {
        if (seen()) { observer.disconnect(); resolve(performance.now() - started); }
    }).observe(table, {childList: true, subtree: true, characterData: true});
    button.click();
})"""

# The time (from the navigation's start) when a row of data is first in the page.
FIRST_ROWS_JS = """new MutationObserver((_, observer) => {
    if (document.querySelector(".aio-table tbody tr[data-index]")) {
        window.__firstRows = performance.now();
        observer.disconnect();
    }
}).observe(document, {childList: true, subtree: true});"""

SCROLL_JS = """async (steps) => {
    const scroller = document.querySelector(".aio-table-scroll");
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    let most = 0;
    for (let i = 0; i <= steps; i++) {
        scroller.scrollTop = (scroller.scrollHeight - scroller.clientHeight) * i / steps;
        for (let k = 0; k < 4; k++) await frame();
        most = Math.max(most, document.querySelectorAll(".aio-table tbody tr").length);
    }
    await new Promise((r) => setTimeout(r, 300));
    return {most_rows: most, heap_mb: performance.memory.usedJSHeapSize / 2 ** 20};
}"""


async def measure_page(rows: int, repeat: int) -> dict[str, Any]:
    data = table_data(rows)
    out: dict[str, Any] = {"rows": rows}
    async with start_server({"/table": table_app(data)}) as server, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            first, received = [], []
            for _ in range(repeat):
                page = await browser.new_page()
                await page.add_init_script(FIRST_ROWS_JS)
                frames: list[int] = []
                page.on("websocket", lambda ws, f=frames: ws.on(
                    "framereceived", lambda p, f=f: f.append(len(p))))
                await page.goto(server.url + "/table")
                await page.locator(".aio-table tbody tr[data-index]").first.wait_for(
                    timeout=60_000)
                first.append(await page.evaluate("window.__firstRows"))
                received.append(sum(frames))
                await page.close()
            out["first_rows_ms_median"] = round(statistics.median(first))
            out["first_rows_ms_all"] = [round(v) for v in first]
            out["bytes_to_first_rows"] = int(statistics.median(received))

            page = await browser.new_page()
            await page.goto(server.url + "/table")
            await page.locator(".aio-table tbody tr[data-index]").first.wait_for(timeout=60_000)
            changes = [await page.evaluate(CHANGE_JS, f"changed {i + 1}")
                       for i in range(repeat * 4)]
            out["change_to_screen_ms_p50"] = round(statistics.median(changes), 1)
            out["change_to_screen_ms_max"] = round(max(changes), 1)
            out["rows_in_page"] = await page.locator(".aio-table tbody tr").count()
            out.update(await page.evaluate(SCROLL_JS, 40))
            out["heap_mb"] = round(out["heap_mb"], 1)
            await page.close()
        finally:
            await browser.close()
    out.update(server_windows(data))
    return out


def server_windows(data: dict[str, list[Any]]) -> dict[str, float]:
    table = DataTable(source=ColumnDataSource(data=data))
    middle = len(data["n"]) // 2

    def timed(call: Any) -> float:
        started = time.perf_counter()
        call()
        return round((time.perf_counter() - started) * 1000, 2)

    unsorted = timed(lambda: table.fetch_rows(middle, middle + 60))
    table.sort = {"field": "value", "ascending": False}
    first_sort = timed(lambda: table.fetch_rows(0, 60))
    sorted_window = timed(lambda: table.fetch_rows(middle, middle + 60))
    table.filter = "item 12345"
    first_filter = timed(lambda: table.fetch_rows(0, 60))
    return {"window_ms_unsorted": unsorted, "window_ms_first_sort": first_sort,
            "window_ms_sorted": sorted_window, "window_ms_first_filter": first_filter}


def chart_app(points: int) -> Any:
    xs = [i / 10 for i in range(points)]
    ys = [((i * 7919) % 1000) / 7 for i in range(points)]
    ts = [START + dt.timedelta(seconds=i) for i in range(points)]

    def app(doc: Document) -> None:
        source = ColumnDataSource(data={"x": xs, "y": ys, "t": ts}, name="source")
        more = Button(label="More", name="more")
        more.on_click(lambda: source.stream({
            "x": [i / 10 for i in range(points, points + 1000)],
            "y": [0.5] * 1000,
            "t": [START + dt.timedelta(seconds=points + i) for i in range(1000)]}))
        # Every point drawn in the page (no downsampling): the source goes whole.
        doc.add_root(Column(more, Chart(source=source, x="t", y="y", downsample="none")))

    return app


async def wire_bytes(points: int) -> dict[str, int]:
    async with start_server({"/chart": chart_app(points)}) as server, \
            ClientSession.open(server.url + "/chart", timeout=120, max_msg_size=0) as session:
        doc_bytes = session.bytes_received
        await session.click(session.document.find(name="more"))
        await session.wait_for(lambda d: len(d.find(name="source").data["x"]) == points + 1000,
                               timeout=60)
        return {"doc": doc_bytes, "stream_1000": session.bytes_received - doc_bytes}


def view_app(points: int) -> Any:
    xs = [i / 10 for i in range(points)]
    ys = [math.sin(i / 5000) + ((i * 7919) % 1000) / 7000 for i in range(points)]

    def app(doc: Document) -> None:
        source = ColumnDataSource(data={"x": xs, "y": ys})
        # A long line: the page draws the server's downsampled `view`, not the source.
        doc.add_root(Chart(source=source, x="x", y="y", name="chart"))

    return app


async def view_bytes(points: int) -> dict[str, int]:
    """A downsampled chart: its `doc` (the view at the default 1,200 px) and a zoom
    to the middle tenth (the new view, and the `ok`)."""
    async with start_server({"/view": view_app(points)}) as server, \
            ClientSession.open(server.url + "/view", timeout=120) as session:
        doc_bytes = session.bytes_received
        chart = session.document.find(name="chart")
        await session.set(chart, "x_range", [points * 0.045, points * 0.055])
        await session.wait_quiet(0.2, timeout=60)
        return {"view_doc": doc_bytes, "view_zoom": session.bytes_received - doc_bytes}


async def measure_wire(points: int) -> dict[str, Any]:
    with_binary = {**await wire_bytes(points), **await view_bytes(points)}
    saved = binary.BINARY_MIN_LENGTH
    binary.BINARY_MIN_LENGTH = 2**62  # every column as JSON text: the wire before
    try:
        as_json = {**await wire_bytes(points), **await view_bytes(points)}
    finally:
        binary.BINARY_MIN_LENGTH = saved
    return {"points": points, "binary": with_binary, "json": as_json}


def markdown(page: dict[str, Any], wire: dict[str, Any]) -> str:
    rows = page["rows"]
    b, j = wire["binary"], wire["json"]
    return "\n".join([
        f"| measure ({rows:,} rows / {wire['points']:,} points) | aioserve |",
        "|---|---|",
        f"| table: first rows on screen, from navigation (median of "
        f"{len(page['first_rows_ms_all'])}) | {page['first_rows_ms_median']} ms "
        f"({', '.join(map(str, page['first_rows_ms_all']))}) |",
        f"| table: a cell change to the screen, p50 / max | {page['change_to_screen_ms_p50']} ms"
        f" / {page['change_to_screen_ms_max']} ms |",
        f"| table: bytes to the page until the first rows | {page['bytes_to_first_rows']:,} |",
        f"| table: `<tr>` in the page / most while scrolling end to end | {page['rows_in_page']}"
        f" / {page['most_rows']} |",
        f"| table: JS heap after scrolling end to end | {page['heap_mb']} MB |",
        f"| server: a window unsorted / first sort of all rows / sorted window / first filter "
        f"| {page['window_ms_unsorted']} / {page['window_ms_first_sort']} / "
        f"{page['window_ms_sorted']} / {page['window_ms_first_filter']} ms |",
        f"| wire: chart source `doc`, binary / JSON | {b['doc']:,} / {j['doc']:,} bytes "
        f"({j['doc'] / b['doc']:.1f}x less) |",
        f"| wire: a 1,000-row stream, binary / JSON | {b['stream_1000']:,} / "
        f"{j['stream_1000']:,} bytes ({j['stream_1000'] / b['stream_1000']:.1f}x less) |",
        *view_rows(wire),
    ])


def view_rows(wire: dict[str, Any]) -> list[str]:
    b, j = wire["binary"], wire["json"]
    return [f"| wire: downsampled chart {what}, binary / JSON | {b[key]:,} / {j[key]:,} bytes "
            f"({j[key] / b[key]:.1f}x less) |"
            for key, what in (("view_doc", "`doc` (1,200 px view)"),
                              ("view_zoom", "zoom to a tenth (new view + ok)"))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wire-only", action="store_true", help="only the bytes on the wire")
    args = parser.parse_args()
    if args.wire_only:
        wire = await measure_wire(args.points)
        print(json.dumps(wire))
        print("\n".join(view_rows(wire)))
        return
    page = await measure_page(args.rows, args.repeat)
    print(json.dumps(page), flush=True)
    wire = await measure_wire(args.points)
    print(json.dumps(wire), flush=True)
    load = os.getloadavg()
    print(f"\nmachine: {platform.node()}, {os.cpu_count()} cores, load average "
          f"{load[0]:.1f} (shared), {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n")
    print(markdown(page, wire))


if __name__ == "__main__":
    asyncio.run(main())
