"""A page whose server restarted says so before it shows the fresh document.

A real restart: `aioserve serve` in a subprocess, stopped (SIGTERM) and started
again on the same port while Chromium keeps the page open.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from playwright.async_api import Page, expect

from tests.browser.conftest import CONNECTED, SESSION_LOOP

if TYPE_CHECKING:
    from conftest import StartServer

pytestmark = SESSION_LOOP

COUNTER = """\
from aioserve import curdoc
from aioserve.models import Button, Column, Div

count = Div(text="0 clicks", name="count")
add = Button(label="Add one")

def added():
    count.text = f"{int(count.text.split()[0]) + 1} clicks"

add.on_click(added)
curdoc().add_root(Column(add, count))
"""


async def test_a_restarted_server_is_announced_and_the_page_is_reset(
        cli_server: StartServer, page: Page, tmp_path: Path, screenshot: Any) -> None:
    app = tmp_path / "counter.py"
    app.write_text(COUNTER)
    first = cli_server(str(app))
    port = urlsplit(first.base_url).port
    await page.goto(first.app_urls[0])
    await page.wait_for_selector(CONNECTED)
    await page.get_by_role("button", name="Add one").click()
    await page.get_by_role("button", name="Add one").click()
    await expect(page.get_by_text("2 clicks")).to_be_visible()
    notice = page.get_by_text("The server restarted; this page was reset.")
    await expect(notice).to_have_count(0)

    await first.astop()  # drains: the page's websocket closes with 1001 and retries
    cli_server(str(app), "--port", str(port), timeout=40)

    await expect(notice).to_be_visible(timeout=40_000)
    await expect(page.get_by_text("0 clicks")).to_be_visible()  # the fresh document
    await page.wait_for_selector(CONNECTED)
    await screenshot(page, "restart-notice")
    await page.get_by_role("button", name="Add one").click()  # and it works
    await expect(page.get_by_text("1 clicks")).to_be_visible()
    await expect(notice).to_be_visible()  # it stays until dismissed
