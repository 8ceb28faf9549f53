"""Session churn against a real `aioserve serve` process: once the reaper has
ended every session, nothing of them is left (issue 9).

Before the fix, each ended session of examples/sliders.py stayed in memory
(~+260 MB per 10,000 sessions): its document, models and module namespace were
held in reference cycles that the tuned collector's full pass never reached.
The server's memory lines at DEBUG (`--mem-log-frequency`) count what is still
in memory, as `bokeh serve` does; this test reads them. The RSS curve over
100,000 sessions is in bench/RESULTS.md (`python -m bench.soak`).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

from aioserve.client import ClientSession

if TYPE_CHECKING:
    from conftest import CliServer, StartServer

SLIDERS = Path(__file__).resolve().parents[2] / "examples" / "sliders.py"
PAGES = 1000
FULL = 200
CONCURRENCY = 8

MEMORY_BLOCK = re.compile(
    r"uncollected Documents: (?P<documents>\d+)\n.*uncollected Sessions: (?P<sessions>\d+)\n"
    r".*uncollected Models: (?P<models>\d+)\n.*app modules: (?P<modules>\d+), objects tracked"
    r" by the gc: \d+, live sessions: 0$", re.MULTILINE)


async def pages(url: str, count: int) -> None:
    """Page loads alone: each builds a session that no websocket ever joins."""
    remaining = count
    async with aiohttp.ClientSession() as http:
        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=30)) as response:
                    assert response.status == 200
                    await response.read()

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def full_sessions(url: str, count: int) -> None:
    """Page, websocket, pull, one `set` of the slider and its effect, close."""
    remaining = count
    async with aiohttp.ClientSession() as http:
        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with ClientSession.open(url, http=http) as session:
                    slider = session.document.find(type="Slider")
                    await session.set(slider, "value", 2.5)
                    await session.wait_for(
                        lambda doc: doc.find(name="label").props["text"] == "frequency 2.5")

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def left_in_memory(server: CliServer, since: int) -> dict[str, int]:
    """The first memory report, after `since`, taken with no session alive."""
    (match,) = await server.await_for(MEMORY_BLOCK.pattern, since=since, within=30)
    return {name: int(value) for name, value in match.groupdict().items()}


async def test_nothing_of_reaped_sessions_stays_in_memory(cli_server: StartServer) -> None:
    server = cli_server(
        str(SLIDERS), "--log-level", "debug", "--mem-log-frequency", "500",
        "--unused-session-lifetime", "200", "--check-unused-sessions", "100",
        "--stats-log-frequency", "3600000")
    url = server.app_urls[0]
    await full_sessions(url, 20)  # warm-up: every code path has run once
    before = await left_in_memory(server, server.mark())
    assert before["documents"] == before["sessions"] == 0, before

    await pages(url, PAGES)
    await full_sessions(url, FULL)
    after = await left_in_memory(server, server.mark())

    # The old code kept about one document (and 7 models) per page load here.
    assert after["documents"] == 0, after
    assert after["sessions"] == 0, after
    assert after["models"] == 0, after
    assert after["modules"] == 0, after
