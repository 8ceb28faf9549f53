"""A user clicks and drags in Chromium; the Python callbacks run and the page follows."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from aioserve import Document
from aioserve.models import Button, Column, Div, Slider

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py


def clicker(calls: list[str]) -> Any:
    def app(doc: Document) -> None:
        out = Div(text="not clicked", name="out")
        button = Button(label="Press me", button_type="primary")
        count = 0

        def clicked() -> None:
            nonlocal count
            count += 1
            calls.append(doc.session_context.id if doc.session_context else "")
            out.text = f"clicked {count} time(s)"

        button.on_click(clicked)
        doc.add_root(Column(button, out))

    return app


def slider_app(seen: list[float]) -> Any:
    def app(doc: Document) -> None:
        label = Div(text="value 5.0")
        slider = Slider(title="Level", start=0, end=10, step=0.5, value=5)

        def moved(attr: str, old: float, new: float) -> None:
            seen.append(new)
            label.text = f"value {new:.1f}"

        slider.on_change("value", moved)
        doc.add_root(Column(slider, label))

    return app


async def test_button_click_runs_python_and_changes_page(live: Any, page: Page,
                                                         screenshot: Any) -> None:
    calls: list[str] = []
    server = await live({"/clicks": clicker(calls)})
    await server.open(page, "/clicks")
    button = page.get_by_role("button", name="Press me")
    await expect(button).to_be_enabled()
    await button.click()
    await expect(page.get_by_text("clicked 1 time(s)")).to_be_visible()
    await button.click()
    await expect(page.get_by_text("clicked 2 time(s)")).to_be_visible()
    assert calls == [server.session("/clicks").id] * 2
    await screenshot(page, "button-click")


async def test_slider_keyboard_runs_on_change(live: Any, page: Page) -> None:
    seen: list[float] = []
    server = await live({"/sliders": slider_app(seen)})
    await server.open(page, "/sliders")
    slider = page.get_by_role("slider", name="Level")
    await slider.focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_text("value 5.5")).to_be_visible()
    await page.keyboard.press("End")
    await expect(page.get_by_text("value 10.0")).to_be_visible()
    assert seen[-1] == 10
    assert server.session("/sliders").document.roots[0].children[0].value == 10


async def test_slider_mouse_drag_runs_on_change(live: Any, page: Page,
                                                screenshot: Any) -> None:
    seen: list[float] = []
    server = await live({"/sliders": slider_app(seen)})
    await server.open(page, "/sliders")
    slider = page.get_by_role("slider", name="Level")
    box = await slider.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    await page.mouse.move(box["x"] + box["width"] / 2, y)
    await page.mouse.down()
    await page.mouse.move(box["x"] + 2, y, steps=5)  # all the way to the left
    await page.mouse.up()
    await expect(page.get_by_text("value 0.0")).to_be_visible()
    assert seen[-1] == 0
    # Dragging sends one value in flight at a time, never more values than moves.
    assert 1 <= len(seen) <= 7
    await screenshot(page, "slider-dragged")


async def test_two_tabs_sharing_a_session_see_each_others_changes(
        live: Any, browser: Browser, screenshot: Any) -> None:
    seen: list[float] = []
    server = await live({"/sliders": slider_app(seen)})
    context = await browser.new_context()
    context.set_default_timeout(15_000)
    try:
        first, second = await context.new_page(), await context.new_page()
        await server.open(first, "/sliders", **{"aioserve-session-id": "shared-one"})
        await server.open(second, "/sliders", **{"bokeh-session-id": "shared-one"})
        assert [s.id for s in server.sessions("/sliders")] == ["shared-one"]
        assert len(server.session("/sliders").connections) == 2

        await first.get_by_role("slider", name="Level").fill("7.5")
        # The other tab gets both the slider's new value and what the callback did.
        await expect(second.get_by_text("value 7.5")).to_be_visible()
        await expect(second.get_by_role("slider", name="Level")).to_have_value("7.5")
        await expect(first.get_by_text("value 7.5")).to_be_visible()

        await second.get_by_role("slider", name="Level").fill("2")
        await expect(first.get_by_role("slider", name="Level")).to_have_value("2")
        await expect(first.get_by_text("value 2.0")).to_be_visible()
        assert seen == [7.5, 2]
        await screenshot(second, "shared-session-second-tab")
    finally:
        await context.close()
