"""--enable-xsrf-cookies with a Bokeh app: its page hands out the `_xsrf` cookie,
an unsafe request to any of its routes (or to the auth module's login) without
the token is refused, and the websocket is guarded by the origin check, as for
aioserve's own apps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from multidict import CIMultiDictProxy

from aioserve import create_app
from aioserve.security.xsrf import decode_xsrf
from tests.engines.bokeh.wire import BokehWire, token_of_page, write_app

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[..., Awaitable[TestClientT]]

FORM_AUTH = """
from aiohttp import web
from aioserve.server.xsrf_middleware import xsrf_form_html

login_url = "/login"

def get_user(request):
    return "ann" if request.cookies.get("user") == "ann" else None

class LoginHandler(web.View):
    async def get(self):
        return web.Response(text="<form method=post>" + xsrf_form_html(self.request) + "</form>",
                            content_type="text/html")

    async def post(self):
        response = web.HTTPFound("/app")
        response.set_cookie("user", "ann")
        raise response
"""
ROUTES = ("/app", "/app/metadata", "/app/autoload.js?bokeh-autoload-element=x")


def set_cookies(headers: CIMultiDictProxy[str]) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.getall("Set-Cookie", []):
        jar.load(value)
    return jar


@pytest.fixture
async def client(tmp_path: Path, aiohttp_client: AiohttpClient) -> TestClientT:
    return await aiohttp_client(create_app([write_app(tmp_path)], enable_xsrf_cookies=True))


async def test_the_bokeh_page_sets_the_cookie_and_bokehjs_files_do_not(
        client: TestClientT) -> None:
    page = await client.get("/app")
    html = await page.text()
    assert page.status == 200 and "Bokeh test app" in html
    cookie = set_cookies(page.headers)["_xsrf"]
    assert decode_xsrf(cookie.value) is not None
    assert cookie["path"] == "/" and cookie["samesite"] == "Lax" and not cookie["httponly"]
    again = await client.get("/app")  # the browser has it now: nothing new
    assert "_xsrf" not in set_cookies(again.headers)
    client.session.cookie_jar.clear()
    bokehjs = html.split('src="')[1].split('"')[0]
    script = await client.get(bokehjs)
    assert script.status == 200 and "_xsrf" not in set_cookies(script.headers)


@pytest.mark.parametrize("route", ROUTES)
async def test_unsafe_requests_to_bokeh_routes_need_the_token(client: TestClientT,
                                                             route: str) -> None:
    await client.get("/app")  # the victim's browser holds the cookie
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["_xsrf"].value
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        refused = await client.request(method, route)
        assert refused.status == 403, (method, route)
        assert "'_xsrf' argument missing" in await refused.text()
        wrong = await client.request(method, route, headers={"X-XSRFToken": "2|00000000|"
                                                             + "ab" * 16 + "|0"})
        assert wrong.status == 403
        # With the token the request passes the check and reaches the route, which
        # takes GET only, as under `bokeh serve`.
        passed = await client.request(method, route, headers={"X-XSRFToken": cookie})
        assert passed.status == 405, (method, route)


async def test_the_websocket_is_guarded_by_its_origin(client: TestClientT) -> None:
    """A websocket handshake is a GET (Tornado and Bokeh check no XSRF token on it):
    what stops another site is the origin allowlist."""
    token = await token_of_page(client.session, str(client.make_url("/app")))
    own = str(client.make_url("/")).rstrip("/")
    ws = await client.session.ws_connect(client.make_url("/app/ws"), origin=own,
                                         protocols=("bokeh", token))
    wire = BokehWire(ws)
    assert (await wire.receive()).msgtype == "ACK"
    assert (await wire.pull())["title"] == "Bokeh test app"
    await ws.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.session.ws_connect(client.make_url("/app/ws"),
                                        origin="http://evil.example",
                                        protocols=("bokeh", token))
    assert refused.value.status == 403


async def test_login_in_front_of_a_bokeh_app_needs_the_token(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    (tmp_path / "form_auth.py").write_text(FORM_AUTH)
    client = await aiohttp_client(create_app(
        [write_app(tmp_path)], enable_xsrf_cookies=True,
        auth_module=str(tmp_path / "form_auth.py")))
    redirect = await client.get("/app", allow_redirects=False)
    assert redirect.status == 302 and "_xsrf" in set_cookies(redirect.headers)
    form = await (await client.get("/login")).text()
    field = form.split('value="')[1].split('"')[0]
    forged = await client.post("/login", data={}, allow_redirects=False)
    assert forged.status == 403
    assert "user" not in set_cookies(forged.headers)
    login = await client.post("/login", data={"_xsrf": field}, allow_redirects=False)
    assert login.status == 302 and set_cookies(login.headers)["user"].value == "ann"
    page = await client.get("/app")
    assert page.status == 200 and "Bokeh test app" in await page.text()
