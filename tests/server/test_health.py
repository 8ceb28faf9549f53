"""Liveness, readiness, the per-app check, and draining on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.client import ClientSession
from aioserve.document import Document
from aioserve.models import Div
from aioserve.server.keys import STATE
from aioserve.server.lifecycle import drain

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]


def hello(doc: Document) -> None:
    doc.add_root(Div(text="hello", name="out"))


def broken(doc: Document) -> None:
    raise ValueError("cannot build")


async def test_liveness_and_readiness(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/hello": hello}))
    live = await client.get("/_aioserve/health")
    assert live.status == 200 and await live.json() == {"status": "ok"}
    ready = await client.get("/_aioserve/ready")
    assert ready.status == 200 and (await ready.json())["status"] == "ready"
    client.app[STATE].draining = True
    ready = await client.get("/_aioserve/ready")
    assert ready.status == 503 and (await ready.json())["status"] == "draining"
    assert (await client.get("/_aioserve/health")).status == 200  # alive while draining


async def test_the_app_check_builds_and_discards_a_document(
        aiohttp_client: AiohttpClient) -> None:
    ended: list[str] = []

    def tracked(doc: Document) -> None:
        hello(doc)
        doc.on_session_destroyed(lambda ctx: ended.append(ctx.id))

    client = await aiohttp_client(create_app({"/hello": tracked, "/broken": broken}))
    response = await client.get("/_aioserve/health", params={"app": "/hello"})
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok" and body["app"] == "/hello" and body["build_ms"] >= 0
    assert len(ended) == 1 and ended[0].startswith("health-")  # destroyed, hooks ran
    assert len(client.app[STATE].apps["/hello"].registry) == 0  # never a visible session

    response = await client.get("/_aioserve/health", params={"app": "broken"})
    assert response.status == 503
    body = await response.json()
    assert body == {"status": "failing", "app": "/broken", "error_id": body["error_id"]}
    assert re.fullmatch(r"[0-9a-f]{8}", body["error_id"])  # the message stays in the log
    response = await client.get("/_aioserve/health", params={"app": "/nope"})
    assert response.status == 404


async def test_drain_refuses_new_work_and_ends_sessions_with_hooks(
        aiohttp_client: AiohttpClient) -> None:
    ended: list[str] = []

    def tracked(doc: Document) -> None:
        hello(doc)
        doc.on_session_destroyed(lambda ctx: ended.append(ctx.id))

    client = await aiohttp_client(create_app({"/hello": tracked}))
    session = await ClientSession.open(str(client.make_url("/hello")))
    try:
        await drain(client.app[STATE])

        async def closed() -> bool:
            return session.closed is not None

        deadline = time.monotonic() + 5
        while not await closed():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        assert session.closed is not None and session.closed.code == 1001
        assert ended == [session.id]
        assert (await client.get("/hello")).status == 503
        assert (await client.get("/_aioserve/ready")).status == 503
        # A websocket is refused before it upgrades.
        ws = await client.get("/hello/ws", headers={
            "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        assert ws.status == 503
    finally:
        await session.close()


HOOKS = """\
import asyncio, os

MARKS = os.environ["MARKS"]

def mark(text):
    with open(MARKS, "a") as f:
        f.write(text + "\\n")

async def on_session_destroyed(session_context):
    mark("destroy started " + session_context.id)
    await asyncio.sleep(1.5)  # a slow hook: the server drains meanwhile
    mark("destroyed " + session_context.id)

def on_server_unloaded(server_context):
    mark("unloaded")
"""


def test_sigterm_drains(cli_server: Callable[..., Any], server_environ: Callable[..., Any],
                        tmp_path: Path) -> None:
    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "main.py").write_text("from aioserve import curdoc\nfrom aioserve.models import "
                                    "Div\ncurdoc().add_root(Div(text='hi', name='out'))\n")
    (folder / "app_hooks.py").write_text(HOOKS)
    marks = tmp_path / "marks.txt"
    server = cli_server(str(folder), env=server_environ(MARKS=str(marks)))
    base = server.base_url
    observed: dict[str, Any] = {}

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            session = await ClientSession.open(f"{base}/slow", http=http)
            assert (await http.get(f"{base}/_aioserve/ready")).status == 200
            os.kill(server.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while session.closed is None:
                assert time.monotonic() < deadline, "the websocket was not closed"
                await asyncio.sleep(0.02)
            observed["close_code"] = session.closed.code
            # The slow destroy hook is running: the server still listens and says no.
            async with http.get(f"{base}/_aioserve/ready") as ready:
                observed["ready"] = ready.status
            async with http.get(f"{base}/slow") as page:
                observed["page"] = page.status
            observed["session"] = session.id
            await session.close()

    asyncio.run(scenario())
    assert server.proc.wait(15) == 0, server.output()
    assert observed["close_code"] == 1001
    assert observed["ready"] == 503
    assert observed["page"] == 503
    lines = marks.read_text().splitlines()
    assert lines == [f"destroy started {observed['session']}",
                     f"destroyed {observed['session']}", "unloaded"]
    assert "Draining: closing 1 websockets, ending 1 sessions" in server.output()


COUNTED_HOOKS = """\
import asyncio, os

