"""--dev in Chromium: saving the app's file refreshes the open page by itself,
through a syntax error and its fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from aioserve.server.dev import DEV
from tests.server.dev_edits import edit

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

CONNECTED = "#aioserve-status[data-state=connected]"
APP = """\
from aioserve import curdoc
from aioserve.models import Button, Column, Div

out = Div(text="{text}", name="out")
button = Button(label="Press")
button.on_click(lambda: setattr(out, "text", out.text + "!"))
curdoc().add_root(Column(out, button))
"""


async def test_an_open_page_refreshes_itself_after_an_edit(
        live: Any, page: Page, tmp_path: Path, screenshot: Any) -> None:
    script = tmp_path / "hello.py"
    script.write_text(APP.format(text="first version"), encoding="utf-8")
    server = await live([str(script)], dev=True)
    reloader = server.app[DEV]
    await server.open(page, "/hello")
    await page.get_by_role("button", name="Press").click()
    await expect(page.get_by_text("first version!")).to_be_visible()
    loads: list[str] = []
    page.on("load", lambda _: loads.append(page.url))

    await edit(reloader, script, APP.format(text="second version"))
    await expect(page.get_by_text("second version")).to_be_visible()
    await page.wait_for_selector(CONNECTED)
    assert len(loads) >= 1  # a real reload of the page, not a patch
    assert len(server.sessions("/hello")) == 1  # the old session ended

    # A syntax error: the page reloads into the error, the server keeps going.
    await edit(reloader, script, "from aioserve import curdoc\nx = (\n")
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("SyntaxError")
    await expect(alert).to_contain_text("was never closed")
    await screenshot(page, "dev-reload-syntax-error")

    # Saving the fix brings the app back in the same tab, no user action needed.
    await edit(reloader, script, APP.format(text="fixed version"))
    await expect(page.get_by_text("fixed version")).to_be_visible()
    await page.wait_for_selector(CONNECTED)
    await page.get_by_role("button", name="Press").click()
    await expect(page.get_by_text("fixed version!")).to_be_visible()
