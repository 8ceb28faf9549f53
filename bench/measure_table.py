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

    .venv/bin/python -m bench.measure_table --bokeh [--rows 1000000] [--repeat 3] [--timeout 120]

3. Side by side with `bokeh serve` (bench/.venv-bokeh, `make bench` creates it):
   the same rows served by `aioserve serve bench/apps/aioserve/table.py` and by
   `bokeh serve bench/apps/bokeh/table.py` (Bokeh's DataTable, numbers as NumPy
   arrays), each in its own process pinned to core 0 as in `python -m bench`, one
   after the other, the same Chromium measures: first rows on screen, websocket
   bytes until then, a `patch` of a shown cell to the screen, rows in the page,
   JS heap. A server that shows no rows within `--timeout` s is tried again at a
   tenth of the rows (down to 10,000), so the largest size it managed is known.
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
import tempfile
import time
from pathlib import Path
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


# ---- Side by side with `bokeh serve` (--bokeh): both servers as processes, the same rows

# Bokeh draws in shadow roots: look through them (open ones, as BokehJS makes them).
DEEP_JS = """
window.__deep = (root, selector) => {
    const hit = root.querySelector(selector);
    if (hit) return {root, hit};
    for (const el of root.querySelectorAll("*")) {
        if (el.shadowRoot) {
            const found = window.__deep(el.shadowRoot, selector);
            if (found) return found;
        }
    }
    return null;
};"""

# The time (from the navigation's start) when a row of data is first in the page,
# checked each frame (inside shadow roots a document observer sees nothing), and
# the websocket bytes received by then, counted in the page: Playwright's frame
# events would copy every frame (tens of MB for Bokeh) out of the browser while
# it works, slowing the very page being timed. Text counts its characters (the
# JSON here is ASCII).
DEEP_FIRST_ROWS_JS = DEEP_JS + """
window.__wsBytes = 0;
window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
        super(...args);
        this.addEventListener("message", (event) => {
            const d = event.data;
            window.__wsBytes += typeof d === "string" ? d.length : (d.byteLength ?? d.size);
        });
    }
};
window.__watchRows = (selector) => {
    const look = () => {
        if (window.__deep(document, selector)) {
            window.__firstRows = performance.now();
            window.__bytesAtFirstRows = window.__wsBytes;
        } else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
};"""

DEEP_CHANGE_JS = """([button, cell, expected, timeoutMs]) => new Promise((resolve) => {
    const grid = window.__deep(document, cell);
    const shown = () => [...grid.root.querySelectorAll(cell)].some(
        (el) => el.textContent === expected);
    const started = performance.now();
    const observer = new MutationObserver(() => {
        if (shown()) { observer.disconnect(); resolve(performance.now() - started); }
    });
    observer.observe(grid.root, {childList: true, subtree: true, characterData: true});
    setTimeout(() => { observer.disconnect(); resolve(null); }, timeoutMs);
    window.__deep(document, button).hit.click();
})"""

# Bokeh 3.9.2's DataTable does not redraw when its source changes without changing
# its length (bokeh/bokeh#15328, fixed after 3.9.2): the page's data changes, the
# screen does not. Then what is timed is the change reaching the page's data.
DATA_CHANGE_JS = """([button, expected, timeoutMs]) => new Promise((resolve) => {
    const doc = Bokeh.documents[0];
    const source = [...doc._all_models.values()].find((m) => m.type === "ColumnDataSource");
    const first = () => (source.data.name ?? source.data.get("name"))[0];
    const started = performance.now();
    const look = () => {
        if (first() === expected) resolve(performance.now() - started);
        else if (performance.now() - started > timeoutMs) resolve(null);
        else setTimeout(look, 1);
    };
    window.__deep(document, button).hit.click();
    setTimeout(look, 1);
})"""

DEEP_COUNT_JS = """(selector) => {
    const found = window.__deep(document, selector);
    return {rows: found ? found.root.querySelectorAll(selector).length : 0,
            heap_mb: Math.round(performance.memory.usedJSHeapSize / 2 ** 20 * 10) / 10};
}"""

# What each server's page shows: a row of data, its name cells, the button.
PAGES = {
    "aioserve": {"row": ".aio-table tbody tr[data-index]", "cell": ".aio-table tbody td",
                 "button": "button"},
    "bokeh": {"row": ".slick-row", "cell": ".slick-cell", "button": "button.bk-btn"},
}
CHANGE_TIMEOUT_MS = 10_000


