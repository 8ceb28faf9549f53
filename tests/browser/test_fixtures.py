"""The browser fixtures work beside an aiohttp server in the same loop, under -W error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Page, expect

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

CLICKS = web.AppKey("clicks", list[int])

PAGE = """<!doctype html>
<title>fixture check</title>
<button id="go">Click me</button>
<p id="out">waiting</p>
<script>
  document.getElementById("go").addEventListener("click", async () => {
    const response = await fetch("clicked", {method: "POST"});
    document.getElementById("out").textContent = await response.text();
  });
</script>
"""


async def index(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


async def clicked(request: web.Request) -> web.Response:
    clicks = request.app[CLICKS]
    clicks.append(1)
    return web.Response(text=f"clicked {len(clicks)} time(s)")


async def test_click_changes_text(live: Any, page: Page, artifacts_dir: Path) -> None:
    app = web.Application()
    app[CLICKS] = []
    app.router.add_get("/", index)
    app.router.add_post("/clicked", clicked)
    server = await live.web(app)
    assert server.port != 0

    await page.goto(str(server.make_url("/")))
    out = page.locator("#out")
    await expect(out).to_have_text("waiting")

    await page.get_by_role("button", name="Click me").click()
    await expect(out).to_have_text("clicked 1 time(s)")
    await page.get_by_role("button", name="Click me").click()
    await expect(out).to_have_text("clicked 2 time(s)")

    assert len(app[CLICKS]) == 2
    await page.screenshot(path=artifacts_dir / "browser-fixtures.png")
