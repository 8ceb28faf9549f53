"""`--num-procs`: one bound socket, several worker processes, supervised by the parent."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import psutil
import pytest

from aioserve.client import ClientSession

if TYPE_CHECKING:
    from conftest import CliServer, StartServer

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="--num-procs needs fork")

# Each run of the app code appends "<pid> <session id>" to runs.txt next to it.
COUNTING_APP = """\
import os
from pathlib import Path
from aioserve import curdoc
from aioserve.models import Div

doc = curdoc()
with open(Path(__file__).with_name("runs.txt"), "a") as runs:
    runs.write(f"{os.getpid()} {doc.session_context.id}\\n")
doc.add_root(Div(text=str(os.getpid()), name="pid"))
"""
LOG_FORMAT = "%(process)d %(message)s"


@pytest.fixture
def counting_app(tmp_path: Path) -> Path:
    path = tmp_path / "count.py"
    path.write_text(COUNTING_APP)
    return path


def workers(server: CliServer, count: int = 2, timeout: float = 15) -> set[int]:
    """The pids of the server's worker processes, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        children = {c.pid for c in psutil.Process(server.pid).children()
                    if c.status() != psutil.STATUS_ZOMBIE}
        if len(children) == count or time.monotonic() > deadline:
            server.children |= children
            assert len(children) == count, children
            return children
        time.sleep(0.05)


async def open_sessions(url: str, count: int) -> list[str]:
    """Open `count` sessions at once, each on its own TCP connection; return their ids."""
    async def one() -> str:
        async with await ClientSession.open(url) as session:
            return session.id

    return list(await asyncio.gather(*(one() for _ in range(count))))


def runs(app: Path) -> list[tuple[int, str]]:
    path = app.with_name("runs.txt")
    lines = path.read_text().splitlines() if path.exists() else []
    return [(int(pid), session) for pid, session in (line.split() for line in lines)]


async def test_workers_share_the_load_and_run_app_code_once_per_session(
        cli_server: StartServer, counting_app: Path) -> None:
    server = cli_server("--num-procs", "2", "--log-format", LOG_FORMAT,
                        "--mem-log-frequency", "100", str(counting_app))
    pids = workers(server)
    # Each worker writes its own memory line, naming itself.
    memory = r"^(\d+) \[pid \1\] Memory usage: "
    deadline = time.monotonic() + 10
    while {int(m.group(1)) for m in server.find(memory)} != pids:
        assert time.monotonic() < deadline, server.output()
        await asyncio.sleep(0.05)
    url = server.app_urls[0]
    assert re.fullmatch(rf"{server.pid} aioserve app running at: http://127\.0\.0\.1:\d+/count",
                        server.output().splitlines()[0])
    opened: list[str] = []
    for _ in range(10):  # the kernel picks the worker for each connection: try a few rounds
        opened += await open_sessions(url, 12)
        served_pages = {int(m.group(1)) for m in server.find(r"^(\d+) 200 GET /count ")}
        ran_app = {pid for pid, _ in runs(counting_app)}
        if served_pages == pids and ran_app == pids:
            break
    assert served_pages == pids, "every worker serves pages, each logging its own pid"
    assert ran_app == pids, "every worker builds sessions"
    # App code ran exactly once per session, whichever worker served its page.
    ran = [session for _, session in runs(counting_app)]
    assert sorted(ran) == sorted(opened)
    assert len(set(opened)) == len(opened)


async def test_a_killed_worker_is_replaced(cli_server: StartServer, counting_app: Path) -> None:
    server = cli_server("--num-procs", "2", str(counting_app))
    before = workers(server)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    await server.await_for(rf"worker {victim} exited \(status \d+\); starting another")
    after = workers(server)
    assert victim not in after and len(after - before) == 1
    async with aiohttp.ClientSession() as http:
        for _ in range(6):
            async with http.get(server.app_urls[0],
                                headers={"Connection": "close"}) as response:
                assert response.status == 200


async def test_sigterm_stops_every_worker(cli_server: StartServer, counting_app: Path) -> None:
    server = cli_server("--num-procs", "2", str(counting_app))
    pids = workers(server)
    assert await server.astop(signal.SIGTERM) == 0
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


async def test_show_opens_each_app(cli_server: StartServer, counting_app: Path,
                                   tmp_path: Path, server_environ: Callable[..., dict[str, str]],
                                   ) -> None:
    other = tmp_path / "other.py"
    other.write_text(COUNTING_APP)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    server = cli_server("--num-procs", "2", "--show", str(counting_app), str(other), apps=2,
                        env=server_environ(BROWSER=f"{browser} %s"))
    deadline = time.monotonic() + 10
    while len(opened.read_text().split() if opened.exists() else []) < 2:
        assert time.monotonic() < deadline, "the browser was not asked to open both apps"
        await asyncio.sleep(0.05)
    assert opened.read_text().split() == server.app_urls
