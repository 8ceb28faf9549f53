"""The pytest plugin (entry point `pytest11: aioserve`): session fixtures.

    async def test_reset(aioserve_session):
        s = await aioserve_session("examples/sliders.py")
        await s.click(s.find(label="Reset"))
        await s.settled()

Both fixtures are factories; whatever they open is closed after the test.
They are async fixtures: pytest-asyncio (or pytest-aiohttp) runs them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from aioserve.testing import AppServer, AppSession

_F = TypeVar("_F", bound=Callable[..., Any])
_mark: Any
try:  # marked for pytest-asyncio, so the fixtures work in its strict mode too
    from pytest_asyncio import fixture as _mark
except ImportError:  # pragma: no cover - without pytest-asyncio, async fixtures cannot run
    _mark = pytest.fixture


def _async_fixture(func: _F) -> _F:
    return cast(_F, _mark(func))


@_async_fixture
async def aioserve_session() -> AsyncIterator[Callable[..., Awaitable[AppSession]]]:
    """`await aioserve_session(app, **kwargs)`: `aioserve.testing.open_session`'s arguments."""
    from aioserve.testing import open_session

    opened: list[AppSession] = []

    async def open_one(app: Any = None, **kwargs: Any) -> AppSession:
        session = await open_session(app, **kwargs)
        opened.append(session)
        return session

    yield open_one
    for session in reversed(opened):
        await session.close()


@_async_fixture
async def aioserve_server() -> AsyncIterator[Callable[..., Awaitable[AppServer]]]:
    """`await aioserve_server(apps, **options)`: a running server; open several
    sessions of it (e.g. two tabs sharing a named session) with `open_session`."""
    from aioserve.testing import start_server

    started: list[AppServer] = []

    async def start(apps: Any = None, config: Any = None, **options: Any) -> AppServer:
        server = await start_server(apps, config, **options)
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        await server.close()
