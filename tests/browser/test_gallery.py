"""The example gallery in Chromium: each app loads, works, and is photographed in the
light and the dark theme (test-artifacts/gallery-*.png)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VIEWPORT = {"width": 1280, "height": 900}


async def open_example(live: Any, browser: Browser, name: str, path: Path,
                       scheme: str = "light", frames: list[Any] | None = None,
                       ) -> tuple[Any, Page]:
    """Serve one example and open it; `frames` collects what its websockets receive."""
    server = await live({f"/{name}": str(path)})
    context = await browser.new_context(viewport=VIEWPORT,
                                        color_scheme=scheme)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = await context.new_page()
    if frames is not None:
        page.on("websocket", lambda ws: ws.on(
            "framereceived",  # text frames; binary ones are columns of numbers
            lambda f: frames.append(json.loads(f)) if isinstance(f, str) else None))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await server.open(page, f"/{name}")
    page.errors = errors  # type: ignore[attr-defined]
    return server, page


async def both_themes(live: Any, browser: Browser, screenshot: Any, name: str,
                      path: Path) -> None:
    server, page = await open_example(live, browser, f"{name}-dark", path, "dark")
    await page.wait_for_timeout(300)  # charts draw on the next animation frame
    await screenshot(page, f"gallery-{name}-dark", full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]
    await page.context.close()


async def test_streaming(live: Any, browser: Browser, screenshot: Any, until: Any) -> None:
    received: list[dict[str, Any]] = []
    server, page = await open_example(live, browser, "streaming", EXAMPLES / "streaming.py",
                                      frames=received)

    def streams() -> list[dict[str, Any]]:
        return [e for m in received if m["type"] == "patch" for e in m["events"]
                if e["kind"] == "stream"]

    try:
        await expect(page.locator(".aio-chart")).to_have_count(3)
        await until(lambda: len(streams()) >= 2)
        # One new row a tick, never the whole series.
        assert all(len(e["data"]["time"]) == 1 and e["rollover"] == 120 for e in streams())
        await page.get_by_role("button", name="Traffic spike").click()
        await page.wait_for_timeout(800)
        await screenshot(page, "gallery-streaming", full_page=True)
        await page.get_by_role("button", name="Live").click()
        await expect(page.get_by_role("button", name="Paused")).to_have_attribute(
            "aria-pressed", "false")
        await page.wait_for_timeout(100)  # a tick already under way may still land
        count = len(streams())
        await page.wait_for_timeout(700)
        assert len(streams()) == count  # paused: nothing streams
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
    await both_themes(live, browser, screenshot, "streaming", EXAMPLES / "streaming.py")


async def test_explorer(live: Any, browser: Browser, screenshot: Any) -> None:
    server, page = await open_example(live, browser, "explorer", EXAMPLES / "explorer.py")
    try:
        summary = page.locator("[data-name=summary]")
        await expect(summary).to_contain_text("40 of 40 cities")
        await page.get_by_label("Continents").select_option(["Europe", "Oceania"])
        await expect(summary).to_contain_text("11 of 40 cities")
        await expect(page.locator(".aio-table tbody tr[data-index]")).to_have_count(11)
        await page.get_by_label("Search").fill("o")  # Oslo, London, Moscow, Madrid, Auckland...
        await expect(summary).not_to_contain_text("11 of 40")
        await page.get_by_label("Search").fill("")
        await expect(summary).to_contain_text("11 of 40 cities")
        await page.get_by_role("button", name="Temp. (°C)").click()
        await page.get_by_role("row", name="Reykjavík").click()
        await page.get_by_role("row", name="Sydney").click(modifiers=["Shift"])
        picked = page.locator("[data-name=picked]")
        await expect(picked).to_contain_text("selected")
        await page.get_by_label("Y axis").select_option("rainfall")
        await expect(page.locator(".aio-chart-title").first).to_have_text(
            "Rainfall (mm / year) by latitude (°)")
        await page.get_by_role("row", name="Reykjavík").click()
        await page.get_by_role("row", name="Oslo").click(modifiers=["Control"])
        await expect(picked).to_contain_text("2 selected")
        await screenshot(page, "gallery-explorer", full_page=True)
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
    await both_themes(live, browser, screenshot, "explorer", EXAMPLES / "explorer.py")


async def test_form(live: Any, browser: Browser, screenshot: Any) -> None:
    server, page = await open_example(live, browser, "form", EXAMPLES / "form.py")
    try:
        seen = page.locator("[data-name=seen]")
        await page.get_by_role("button", name="Submit").click()
        await expect(page.locator("[data-name=outcome]")).to_contain_text("Please give a name")
        await page.get_by_label("Name").fill("Grace Hopper")
        await page.get_by_label("Email").fill("grace@example.org")
        await page.get_by_label("Email").press("Enter")
        await page.get_by_label("A few words").fill("Wrote the first compiler.")
        await page.get_by_label("Age", exact=True).fill("85")
        await page.get_by_label("Age", exact=True).press("Tab")
        await page.get_by_label("Country").select_option("pe")
        await page.get_by_label("Languages").select_option(["Python", "SQL"])
        await page.get_by_label("Expert").check()
        await page.get_by_label("Hours a week").fill("25")
        await page.get_by_label("Budget (k€) maximum").fill("80")
        await page.get_by_label("Send me the newsletter").check()
        await page.get_by_role("button", name="Public profile").click()
        await page.get_by_label("Attachment (up to 1 MB)").set_input_files(files=[
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"first line\nsecond"}])
        for text in ("Grace Hopper", "grace@example.org", "Wrote the first compiler.", "85",
                     "Peru", "Python, SQL", "Expert", "25", "20 – 80 k€", "notes.txt, 17 bytes"):
            await expect(seen).to_contain_text(text)
        await page.get_by_role("button", name="Submit").click()
        await expect(page.locator("[data-name=outcome]")).to_contain_text("Thank you, Grace")
        await screenshot(page, "gallery-form", full_page=True)
        await page.get_by_role("button", name="Reset").click()
        await expect(seen).not_to_contain_text("Grace")
        await expect(page.get_by_label("Name")).to_have_value("")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
    await both_themes(live, browser, screenshot, "form", EXAMPLES / "form.py")


async def test_notebook_with_pandas_and_matplotlib(live: Any, browser: Browser,
                                                   screenshot: Any) -> None:
    server, page = await open_example(live, browser, "notebook_pandas",
                                      EXAMPLES / "notebook_pandas.ipynb")
    try:
        plot = page.locator("[data-name=plot] img")
        await expect(plot).to_be_visible()
        first = await plot.get_attribute("src")
        assert first is not None and first.startswith("data:image/svg+xml;base64,")
        totals = page.locator("[data-name=totals]")
        await expect(totals).to_contain_text("units")
        everything = await totals.inner_text()
        await screenshot(page, "gallery-notebook-pandas", full_page=True)

        await page.get_by_label("Region", exact=True).select_option("East")
        await expect(totals).not_to_have_text(everything)
        await expect(plot).not_to_have_attribute("src", first)
        await page.get_by_role("tab", name="Table").click()
        await expect(page.locator(".aio-table tbody tr[data-index]")).to_have_count(12)
        await page.get_by_role("tab", name="Summary by region").click()
        summary = page.frame_locator("[data-name=summary] iframe")
        await expect(summary.locator("tbody tr")).to_have_count(4)
        await expect(summary.locator("tbody th").first).to_have_text("East")
        await screenshot(page, "gallery-notebook-pandas-summary")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
    # The dark theme: the figure is not a white rectangle on a dark page; its paper
    # turns dark and its ink light.
    server, page = await open_example(live, browser, "notebook-pandas-dark",
                                      EXAMPLES / "notebook_pandas.ipynb", "dark")
    try:
        plot = page.locator("[data-name=plot]")
        await expect(plot.locator("img")).to_be_visible()
        await expect(plot).to_have_attribute("data-figure", "matplotlib")
        await page.wait_for_timeout(300)  # charts draw on the next animation frame
        await screenshot(page, "gallery-notebook-pandas-dark", full_page=True)
        drawn = await plot.locator("img").screenshot(animations="disabled")
        with Image.open(io.BytesIO(drawn)) as image:
            red, green, blue = image.convert("RGB").getpixel((3, 3))  # a corner: paper
        assert max(red, green, blue) < 80, (red, green, blue)
        await page.emulate_media(color_scheme="light")
        assert await plot.locator("img").evaluate("el => getComputedStyle(el).filter") == "none"
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
