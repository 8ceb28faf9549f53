"""What runs beside the requests: server hooks, the reaper, and the drain on shutdown."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import Config, create_app, serve
from aioserve.client import ClientSession, SessionClosed

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]

MAIN = """\
from pathlib import Path
from aioserve import curdoc
from aioserve.models import Div

doc = curdoc()
here = Path(__file__).parent
session_id = doc.session_context.id

def tick():
    with open(here / f"ticks-{session_id}.txt", "a") as ticks:
        ticks.write("t\\n")

def destroyed(ctx):
    with open(here / "events.txt", "a") as events:
        events.write(f"doc destroyed {ctx.id}\\n")

doc.add_periodic_callback(tick, 20)
doc.on_session_destroyed(destroyed)
doc.add_root(Div(text=__name__, name="module"))
"""
HOOKS = """\
from pathlib import Path
here = Path(__file__).parent

def log(line):
    with open(here / "events.txt", "a") as events:
        events.write(line + "\\n")

async def on_server_loaded(server_context):
    log("server loaded")

def on_server_unloaded(server_context):
    log("server unloaded")

def on_session_created(session_context):
    log(f"session created {session_context.id}")

async def on_session_destroyed(session_context):
    log(f"app destroyed {session_context.id}")
"""


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "lived"
    folder.mkdir()
    (folder / "main.py").write_text(MAIN)
    (folder / "app_hooks.py").write_text(HOOKS)
    return folder


def events(folder: Path) -> list[str]:
    path = folder / "events.txt"
    return path.read_text().splitlines() if path.exists() else []


def ticks(folder: Path, session_id: str) -> int:
    path = folder / f"ticks-{session_id}.txt"
    return len(path.read_text().splitlines()) if path.exists() else 0


async def sessions(c: TestClientT) -> int:
    count: int = (await (await c.get("/_aioserve/ready")).json())["sessions"]
    return count


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_reaper_destroys_unused_sessions(aiohttp_client: AiohttpClient,
                                               app_dir: Path) -> None:
    c = await aiohttp_client(create_app(str(app_dir), check_unused_sessions_ms=30,
                                        unused_session_lifetime_ms=150))
    assert events(app_dir) == ["server loaded"]
    session = await ClientSession.open(str(c.make_url("/lived")), http=c.session)
    module = session.document.find(name="module")["text"]
    assert module in sys.modules
    await asyncio.sleep(0.4)  # connected: well past the lifetime, still alive
    assert await sessions(c) == 1
    assert ticks(app_dir, session.id) > 2
    await session.close()

    async def gone() -> bool:
        return await sessions(c) == 0

    await eventually(gone)
    assert events(app_dir) == ["server loaded", f"session created {session.id}",
                               f"doc destroyed {session.id}", f"app destroyed {session.id}"]
    assert module not in sys.modules
    stopped_at = ticks(app_dir, session.id)
    await asyncio.sleep(0.15)
    assert ticks(app_dir, session.id) == stopped_at  # its periodic callback was cancelled


async def test_a_session_whose_websocket_never_comes_is_reaped(
        aiohttp_client: AiohttpClient, app_dir: Path) -> None:
    c = await aiohttp_client(create_app(str(app_dir), check_unused_sessions_ms=30,
                                        unused_session_lifetime_ms=100))
    assert (await c.get("/lived")).status == 200
    assert await sessions(c) == 1

    async def gone() -> bool:
        return await sessions(c) == 0

    await eventually(gone)
    assert [e.split()[0] for e in events(app_dir)] == ["server", "session", "doc", "app"]


async def test_shutdown_closes_with_1001_then_destroys_sessions_then_unloads(
        app_dir: Path) -> None:
    stop = asyncio.Event()
    ready: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve(str(app_dir), Config(address="127.0.0.1", port=0),
                                       shutdown_trigger=stop.wait, on_ready=ready.set_result))
    try:
        (url,) = await asyncio.wait_for(ready, 10)
        session = await ClientSession.open(url)
        stop.set()
        with pytest.raises(SessionClosed) as closed:
            await session.wait_for(lambda doc: False, timeout=5)
        assert closed.value.code == 1001
        await session.close()
        await asyncio.wait_for(server, 10)
    finally:
        stop.set()
        await asyncio.wait_for(server, 10)
    assert events(app_dir) == ["server loaded", f"session created {session.id}",
                               f"doc destroyed {session.id}", f"app destroyed {session.id}",
                               "server unloaded"]
