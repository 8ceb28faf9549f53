"""Servers and clients for the security tests: every attack goes in from outside,
through HTTP and the websocket, against a server on 127.0.0.1, port 0."""

from __future__ import annotations

import html
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from aioserve import Config, create_app
from aioserve.client import ClientSession
from aioserve.document.document import Document
from aioserve.models import Div
from aioserve.server.keys import states_of

_META = re.compile(r'<meta name="(aioserve-[a-z]+)" content="([^"]*)"')


def show_request(doc: Document) -> None:
    """An app that shows what it was given: user, id, logout URL, request data."""
    context = doc.session_context
    assert context is not None
    seen = {"user": context.user, "id": context.id, "logout_url": context.logout_url,
            "headers": context.request.headers, "cookies": context.request.cookies,
            "arguments": {k: [v.decode() for v in vs]
                          for k, vs in context.request.arguments.items()},
            "payload": {k: v for k, v in context.token_payload.items()
                        if k not in ("headers", "cookies", "arguments")}}
    doc.add_root(Div(name="seen", text=json.dumps(seen, default=str)))


@dataclass
class Page:
    status: int
    text: str
    headers: Any

    @property
    def token(self) -> str:
        return html.unescape(dict(_META.findall(self.text))["aioserve-token"])

    @property
    def ws_path(self) -> str:
        return html.unescape(dict(_META.findall(self.text))["aioserve-ws"])


class Clock:
    """A wall clock that moves only when told: token expiry without sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Served:
    """A running server and an HTTP client that keeps cookies."""

    server: TestServer
    http: aiohttp.ClientSession

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    def fake_clock(self) -> Clock:
        """From now on the server mints and checks tokens by a clock the test moves."""
        clock = Clock()
        assert self.server.app is not None
        for state in states_of(self.server.app):
            state.clock = clock
        return clock

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def page(self, path: str, **kwargs: Any) -> Page:
        async with self.http.get(self.url(path), allow_redirects=False, **kwargs) as response:
            body = (await response.read()).decode("utf-8", "replace")  # icons are bytes
            return Page(response.status, body, response.headers)

    async def handshake(self, ws_path: str, token: str, *, origin: str | None = None,
                        headers: dict[str, str] | None = None) -> aiohttp.ClientWebSocketResponse:
        """Open the websocket as a browser would; raises WSServerHandshakeError if refused."""
        all_headers = dict(headers or {})
        if origin is not None:
            all_headers["Origin"] = origin
        return await self.http.ws_connect(self.url(ws_path), protocols=("aioserve", token),
                                          headers=all_headers)

    async def session(self, path: str, **kwargs: Any) -> ClientSession:
        """Load the page and open its session through the public client."""
        page = await self.page(path, **kwargs)
        assert page.status == 200, page.text
        return await ClientSession.connect(self.url(path), page.token, page.ws_path,
                                           http=self.http, origin=self.origin)

    async def connect(self, path: str, token: str, ws_path: str) -> ClientSession:
        return await ClientSession.connect(self.url(path), token, ws_path, http=self.http,
                                           origin=self.origin)


StartServer = Callable[..., Awaitable[Served]]


@pytest.fixture
def secret_key() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture
async def start(aiohttp_server: AiohttpServer) -> AsyncIterator[StartServer]:
    """`await start(apps, **config_fields)`: create_app served on 127.0.0.1, port 0."""
    clients: list[aiohttp.ClientSession] = []

    async def start_server(apps: Any = None, **options: Any) -> Served:
        app = create_app(apps if apps is not None else {"/app": show_request}, Config(**options))
        server = await aiohttp_server(app, host="127.0.0.1", port=0)
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        clients.append(http)
        return Served(server, http)

    yield start_server
    for http in clients:
        await http.close()


def seen(session: ClientSession) -> dict[str, Any]:
    """What the `show_request` app saw, read from its document."""
    text = session.document.find(name="seen")["text"]
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.fixture
def read_seen() -> Callable[[ClientSession], dict[str, Any]]:
    return seen
