"""Real-browser fixtures: Debian's Chromium driven by the async playwright API.

Not pytest-playwright: its sync API breaks every async test that runs after it.

One Chromium serves the whole run (launching one costs a second or more); each test
gets a fresh browser context, so no cookie, storage or route leaks between tests.
That needs one event loop for the whole folder: every test module here starts with
`pytestmark = SESSION_LOOP` (checked below), and servers are started with aiohttp's
`TestServer` in that loop rather than with pytest-aiohttp's function-loop fixtures.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright

from aioserve import Config, create_app
from aioserve.server.keys import STATE, ServerState
from aioserve.server.served_app import ServedApp
from aioserve.sessions.session import ServerSession

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Without this Chromium looks up outside hosts at start; tests only talk to loopback.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
# Fail a stuck wait well before pytest-timeout (120 s) kills the whole test.
DEFAULT_TIMEOUT_MS = 15_000
CONNECTED = "#aioserve-status[data-state=connected]"
# Every test module of this folder: `pytestmark = SESSION_LOOP`.
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item, not just this folder's.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            marker = item.get_closest_marker("asyncio")
            # pytest-asyncio reads the loop scope while collecting, so this hook is too late
            # to set it; it can only insist.
            if marker is None or marker.kwargs.get("loop_scope") != "session":
                raise pytest.UsageError(f"{item.nodeid}: browser test modules need "
                                        "`pytestmark = SESSION_LOOP` (see conftest.py)")


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: run `make browser` (apt-get install -y chromium)"
    if os.environ.get("AIOSERVE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"AIOSERVE_REQUIRE_BROWSER=1 but {message}", pytrace=False)
    pytest.skip(message)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    _require_chromium()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield await context.new_page()
    finally:
        await context.close()


# ---- serving aioserve apps in-process -------------------------------------------------


@dataclass
class LiveServer:
    """An aioserve server on 127.0.0.1 (port 0) in the tests' event loop."""

    app: web.Application
    server: TestServer

    @property
    def state(self) -> ServerState:
        return self.app[STATE]

    def url(self, path: str = "/", **query: str) -> str:
        return str(self.server.make_url(path).with_query(query or None))

    def served(self, path: str) -> ServedApp:
        return self.state.apps[path]

    def sessions(self, path: str) -> list[ServerSession]:
        return self.served(path).registry.sessions

    def session(self, path: str) -> ServerSession:
        """The one session of the app at `path`."""
        sessions = self.sessions(path)
        assert len(sessions) == 1, f"expected one session of {path}, found {len(sessions)}"
        return sessions[0]

    async def open(self, page: Page, path: str = "/", **query: str) -> None:
        """Load the app's page and wait until its document is shown and live."""
        await page.goto(self.url(path, **query))
        await page.wait_for_selector(CONNECTED)

    async def drop_connections(self, path: str, code: int = 1001) -> None:
        """Close every websocket of the app's sessions from the server side."""
        sessions = self.sessions(path)
        for session in sessions:
            await asyncio.gather(*(c.close(code, "dropped by the test")
                                   for c in list(session.connections)))
        # The handler unsubscribes the connection once its read loop has ended.
        await wait_until(lambda: not any(s.connections for s in sessions))


@dataclass
class Servers:
    """Starts servers for one test and stops them all after it."""

    running: list[TestServer]

    async def web(self, app: web.Application) -> TestServer:
        """Any aiohttp application, on 127.0.0.1 and a free port."""
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()
        self.running.append(server)
        return server

    async def __call__(self, apps: Any, **options: Any) -> LiveServer:
        """`server = await live({"/app": make_doc}, unused_session_lifetime_ms=500)`"""
        options = {"port": 0, "address": "127.0.0.1", **options}
        app = create_app(apps, Config(**options))
        return LiveServer(app, await self.web(app))


@pytest_asyncio.fixture(loop_scope="session")
async def live() -> AsyncIterator[Servers]:
    servers = Servers([])
    try:
        yield servers
    finally:
        for server in reversed(servers.running):
            await server.close()


async def wait_until(predicate: Callable[[], object], timeout_s: float = 5.0) -> None:
    """Poll a Python-side condition (a callback ran, a session was reaped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(0.02)


@pytest.fixture
def until() -> Callable[..., Awaitable[None]]:
    return wait_until


Screenshot = Callable[..., Awaitable[Path]]


@pytest.fixture
def screenshot(artifacts_dir: Path) -> Screenshot:
    """`await screenshot(page, "name")` writes test-artifacts/name.png, animations settled."""

    async def take(page: Page, name: str, *, full_page: bool = False) -> Path:
        path = artifacts_dir / f"{name}.png"
        if full_page:  # fixed elements (the status badge) are drawn where the page scrolled
            await page.evaluate("window.scrollTo(0, 0)")
        await page.screenshot(path=path, full_page=full_page, animations="disabled")
        return path

    return take