async def table_in_browser(browser: Any, url: str, page_kind: str, repeat: int,
                           timeout_s: float, out: dict[str, Any]) -> None:
    """Into `out`, as they are measured: first rows, bytes until then, changes to the
    screen (or to the page's data), rows in the page, JS heap."""
    spec = PAGES[page_kind]
    first, received = [], []
    for i in range(repeat):
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            await page.add_init_script(DEEP_FIRST_ROWS_JS +
                                       f"\nwindow.__watchRows({json.dumps(spec['row'])});")
            await page.goto(url, timeout=timeout_s * 1000)
            await page.wait_for_function("window.__firstRows !== undefined",
                                         timeout=timeout_s * 1000)
            first.append(await page.evaluate("window.__firstRows"))
            received.append(await page.evaluate("window.__bytesAtFirstRows"))
            out["first_rows_ms_median"] = round(statistics.median(first))
            out["first_rows_ms_all"] = [round(v) for v in first]
            out["bytes_to_first_rows"] = int(statistics.median(received))
            if i == repeat - 1:  # the last page: changes, rows, heap
                await _changes(page, spec, repeat * 4, out)
                counted = await page.evaluate(DEEP_COUNT_JS, spec["row"])
                out["rows_in_page"], out["heap_mb"] = counted["rows"], counted["heap_mb"]
        finally:
            await page.close()


async def _changes(page: Any, spec: dict[str, str], count: int, out: dict[str, Any]) -> None:
    """Time `count` clicks on Bump to the changed cell on screen; if the first never
    shows (Bokeh 3.9.2), time the rest to the page's data and say so."""
    screen: list[float] = []
    data: list[float] = []
    redraws = True
    for i in range(count):
        expected = f"changed {i + 1}"
        if redraws:
            took = await page.evaluate(DEEP_CHANGE_JS, [spec["button"], spec["cell"],
                                                        expected, CHANGE_TIMEOUT_MS])
            if took is not None:
                screen.append(took)
                continue
            if screen:
                raise TimeoutError(f"change {i + 1} did not reach the screen in 10 s")
            redraws = False
            out["change_to_screen"] = (f"not shown within {CHANGE_TIMEOUT_MS // 1000} s "
                                       "(the page's data changed; the table did not redraw)")
            continue
        took = await page.evaluate(DATA_CHANGE_JS, [spec["button"], expected,
                                                    CHANGE_TIMEOUT_MS])
        if took is None:
            raise TimeoutError(f"change {i + 1} did not reach the page's data in 10 s")
        data.append(took)
        out["change_to_data_ms_p50"] = round(statistics.median(data), 1)
        out["change_to_data_ms_max"] = round(max(data), 1)
    if screen:
        out["change_to_screen_ms_p50"] = round(statistics.median(screen), 1)
        out["change_to_screen_ms_max"] = round(max(screen), 1)


async def serve_and_measure(kind: str, rows: int, repeat: int, timeout_s: float,
                            scratch: Path) -> dict[str, Any]:
    """One server (its own process, pinned as in `python -m bench`) and one browser."""
    from bench.servers import APPS, Server, ServerOptions

    opts = ServerOptions(env={"BENCH_TABLE_ROWS": str(rows), "PYTHONPATH": str(APPS)})
    server = await Server(f"{kind}-table", scratch, opts).start()
    out: dict[str, Any] = {"rows": rows}
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                await asyncio.wait_for(
                    table_in_browser(browser, f"http://127.0.0.1:{server.port}/table", kind,
                                     repeat, timeout_s, out),
                    timeout_s * (repeat + 2))
            finally:
                await browser.close()
    except Exception as exc:  # Bokeh may fail or time out at a million rows: say so
        out["error"] = f"{type(exc).__name__}: {(str(exc) or 'timed out').splitlines()[0][:200]}"
    finally:
        out["server_rss_mb"] = round(server.rss_bytes() / 2**20)
        server.stop()
    print(f"[table] {kind}: {json.dumps(out)}", flush=True)
    return out


