"""A Bokeh app in Chromium through a real nginx in front of two instances, with
the configuration of docs/deploy.md ("Bokeh apps behind nginx"): BokehJS's
websocket carries nginx's route cookie, so reloads of a named session reach the
instance that owns it and find its state."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from playwright.async_api import Browser, Page

from tests.engines.bokeh.test_nginx import Cluster, cluster  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from conftest import Screenshot

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

RENDERED = """() => window.Bokeh !== undefined && Bokeh.documents.length > 0
    && Bokeh.documents[0].roots().length > 0 && Bokeh.documents[0].is_idle"""
BOKEH_TIMEOUT_MS = 40_000  # BokehJS is several MB of script to parse per page


async def load(page: Page, url: str) -> dict[str, object]:
    """Open the page, wait for BokehJS's document; what the app saw and its slider."""
    await page.goto(url)
    await page.wait_for_function(RENDERED, timeout=BOKEH_TIMEOUT_MS)
    seen = json.loads(await page.evaluate(
        "Bokeh.documents[0].get_model_by_name('seen').text"))
    seen["count"] = await page.evaluate("Bokeh.documents[0].get_model_by_name('count').value")
    return dict(seen)


async def test_reloads_of_a_bokeh_page_stick_to_its_owner_through_nginx(
        cluster: Cluster, browser: Browser, screenshot: Screenshot) -> None:  # noqa: F811
    context = await browser.new_context()
    context.set_default_timeout(BOKEH_TIMEOUT_MS)
    errors: list[str] = []
    sockets: list[str] = []
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page = await context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("websocket", lambda ws: sockets.append(ws.url))
        url = cluster.url("/app?bokeh-session-id=reloaded")
        first = await load(page, url)
        assert first["count"] == 0 and first["real_ip"] == "127.0.0.1"
        cookies = {c["name"]: c["value"] for c in await context.cookies()}
        assert cookies.get("aioserve_route")  # nginx's route cookie, set by the page
        # A change in the browser goes to the session's owner...
        await page.evaluate("Bokeh.documents[0].get_model_by_name('count').value = 42")
        await page.wait_for_function(
            "() => Bokeh.documents[0].get_model_by_name('echo').text === 'saw 42'")
        for _ in range(3):  # ...and every reload of the named session finds it there
            again = await load(page, url)
            assert again["pid"] == first["pid"]
            assert again["count"] == 42
        await screenshot(page, "bokeh_through_nginx")
        # BokehJS opens `<app>/ws` plus the page's query: nginx hashes the session's name.
        ws_url = cluster.url("/app/ws?bokeh-session-id=reloaded").replace("http", "ws", 1)
        assert len(sockets) == 4 and set(sockets) == {ws_url}, sockets
        # Another browser (its own route cookie) opening the same named session.
        other = await browser.new_context()
        try:
            other_page = await other.new_page()
            other_page.on("pageerror", lambda e: errors.append(str(e)))
            shared = await load(other_page, url)
            assert shared["pid"] == first["pid"] and shared["count"] == 42
        finally:
            await other.close()
    finally:
        await context.close()
    assert not errors, errors
