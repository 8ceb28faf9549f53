"""/<app>/autoload.js and /<app>/metadata: putting an app into another site's page."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.application import Application
from aioserve.client import ClientSession, token_session_id
from aioserve.document import Document
from aioserve.models import Div
from aioserve.server.keys import STATE

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]


def hello(doc: Document) -> None:
    doc.title = "Hello"
    doc.add_root(Div(text="hello from the app", name="out"))


def broken(doc: Document) -> None:
    raise ValueError("this app is broken")


def script_config(text: str) -> dict[str, Any]:
    match = re.search(r"const config = (\{.*\});", text)
    assert match, text[:500]
    config: dict[str, Any] = json.loads(match.group(1))
    return config


async def autoload(client: TestClientT, path: str = "/hello/autoload.js",
                   **query: str) -> dict[str, Any]:
    response = await client.get(path, params=query or {"bokeh-autoload-element": "here"})
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert response.headers["Cache-Control"] == "no-store"
    return script_config(await response.text())


async def test_the_script_carries_a_new_session_and_absolute_urls(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    response = await client.get("/hello/autoload.js", params={"bokeh-autoload-element": "p1"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    config = script_config(await response.text())
    origin = f"127.0.0.1:{client.port}"
    assert config["elementId"] == "p1"
    assert config["error"] is None
    assert config["wsUrl"] == f"ws://{origin}/hello/ws"
    assert re.fullmatch(rf"http://{re.escape(origin)}/static/\w+/embed\.js", config["module"])
    assert [urlsplit(u).path.rsplit("/", 1)[1] for u in config["css"]] == ["aioserve.css"]
    # The session exists (sessions are not lazy), under the token's id.
    registry = client.app[STATE].apps["/hello"].registry
    session_id = token_session_id(config["token"])
    assert registry.get(session_id) is not None
    # Each request mints a new one, exactly as a page does.
    again = await autoload(client, "/hello/autoload.js", **{"bokeh-autoload-element": "p1"})
    assert token_session_id(again["token"]) != session_id
    assert len(registry) == 2


async def test_the_token_opens_the_session_through_the_websocket(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    config = await autoload(client, target="here")  # issue 5's spelling of the parameter
    ws = urlsplit(config["wsUrl"])
    async with aiohttp.ClientSession() as http:
        session = await ClientSession.connect(str(client.make_url("/hello")), config["token"],
                                              ws.path, http=http)
        try:
            assert session.document.find(name="out")["text"] == "hello from the app"
        finally:
            await session.close()


async def test_the_files_the_script_loads_are_served_with_cors(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    config = await autoload(client)
    for url in [config["module"], *config["css"]]:
        response = await client.get(urlsplit(url).path,
                                    headers={"Origin": "http://other.example:8000"})
        assert response.status == 200, url
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    # embed.js imports the client, which imports the rest: all of them are public.
    client_js = re.sub(r"embed\.js$", "aioserve.js", urlsplit(config["module"]).path)
    assert (await client.get(client_js)).headers["Access-Control-Allow-Origin"] == "*"


async def test_cors_reflects_the_origin_when_cookies_come_along(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    site = "http://site.example:8080"
    response = await client.get("/hello/autoload.js?bokeh-autoload-element=x",
                                headers={"Origin": site, "Cookie": "user=ann"})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == site
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers["Vary"]
    # Without cookies: the wildcard, and never credentials.
    response = await client.get("/hello/autoload.js?bokeh-autoload-element=x",
                                headers={"Origin": site})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_options_is_answered(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    response = await client.options("/hello/autoload.js", headers={
        "Origin": "http://site.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-requested-with"})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://site.example"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "x-requested-with"
    assert len(client.app[STATE].apps["/hello"].registry) == 0  # no session for a preflight


async def test_the_element_is_required(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    response = await client.get("/hello/autoload.js")
    assert response.status == 400
    assert "bokeh-autoload-element" in await response.text()


async def test_forwarded_scheme_and_host_make_the_urls(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}, use_xheaders=True,
                                             prefix="/apps"))
    response = await client.get(
        "/apps/hello/autoload.js", params={"bokeh-autoload-element": "x"},
        headers={"Host": "dash.example.com", "X-Forwarded-Proto": "https"})
    config = script_config(await response.text())
    assert config["wsUrl"] == "wss://dash.example.com/apps/hello/ws"
    assert config["module"].startswith("https://dash.example.com/apps/static/")
    # Without --use-xheaders the header is not believed.
    plain = await aiohttp_client(create_app({"/hello": hello}))
    response = await plain.get("/hello/autoload.js", params={"bokeh-autoload-element": "x"},
                               headers={"X-Forwarded-Proto": "https"})
    assert script_config(await response.text())["wsUrl"].startswith("ws://")


async def test_bokeh_absolute_url_is_honoured(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    config = await autoload(client, **{"bokeh-autoload-element": "x",
                                       "bokeh-absolute-url": "https://apps.example:8443/hello",
                                       "resources": "none"})
    assert config["wsUrl"] == "wss://apps.example:8443/hello/ws"
    assert config["css"] == []
    response = await client.get("/hello/autoload.js", params={
        "bokeh-autoload-element": "x", "bokeh-absolute-url": "javascript:alert(1)"})
    assert response.status == 400


async def test_a_failing_app_shows_an_error_id_in_the_element(
        aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture) -> None:
    client = await aiohttp_client(create_app({"/broken": broken}))
    config = await autoload(client, "/broken/autoload.js")
    assert "this app is broken" not in config["error"]  # private by default
    error_id = re.search(r"Error id: ([0-9a-f]{8})", config["error"])
    assert error_id is not None and config["token"] == ""
    assert f"(error id {error_id[1]})" in caplog.text


async def test_a_failing_app_shows_its_error_with_show_errors(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/broken": broken}, show_errors=True))
    config = await autoload(client, "/broken/autoload.js")
    assert "this app is broken" in config["error"] and "error id" in config["error"]


async def test_lazy_sessions_only_mint_the_token(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}, lazy_sessions=True))
    config = await autoload(client)
    assert len(client.app[STATE].apps["/hello"].registry) == 0
    assert token_session_id(config["token"])


async def test_refused_while_draining(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    client.app[STATE].draining = True
    response = await client.get("/hello/autoload.js?bokeh-autoload-element=x")
    assert response.status == 503
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_the_script_is_safe_javascript_for_any_element_id(
        aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    nasty = '"</script><script>alert(1)//'
    response = await client.get("/hello/autoload.js", params={"bokeh-autoload-element": nasty})
    text = await response.text()
    assert "</script>" not in text
    assert script_config(text)["elementId"] == nasty


async def test_metadata(aiohttp_client: AiohttpClient) -> None:
    app = Application(hello, metadata={"author": "ann", "version": 3})
    client = await aiohttp_client(create_app({"/hello": app, "/called": Application(
        hello, metadata=lambda: {"computed": True})}))
    response = await client.get("/hello/metadata")
    assert response.status == 200
    assert await response.json() == {"url": "/hello", "data": {"author": "ann", "version": 3}}
    assert (await (await client.get("/called/metadata")).json())["data"] == {"computed": True}
