"""Styled error pages: 404, 403, 500 (with an error id), 503 while draining.

In the look of the index page, without server paths; under --prefix, and inside
a host application (whose own 404s stay its own).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

import aioserve
from aioserve import create_app
from aioserve.application import Application
from aioserve.document import Document
from aioserve.models import Div
from aioserve.server.keys import STATE

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what a browser sends
PACKAGE = str(Path(aioserve.__file__).parent)


def hello(doc: Document) -> None:
    doc.add_root(Div(text="hello"))


def broken_metadata() -> dict[str, str]:
    raise ZeroDivisionError(f"metadata failed in {PACKAGE}/secret_module.py")


APPS = {"/hello": hello, "/meta": Application(hello, metadata=broken_metadata)}


def assert_styled(html: str, status: int, title: str) -> None:
    assert f"<title>{status} · {title}</title>" in html
    assert 'class="aio-error-card"' in html and f"Error {status}" in html
    assert re.search(r'href="[^"]*/static/[0-9a-f]{12}/page\.css"', html)  # the index's look
    assert PACKAGE not in html and "Traceback" not in html and "File \"" not in html


async def test_404_is_a_styled_page_for_browsers_and_one_line_for_the_rest(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(APPS))
    response = await client.get("/no/such/page", headers=HTML)
    assert response.status == 404
    html = await response.text()
    assert_styled(html, 404, "Page not found")
    assert 'href="/"' in html and "Go to the start page" in html  # the index
    response = await client.get("/no/such/page")  # curl, fetch(): no text/html asked
    assert response.status == 404 and await response.text() == "404: Not Found"


async def test_403_explains_the_refusal(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(APPS))
    response = await client.get("/hello", params={"aioserve-session-id": "../../x"},
                                headers=HTML)
    assert response.status == 403
    html = await response.text()
    assert_styled(html, 403, "Access denied")
    assert 'class="aio-error-reason"' in html


async def test_an_uncaught_error_is_a_500_with_an_id_that_the_log_has(
        aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    client = await aiohttp_client(create_app(APPS))
    response = await client.get("/meta/metadata", headers=HTML)
    assert response.status == 500
    html = await response.text()
    assert_styled(html, 500, "Server error")
    assert "ZeroDivisionError" not in html and "secret_module" not in html
    error_id = re.search(r"give the site's owner this error id: <code>([0-9a-f]{8})</code>",
                         html)
    assert error_id is not None, html
    (record,) = [r for r in caplog.records if f"(error id {error_id[1]})" in r.getMessage()]
    assert record.getMessage().startswith("Error handling GET /meta/metadata")
    assert record.exc_info is not None and "secret_module" in str(record.exc_info[1])

    response = await client.get("/meta/metadata")  # not a browser: one line, still the id
    assert response.status == 500
    assert re.fullmatch(r"500 Internal Server Error \(error id [0-9a-f]{8}\)\n",
                        await response.text())


async def test_show_errors_puts_the_traceback_on_the_500_page(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(APPS, show_errors=True))
    html = await (await client.get("/meta/metadata", headers=HTML)).text()
    assert "Traceback" in html and "ZeroDivisionError: metadata failed" in html
    assert re.search(r"error id: <code>[0-9a-f]{8}</code>", html)


async def test_503_while_draining(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(APPS))
    client.app[STATE].draining = True
    response = await client.get("/hello", headers=HTML)
    assert response.status == 503
    html = await response.text()
    assert_styled(html, 503, "Unavailable for a moment")
    assert "restarting or shutting down" in html


async def test_under_a_prefix_every_404_is_styled_and_links_inside_it(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(APPS, prefix="/apps"))
    for path in ("/apps/nothing", "/elsewhere"):  # inside the prefix, and outside it
        response = await client.get(path, headers=HTML)
        assert response.status == 404, path
        html = await response.text()
        assert_styled(html, 404, "Page not found")
        assert 'href="/apps/static/' in html and 'href="/apps/"' in html


async def test_inside_a_host_app_only_our_own_404s_are_styled(
        aiohttp_client: AiohttpClient) -> None:
    host = web.Application()

    async def home(request: web.Request) -> web.Response:
        return web.Response(text="the host's home")

    host.router.add_get("/", home)
    host.add_subapp("/dash", create_app(APPS))
    client = await aiohttp_client(host)
    response = await client.get("/nothing", headers=HTML)
    assert response.status == 404 and await response.text() == "404: Not Found"  # the host's
    response = await client.get("/dash/nothing", headers=HTML)
    assert response.status == 404
    html = await response.text()
    assert_styled(html, 404, "Page not found")
    assert 'href="/dash/static/' in html and 'href="/dash/"' in html
    assert (await client.get("/dash/hello")).status == 200
