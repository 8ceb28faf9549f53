"""A table of 200,000 rows: the page holds a window of rows, scrolls, sorts and
filters on the server, and shows a change of the data at once."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from aioserve import Document
from aioserve.models import Button, Column, ColumnDataSource, DataTable, Div

from .conftest import SESSION_LOOP

pytestmark = SESSION_LOOP

ROWS = 200_000


def big_app(sources: list[ColumnDataSource]) -> Any:
    def app(doc: Document) -> None:
        source = ColumnDataSource(data={
            "n": list(range(ROWS)),
            "name": [f"row {i}" for i in range(ROWS)],
            "value": [round(i * 1.25 % 997, 2) for i in range(ROWS)],
        })
        sources.append(source)
        picked = Div(text="none picked", name="picked")
        source.on_change("selected", lambda attr, old, new: setattr(
            picked, "text", "picked " + ", ".join(source.data["name"][i] for i in new)))
        bump = Button(label="Bump first row")
        bump.on_click(lambda: source.patch({"name": [(0, "changed!")]}))
        columns = [{"field": "n", "title": "N"}, {"field": "name", "title": "Name"},
                   {"field": "value", "title": "Value"}]
        doc.add_root(Column(bump, picked, DataTable(source=source, height=420, filterable=True,
                                                    columns=columns)))

    return app


async def rows_in_page(page: Page) -> int:
    return int(await page.locator(".aio-table tbody tr").count())


async def first_cells(page: Page, column: int, count: int = 3) -> list[str]:
    await page.locator(".aio-table:not([aria-busy]) tbody tr[data-index]").first.wait_for()
    cells = page.locator(f".aio-table tbody tr[data-index] td:nth-child({column})")
    return [t.strip() for t in (await cells.all_inner_texts())[:count]]


async def test_a_big_table_keeps_few_rows_and_shows_changes(live: Any, page: Page,
                                                             screenshot: Any) -> None:
    sources: list[ColumnDataSource] = []
    server = await live({"/big": big_app(sources)})
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda payload: frames.append(len(payload))))
    await server.open(page, "/big")
    await expect(page.get_by_role("row", name="0 row 0 0")).to_be_visible()
    assert await rows_in_page(page) < 500
    # The page was never sent the 200,000 rows: the largest frame is a window's worth.
    assert max(frames) < 50_000
    await expect(page.get_by_text("200,000 rows")).to_be_visible()

    # A change of the data reaches the rows in view within a second, timed in the page
    # from the click to the cell's new text.
    elapsed_ms = await page.evaluate("""() => new Promise((resolve) => {
        const table = document.querySelector(".aio-table");
        const button = [...document.querySelectorAll("button")]
            .find((b) => b.textContent === "Bump first row");
        const started = performance.now();
        const seen = () => [...table.querySelectorAll("tbody td")]
            .some((td) => td.textContent === "changed!");
        new MutationObserver((_, observer) => {
            if (seen()) { observer.disconnect(); resolve(performance.now() - started); }
        }).observe(table, {childList: true, subtree: true, characterData: true});
        button.click();
    })""")
    assert elapsed_ms < 1000, f"the change took {elapsed_ms:.0f} ms to show"
    await expect(page.get_by_role("row", name="0 changed! 0")).to_be_visible()

    # Scrolling to the middle shows the rows there, still with few rows in the page.
    scroller = page.locator(".aio-table-scroll")
    row_height = await page.locator(".aio-table tbody tr[data-index]").first.evaluate(
        "r => r.getBoundingClientRect().height")
    await scroller.evaluate(f"s => {{ s.scrollTop = {100_000 * row_height}; }}")
    await expect(page.get_by_role("row", name="100000 row 100000")).to_be_visible()
    assert await rows_in_page(page) < 500
    # ... and the very end.
    await scroller.evaluate("s => { s.scrollTop = s.scrollHeight; }")
    await expect(page.get_by_role("row", name=f"{ROWS - 1} row {ROWS - 1}")).to_be_visible()
    await screenshot(page, "big-table-end")

    # Selecting a row far down sends its source row number.
    await page.get_by_role("row", name=f"{ROWS - 2} row {ROWS - 2}").click()
    await expect(page.get_by_text(f"picked row {ROWS - 2}")).to_be_visible()
    assert sources[0].selected == [ROWS - 2]

    # Sorting happens on the server: descending by N puts the last row first, at the top.
    await page.get_by_role("button", name="N", exact=True).click()
    await expect(page.get_by_role("columnheader", name="N", exact=True)).to_have_attribute(
        "aria-sort", "ascending")
    await page.get_by_role("button", name="N", exact=True).click()
    await expect(page.get_by_role("columnheader", name="N", exact=True)).to_have_attribute(
        "aria-sort", "descending")
    await scroller.evaluate("s => { s.scrollTop = 0; }")
    await expect(page.get_by_role("row", name=f"{ROWS - 1} row {ROWS - 1}")).to_be_visible()
    assert await first_cells(page, 1) == ["199999", "199998", "199997"]
    table = server.session("/big").document.select_one(type=DataTable)
    assert table.sort == {"field": "n", "ascending": False}

    # Filtering too: the box sets `filter`, the server sends the matching rows.
    await page.get_by_role("searchbox", name="Filter rows").fill("row 12345")
    await expect(page.get_by_text("11 rows")).to_be_visible()  # 12345 and 123450..123459
    assert await first_cells(page, 2, 11) == [f"row 12345{i}" for i in range(9, -1, -1)] + [
        "row 12345"]
    assert table.filter == "row 12345"
    await screenshot(page, "big-table-filtered")


async def test_rows_still_loading_are_as_tall_as_loaded_ones(live: Any, page: Page) -> None:
    """The scroll area's height is rows x row height, measured on a drawn row: a row
    waiting for its data (drawn while the window is fetched) must be exactly as
    tall, or a scroll to the end lands in the middle. (It once took the page
    spinner's .aio-loading flex style and grew.)"""
    sources: list[ColumnDataSource] = []
    server = await live({"/big": big_app(sources)})
    await server.open(page, "/big")
    await expect(page.get_by_role("row", name="0 row 0 0")).to_be_visible()
    heights = await page.evaluate("""() => {
        const loaded = document.querySelector(".aio-table tbody tr[data-index]");
        const pending = loaded.cloneNode(true);  // drawn as the table draws one
        pending.removeAttribute("data-index");
        pending.className = "aio-row-pending";
        pending.querySelectorAll("td").forEach((td) => { td.textContent = ""; });
        loaded.after(pending);
        const sizes = [loaded.getBoundingClientRect().height,
                       pending.getBoundingClientRect().height,
                       getComputedStyle(pending).display];
        pending.remove();
        return sizes;
    }""")
    assert heights[1] == heights[0] and heights[2] == "table-row", heights


async def test_a_table_reads_the_same_in_dark_mode(live: Any, page: Page,
                                                   screenshot: Any) -> None:
    def app(doc: Document) -> None:
        doc.add_root(DataTable(source={
            "city": ["Oslo", "Lima", "Cairo", "Perth"],
            "rainfall": [1466.4, 1231.85, 25.0, 733.125],
            "days": [14, 3, 1, 8]}, filterable=True))

    server = await live({"/t": app})
    await page.emulate_media(color_scheme="dark")
    await server.open(page, "/t")
    await expect(page.get_by_role("row", name="Oslo 1466.4 14")).to_be_visible()
    # Numbers line up on the decimal point: the points of 1466.4 and 1231.85 share an x.
    # (the whole part's text ends where the point is, or would be: "25" pads as "25.000")
    points = await page.locator(".aio-table td.aio-num:nth-child(2)").evaluate_all(
        """cells => cells.map(td => {
             const text = td.firstChild, range = document.createRange();
             range.setStart(text, 0);
             range.setEnd(text, text.data.search(/[.]|$/));
             return Math.round(range.getBoundingClientRect().right);
           })""")
    assert len(points) == 4
    assert len(set(points)) == 1, points
    await screenshot(page, "table-dark")
    await page.emulate_media(color_scheme="light")
    await screenshot(page, "table-light")