async def side_by_side(rows: int, repeat: int, timeout_s: float,
                       kinds: tuple[str, ...] = ("aioserve", "bokeh")) -> dict[str, Any]:
    """Each server at `rows`; a server that fails there is tried at a tenth of the
    rows, down to 10,000, so the largest size it managed is known."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="measure-table-") as scratch:
        for kind in kinds:
            tried = [await serve_and_measure(kind, rows, repeat, timeout_s, Path(scratch))]
            size = rows // 10
            while "first_rows_ms_median" not in tried[-1] and size >= 10_000:
                tried.append(await serve_and_measure(kind, size, repeat, timeout_s,
                                                     Path(scratch)))
                size //= 10
            results[kind] = tried
    return results


def side_by_side_markdown(results: dict[str, Any]) -> str:
    """Rows for bench/RESULTS.md; a server that failed at the size asked shows what
    it managed at a smaller one, and why it failed."""
    def value(run: dict[str, Any], key: str) -> str | None:
        if key == "change_to_screen" and "change_to_screen_ms_p50" in run:
            return f"{run['change_to_screen_ms_p50']} / {run['change_to_screen_ms_max']} ms"
        if key == "change_to_data" and "change_to_data_ms_p50" in run:
            return f"{run['change_to_data_ms_p50']} / {run['change_to_data_ms_max']} ms"
        got = run.get(key)
        if got is None:
            return None
        if isinstance(got, list):
            return ", ".join(f"{v:,}" for v in got) + " ms"
        return f"{got:,}" if isinstance(got, int) else str(got)

    def cell(runs: list[dict[str, Any]], key: str, unit: str = "") -> str:
        parts = []
        for run in runs:
            shown = value(run, key)
            if shown is not None:
                at = "" if run is runs[0] else f" (at {run['rows']:,} rows)"
                parts.append(shown + unit + at)
        return "; ".join(parts) or "-"

    a, b = results.get("aioserve", []), results.get("bokeh", [])
    rows = (a or b)[0]["rows"]
    lines = [f"| {rows:,}-row table, in Chromium | aioserve | bokeh serve |", "|---|---|---|"]
    for key, what, unit in (
            ("first_rows_ms_median", "first rows on screen, from the navigation (median)",
             " ms"),
            ("first_rows_ms_all", "first rows, each load", ""),
            ("bytes_to_first_rows", "websocket bytes until the first rows", " B"),
            ("change_to_screen", "a cell change (`patch`) to the screen, p50 / max", ""),
            ("change_to_data", "the change to the page's data, p50 / max", ""),
            ("rows_in_page", "rows in the page", ""),
            ("heap_mb", "JS heap after load and changes", " MB"),
            ("server_rss_mb", "server RSS at the end", " MB"),
            ("error", "failed", "")):
        lines.append(f"| {what} | {cell(a, key, unit)} | {cell(b, key, unit)} |")
    return "\n".join(lines)


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


def view_app(points: int, kind: str = "line", downsample: str = "auto") -> Any:
    xs = [i / 10 for i in range(points)]
    ys = [math.sin(i / 5000) + ((i * 7919) % 1000) / 7000 for i in range(points)]

    def app(doc: Document) -> None:
        source = ColumnDataSource(data={"x": xs, "y": ys})
        # A long series: the page draws the server's downsampled `view`, not the source.
        doc.add_root(Chart(source=source, x="x", y="y", kind=kind, downsample=downsample,
                           name="chart"))

    return app


async def kinds_bytes(points: int) -> dict[str, int]:
    """The `doc` of a scatter and of a bar chart of `points` rows, downsampled by
    default ("auto") and whole ("none": every row, as before they were)."""
    out = {}
    for kind in ("scatter", "bar"):
        for mode in ("auto", "none"):
            async with start_server({"/k": view_app(points, kind, mode)}) as server, \
                    ClientSession.open(server.url + "/k", timeout=120,
                                       max_msg_size=0) as session:
                out[f"{kind}_{mode}"] = session.bytes_received
    return out


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


def kinds_rows(points: int, kinds: dict[str, int]) -> list[str]:
    return [f"| wire: {points:,}-row {kind} chart `doc`, downsampled (default) / every row "
            f"| {kinds[kind + '_auto']:,} / {kinds[kind + '_none']:,} bytes "
            f"({kinds[kind + '_none'] / kinds[kind + '_auto']:.0f}x less) |"
            for kind in ("scatter", "bar")]


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
    parser.add_argument("--bokeh", action="store_true",
                        help="only the table side by side with `bokeh serve` (both servers "
                             "as processes; needs bench/.venv-bokeh: make bench creates it)")
    parser.add_argument("--timeout", type=float, default=180,
                        help="seconds a page may take to show its first rows (--bokeh)")
    args = parser.parse_args()
    if args.bokeh:
        results = await side_by_side(args.rows, args.repeat, args.timeout)
        print(json.dumps(results), flush=True)
        load = os.getloadavg()
        print(f"\nmachine: {platform.node()}, {os.cpu_count()} cores, load average "
              f"{load[0]:.1f}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; servers on core 0"
              "\n")
        print(side_by_side_markdown(results))
        return
    if args.wire_only:
        wire = await measure_wire(args.points)
        kinds = await kinds_bytes(args.points)
        print(json.dumps({**wire, "kinds": kinds}))
        print("\n".join([*view_rows(wire), *kinds_rows(args.points, kinds)]))
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
