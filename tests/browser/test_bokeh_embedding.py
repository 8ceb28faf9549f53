"""Bokeh's own embedding tools against aioserve, in Chromium, from another site.

Another site (a plain aiohttp server on another port, so another origin) writes
the `<script>` that `bokeh.embed.server_document(url)` or
`bokeh.embed.server_session(session_id=..., url=...)` returns into its page, as a
Flask or Django site would; the app then shows and works inside that page.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from bokeh.client import pull_session
from bokeh.embed import server_document, server_session
from playwright.async_api import Page, expect

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

SLIDERS = Path(__file__).resolve().parents[2] / "examples" / "bokeh_sliders.py"
RENDERED = """() => window.Bokeh !== undefined && Bokeh.documents.length > 0
    && Bokeh.documents[0].roots().length > 0 && Bokeh.documents[0].is_idle"""


async def other_site(live: Any, html: dict[str, str]) -> str:
    """A site on its own port whose page at / is `html["body"]` (filled in later)."""

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=(f"<!doctype html><html><head><title>Another site</title>"
                                  f"</head><body><h1>Another site</h1>{html['body']}"
                                  f"<p>after the app</p></body></html>"),
                            content_type="text/html")

    async def no_icon(request: web.Request) -> web.Response:
        return web.Response(status=204)

    site = web.Application()
    site.router.add_get("/", index)
    site.router.add_get("/favicon.ico", no_icon)
    server = await live.web(site)
    return f"127.0.0.1:{server.port}"


# BokehJS is several MB of scripts to parse per page: wait longer than conftest's default.
BOKEH_TIMEOUT_MS = 40_000
WAIT = {"timeout": BOKEH_TIMEOUT_MS}  # for expect(), whose own default is 5 s


def collect_errors(page: Page) -> list[str]:
    page.set_default_timeout(BOKEH_TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


async def test_server_document_from_another_origin(live: Any, page: Page,
                                                   screenshot: Any) -> None:
    html = {"body": ""}
    site = await other_site(live, html)
    server = await live(str(SLIDERS), allow_websocket_origin=(site,))
    app_url = server.url("/bokeh_sliders")
    html["body"] = server_document(app_url)
    errors = collect_errors(page)
    await page.goto(f"http://{site}/")
    await page.wait_for_function(RENDERED)
    assert await page.title() == "Another site"  # embedding does not take the page's title
    assert page.url.startswith(f"http://{site}/") and not app_url.startswith(f"http://{site}")
    await expect(page.get_by_role("heading", name="Another site")).to_be_visible(**WAIT)
    await expect(page.get_by_role("slider")).to_have_count(4, **WAIT)
    await expect(page.locator("canvas").first).to_be_visible(**WAIT)
    # the embedded app works: a click runs Python on the app's server
    await page.get_by_role("slider").nth(1).focus()  # amplitude
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_text("y = 1.1 sin(1.0 x + 0.0) + 0.0")).to_be_visible(**WAIT)
    await page.get_by_role("button", name="Reset").click()
    await expect(page.get_by_text("y = 1.0 sin(1.0 x + 0.0) + 0.0")).to_be_visible(**WAIT)
    assert errors == []
    await screenshot(page, "bokeh-server-document")


async def test_server_document_refused_without_the_origin(live: Any, page: Page,
                                                          until: Any) -> None:
    html = {"body": ""}
    site = await other_site(live, html)
    server = await live(str(SLIDERS))  # the other site's origin is not allowed
    html["body"] = server_document(server.url("/bokeh_sliders"))
    errors = collect_errors(page)
    await page.goto(f"http://{site}/")
    await page.wait_for_function("() => window.Bokeh !== undefined")  # BokehJS loaded...
    # ...but the websocket is refused at the handshake, and BokehJS gives up on the session
    await until(lambda: any("Error rendering Bokeh items" in e for e in errors), 15)
    assert any("403" in e for e in errors), errors
    assert await page.evaluate("Bokeh.documents.length") == 0
    await expect(page.get_by_role("slider")).to_have_count(0, **WAIT)


async def test_server_session_shows_a_session_made_with_pull_session(
        live: Any, page: Page) -> None:
    html = {"body": ""}
    site = await other_site(live, html)
    server = await live(str(SLIDERS), allow_websocket_origin=(site,))
    app_url = server.url("/bokeh_sliders")

    def prepare() -> str:
        # As in Bokeh's Flask embedding example: make the session, change it, embed it.
        with pull_session(url=app_url) as session:
            session.document.get_model_by_name("title").value = "set by bokeh.client"
            session.document.get_model_by_name("amplitude").value = 2.0
            # the change goes to the server and its callbacks run there
            session.request_server_info()  # a round trip: our patch was handled before it
            return server_session(session_id=session.id, url=app_url)

    html["body"] = await asyncio.to_thread(prepare)
    errors = collect_errors(page)
    await page.goto(f"http://{site}/")
    await page.wait_for_function(RENDERED)
    await expect(page.get_by_role("textbox")).to_have_value("set by bokeh.client", **WAIT)
    # on_change ran on the server when bokeh.client set the values
    await expect(page.get_by_text("y = 2.0 sin(1.0 x + 0.0) + 0.0")).to_be_visible(**WAIT)
    assert await page.evaluate(
        "Bokeh.documents[0].get_model_by_name('wave').title.text") == "set by bokeh.client"
    assert errors == []