MARKS = os.environ["MARKS"]

def mark(text):
    with open(MARKS, "a") as f:
        f.write(text + "\\n")

async def on_session_destroyed(session_context):
    await asyncio.sleep(0.2)
    mark("destroyed " + session_context.id)

def on_server_unloaded(server_context):
    mark("unloaded")
"""


def counted_app(tmp_path: Path) -> Path:
    folder = tmp_path / "counted"
    folder.mkdir()
    (folder / "main.py").write_text("from aioserve import curdoc\nfrom aioserve.models import "
                                    "Div\ncurdoc().add_root(Div(text='hi', name='out'))\n")
    (folder / "app_hooks.py").write_text(COUNTED_HOOKS)
    return folder


def test_sigterm_ends_each_session_once(cli_server: Callable[..., Any],
                                        server_environ: Callable[..., Any],
                                        tmp_path: Path) -> None:
    """`serve` drains while listening, aiohttp's on_shutdown and cleanup come after:
    still one drain, each session's destroy hook once, then on_server_unloaded."""
    marks = tmp_path / "marks.txt"
    server = cli_server(str(counted_app(tmp_path)), env=server_environ(MARKS=str(marks)))
    ids: list[str] = []

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            opened = [await ClientSession.open(f"{server.base_url}/counted", http=http)
                      for _ in range(3)]
            ids.extend(s.id for s in opened)
            os.kill(server.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while any(s.closed is None for s in opened):
                assert time.monotonic() < deadline, "the websockets were not closed"
                await asyncio.sleep(0.02)
            for session in opened:
                await session.close()

    asyncio.run(scenario())
    assert server.proc.wait(15) == 0, server.output()
    lines = marks.read_text().splitlines()
    assert sorted(lines[:-1]) == sorted(f"destroyed {i}" for i in ids)
    assert lines[-1] == "unloaded"
    assert server.output().count("Draining: closing 3 websockets, ending 3 sessions") == 1


async def test_drain_runs_once_and_every_caller_waits_for_it(
        tmp_path: Path, monkeypatch: Any) -> None:
    """As `web.run_app` or gunicorn host it (on_shutdown, then cleanup), with a second
    drain asked for meanwhile: each caller returns once every session has ended, and
    each session's destroy hook ran once."""
    marks = tmp_path / "marks.txt"
    monkeypatch.setenv("MARKS", str(marks))
    app = create_app(str(counted_app(tmp_path)))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = next(a[1] for a in runner.addresses if isinstance(a, tuple))
    async with aiohttp.ClientSession() as http:
        opened = [await ClientSession.open(f"http://127.0.0.1:{port}/counted", http=http)
                  for _ in range(3)]
        state = app[STATE]
        assert len(state.connections) == 3
        seen_on_return: list[int] = []

        async def drained_then_count() -> None:
            await drain(state)
            seen_on_return.append(sum(1 for line in marks.read_text().splitlines()
                                      if line.startswith("destroyed ")))

        await asyncio.gather(runner.cleanup(), drained_then_count(), drained_then_count())
        for session in opened:
            assert session.closed is not None and session.closed.code == 1001
            await session.close()
    lines = marks.read_text().splitlines()
    assert sorted(lines[:-1]) == sorted(f"destroyed {s.id}" for s in opened)
    assert lines[-1] == "unloaded"
    assert seen_on_return == [3, 3]  # neither returned before every hook had run
    assert state.connections == set() and state.session_count() == 0


async def test_a_session_still_building_when_the_drain_starts_is_ended_by_it(
        aiohttp_client: AiohttpClient) -> None:
    ended: list[str] = []

    async def slow(doc: Document) -> None:
        await asyncio.sleep(0.3)  # the drain starts meanwhile
        doc.on_session_destroyed(lambda ctx: ended.append(ctx.id))
        doc.add_root(Div(text="built"))

    client = await aiohttp_client(create_app({"/slow": slow}))
    state = client.app[STATE]
    page = asyncio.ensure_future(client.get("/slow?aioserve-session-id=late"))
    deadline = time.monotonic() + 5
    while not state.apps["/slow"].registry._creating:
        assert time.monotonic() < deadline, "the page never started building"
        await asyncio.sleep(0.01)
    await drain(state)
    assert state.session_count() == 0
    assert ended == ["late"]
    (await page).release()
