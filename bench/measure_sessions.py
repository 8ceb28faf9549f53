"""(2) full sessions per second, (3) memory per connected session,
(7) `--num-procs 2` against 1."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from bench.load import LoadResult, closed_loop
from bench.protocols import Dialect, Opened
from bench.servers import HOST, Server
from bench.sizes import Sizes
from bench.wire import Wire, connect


async def full_sessions(server: Server, dialect: Dialect, *, concurrency: int, count: int,
                        seconds: float, app: str = "dashboard") -> LoadResult:
    """Closed loop of full sessions (page, websocket, document, close)."""
    pages: list[Wire] = []

    async def make_worker():  # type: ignore[no-untyped-def]
        page = await connect(HOST, server.port)
        pages.append(page)

        async def op(i: int):  # type: ignore[no-untyped-def]
            opened = await dialect.open(page, app)
            return opened.ws.close

        return op

    try:
        return await closed_loop(make_worker, concurrency=concurrency, count=count,
                                 seconds=seconds)
    finally:
        for page in pages:
            if page.transport is not None:
                page.transport.close()


async def session_rate(server: Server, dialect: Dialect, sizes: Sizes) -> dict[str, object]:
    await full_sessions(server, dialect, concurrency=sizes.concurrency, count=40, seconds=30)
    cpu0 = server.cpu_s()
    result = await full_sessions(server, dialect, concurrency=sizes.concurrency,
                                 count=sizes.sessions, seconds=sizes.sessions_seconds)
    cpu = server.cpu_s() - cpu0
    return {**result.summary(), "server_cpu_s": round(cpu, 3),
            "server_cpu_per_session_ms": round(cpu / max(1, result.done) * 1000, 3),
            "server_core_busy": round(cpu / result.wall_s, 2)}


async def open_many(server: Server, dialect: Dialect, n: int, *, concurrency: int,
                    app: str = "dashboard", keep_doc: bool = False,
                    track_pings: bool = False) -> list[Opened]:
    """Open `n` sessions and keep their websockets open."""
    opened: list[Opened] = []
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        page = await connect(HOST, server.port)
        try:
            while next_index < n:
                next_index += 1
                session = await dialect.open(page, app)
                if track_pings:
                    session.ws.pings = []
                if not keep_doc:
                    session.doc = ""
                opened.append(session)
        finally:
            if page.transport is not None:
                page.transport.close()

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), 600)
    return opened


async def close_all(opened: list[Opened]) -> None:
    for session in opened:
        if session.ws.transport is not None:
            session.ws.transport.close()
    await asyncio.sleep(0.5)


async def memory_per_session(server: Server, dialect: Dialect, sizes: Sizes) -> dict[str, object]:
    warm = await open_many(server, dialect, 10, concurrency=2)
    await close_all(warm)
    await asyncio.sleep(1.0)
    before = server.rss_bytes()
    opened = await open_many(server, dialect, sizes.memory_sessions, concurrency=sizes.concurrency)
    await asyncio.sleep(1.0)
    after = server.rss_bytes()
    await close_all(opened)
    n = len(opened)
    return {"sessions": n, "rss_before_mb": round(before / 2**20, 1),
            "rss_after_mb": round(after / 2**20, 1),
            "per_session_kb": round((after - before) / n / 1024, 1)}


async def procs(server: Server, dialect: Dialect, sizes: Sizes, run_log: Path) -> dict[str, object]:
    """Sessions/s; which worker ran each session's app code, and how often."""
    result = await full_sessions(server, dialect, concurrency=sizes.concurrency,
                                 count=sizes.procs_sessions, seconds=sizes.procs_seconds,
                                 app="hello")
    await asyncio.sleep(0.5)
    lines = run_log.read_text().split() if run_log.exists() else []
    pids, ids = lines[0::2], lines[1::2]
    per_pid = Counter(pids)
    total = sum(per_pid.values())
    attempted = result.done + result.errors
    return {**result.summary(), "app_runs": total, "unique_sessions": len(set(ids)),
            "sessions_opened": attempted,
            "ran_once_per_session": total == len(set(ids)) == result.done,
            "share_per_worker": sorted((round(c / total, 3) for c in per_pid.values()),
                                       reverse=True) if total else []}
