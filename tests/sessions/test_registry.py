"""Creating sessions once, however many requests ask at the same moment."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.document import Document
from aioserve.models import Div
from aioserve.sessions.registry import SessionRegistry

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]


async def ready_sessions(c: TestClientT) -> int:
    count: int = (await (await c.get("/_aioserve/ready")).json())["sessions"]
    return count


async def test_concurrent_pages_for_one_id_run_the_app_once(
        aiohttp_client: AiohttpClient) -> None:
    runs: list[str] = []

    async def slow(doc: Document) -> None:
        assert doc.session_context is not None
        runs.append(doc.session_context.id)
        await asyncio.sleep(0.05)  # every other request arrives while this one builds
        doc.add_root(Div(text="built"))

    c = await aiohttp_client(create_app({"/slow": slow}))
    responses = await asyncio.gather(
        *(c.get("/slow?aioserve-session-id=same") for _ in range(20)))
    assert [r.status for r in responses] == [200] * 20
    assert runs == ["same"]
    assert await ready_sessions(c) == 1


async def test_a_failed_creation_reaches_every_waiter_and_leaves_nothing(
        aiohttp_client: AiohttpClient) -> None:
    runs: list[str] = []

    async def broken(doc: Document) -> None:
        runs.append("run")
        await asyncio.sleep(0.05)
        raise RuntimeError("cannot build")

    c = await aiohttp_client(create_app({"/broken": broken}))
    responses = await asyncio.gather(
        *(c.get("/broken?aioserve-session-id=same") for _ in range(10)))
    assert [r.status for r in responses] == [500] * 10
    texts = [await r.text() for r in responses]
    assert all("cannot build" not in text for text in texts)  # private by default
    # One build, one error: every waiter shows the same error id.
    assert len({re.search(r"Error id <code>(\w+)</code>", text)[1] for text in texts}) == 1  # type: ignore[index]
    assert runs == ["run"]
    assert await ready_sessions(c) == 0
    # Nothing was cached: the next request tries again.
    assert (await c.get("/broken?aioserve-session-id=same")).status == 500
    assert runs == ["run", "run"]


class FakeSession:
    def __init__(self, session_id: str) -> None:
        self.id = session_id
        self.destroyed = False

    async def destroy(self) -> None:
        self.destroyed = True


async def test_registry_get_or_create_directly() -> None:
    registry = SessionRegistry("/app")
    calls: list[int] = []

    async def create() -> Any:
        calls.append(1)
        await asyncio.sleep(0.01)
        return FakeSession("a")

    first, second = await asyncio.gather(registry.get_or_create("a", create),
                                         registry.get_or_create("a", create))
    assert first is second and calls == [1]
    assert registry.get("a") is first and len(registry) == 1

    async def fail() -> Any:
        raise ValueError("nope")

    with pytest.raises(ValueError, match="nope"):
        await registry.get_or_create("b", fail)
    assert registry.get("b") is None and len(registry) == 1
