"""autoload.js in Chromium: another site's static page, served from another port,
shows an app and the user works it there."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from aioserve.models import Slider

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SLIDERS = EXAMPLES / "sliders.py"
SITE = EXAMPLES / "autoload"
CONNECTED = "#aioserve-status[data-state=connected]"


def bokeh_style_page(app_url: str) -> str:
    """What Bokeh's server_document() writes: the id is on the script tag itself."""
    return (f'<!doctype html><html><body><h1>Bokeh style</h1>'
            f'<script id="p1002" src="{app_url}/autoload.js?bokeh-autoload-element=p1002'
            f'&bokeh-app-path=/sliders&bokeh-absolute-url={app_url}"></script>'
            f'<p id="after">after the app</p></body></html>')


async def site_server(live: Any, pages: dict[str, str] | None = None) -> Any:
    """A plain aiohttp static server: the "other site", on its own port."""
    site = web.Application()
    for path, html in (pages or {}).items():
        async def serve(request: web.Request, html: str = html) -> web.Response:
            return web.Response(text=html, content_type="text/html")
        site.router.add_get(path, serve)
    site.router.add_static("/", SITE)
    return await live.web(site)


async def test_a_static_page_on_another_port_embeds_a_live_app(
        live: Any, page: Page, screenshot: Any) -> None:
    site = await site_server(live)
    site_origin = f"127.0.0.1:{site.port}"
    server = await live([str(SLIDERS)], allow_websocket_origin=(site_origin,))
    app_origin = str(server.server.make_url("")).rstrip("/")
    assert site.port != server.server.port

    await page.goto(f"http://{site_origin}/index.html?server={app_origin}")
    await page.wait_for_selector(CONNECTED)
    embedded = page.locator("#sliders-app")
    await expect(embedded).to_have_class(re.compile(r"\baioserve-embed\b"))
    # The host page is still there, the app sits inside its element.
    await expect(page.get_by_role("heading", name="Quarterly report")).to_be_visible()
    label = embedded.get_by_text("frequency 1.0")
    await expect(label).to_be_visible()
    # aioserve styles the app, not the site around it: the host keeps its own look.
    style = "(el) => { const s = getComputedStyle(el); return [s.fontFamily, s.backgroundColor]; }"
    host_font, host_background = await page.locator("body").evaluate(style)
    assert "system-ui" not in host_font and host_background == "rgba(0, 0, 0, 0)"
    host_heading_font, _ = await page.get_by_role("heading", name="Quarterly report").evaluate(
        style)
    assert host_heading_font == host_font
    app_font, _ = await embedded.evaluate(style)
    assert app_font.startswith("system-ui")

    slider = embedded.get_by_role("slider", name="Frequency")
    await slider.focus()
    await slider.press("ArrowRight")
    await slider.press("ArrowRight")
    await expect(embedded.get_by_text("frequency 1.2")).to_be_visible()
    session = server.session("/sliders")
    assert session.document.select_one(type=Slider).value == pytest.approx(1.2)
    await embedded.get_by_role("button", name="Reset", exact=True).click()
    await expect(embedded.get_by_text("frequency 1.0")).to_be_visible()
    await screenshot(page, "autoload-embedded", full_page=True)


async def test_bokeh_server_document_tags_work(live: Any, page: Page) -> None:
    server = await live([str(SLIDERS)], allow_websocket_origin=("127.0.0.1:*",))
    app_url = str(server.server.make_url("/sliders"))
    site = await site_server(live, {"/bokeh.html": bokeh_style_page(app_url)})
    await page.goto(f"http://127.0.0.1:{site.port}/bokeh.html")
    await page.wait_for_selector(CONNECTED)
    # The app is placed right after the script tag, before what follows it.
    placed = page.locator("script#p1002 + div.aioserve-embed")
    await expect(placed.get_by_text("frequency 1.0")).to_be_visible()
    await expect(page.locator("div.aioserve-embed + p#after")).to_have_count(1)


async def test_the_websocket_refuses_a_site_that_is_not_allowed(
        live: Any, page: Page, caplog: pytest.LogCaptureFixture, until: Any) -> None:
    caplog.set_level(logging.WARNING, logger="aioserve")
    site = await site_server(live)
    server = await live([str(SLIDERS)])  # no --allow-websocket-origin for the site
    app_origin = str(server.server.make_url("")).rstrip("/")
    await page.goto(f"http://127.0.0.1:{site.port}/index.html?server={app_origin}")
    await until(lambda: any("Refusing websocket connection from Origin" in r.getMessage()
                            and f"127.0.0.1:{site.port}" in r.getMessage()
                            for r in caplog.records))
    assert not any(s.connections for s in server.sessions("/sliders"))
    await expect(page.locator("#aioserve-status")).not_to_have_attribute("data-state",
                                                                        "connected")
    await expect(page.locator("#sliders-app").get_by_text("frequency")).to_have_count(0)
