"""(5) the longest event-loop stall while the reaper destroys idle sessions;
(6) many idle connected sessions: memory, and keep-alive pings on time."""

from __future__ import annotations

import asyncio
import json
import time

from bench.load import percentile
from bench.measure_sessions import close_all, open_many
from bench.protocols import Dialect
from bench.servers import HOST, Server
from bench.wire import connect

PROBE_EVERY_S = 0.005


class Probe:
    """GETs a cheap route every 5 ms on one kept-alive connection, noting latency.

    For aioserve the route is /_aioserve/ready, whose answer also counts the
    live sessions, so we see the reaper's sweep begin and end.
    """

    def __init__(self, server: Server, path: str) -> None:
        self.server, self.path = server, path
        self.samples: list[tuple[float, float, int | None]] = []  # (at, latency, sessions)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.wire = await connect(HOST, self.server.port)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            t0 = time.monotonic()
            _, body = await self.wire.get(self.path, timeout=300)
            latency = time.monotonic() - t0
            sessions = json.loads(body).get("sessions") if body.startswith(b"{") else None
            self.samples.append((t0, latency, sessions))
            next_at = max(next_at + PROBE_EVERY_S, time.monotonic())
            await asyncio.sleep(next_at - time.monotonic())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, 300)
        self.wire.transport.close()  # type: ignore[union-attr]

    def window(self, start: float, end: float) -> list[tuple[float, float, int | None]]:
        return [s for s in self.samples if start <= s[0] <= end]


async def create_idle(server: Server, dialect: Dialect, n: int, concurrency: int) -> None:
    """Page requests only: each creates a session that never gets a websocket."""
    left = n

    async def worker() -> None:
        nonlocal left
        page = await connect(HOST, server.port)
        while left > 0:
            left -= 1
            await dialect.page(page, "dashboard")
        page.transport.close()  # type: ignore[union-attr]

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), 900)


async def reaper_stall(server: Server, dialect: Dialect, n: int, *, concurrency: int,
                       probe_path: str) -> dict[str, object]:
    """Create n idle sessions before the first sweep; probe until it has ended them."""
    period_s = server.opts.check_unused_ms / 1000
    started = time.monotonic()
    probe = Probe(server, probe_path)
    await probe.start()
    await asyncio.sleep(0.5)
    await create_idle(server, dialect, n, concurrency)
    created = time.monotonic()
    rss_full = server.rss_bytes()
    # The first sweep comes about one period after the server started.
    deadline = max(started + period_s, created) + server.opts.unused_lifetime_ms / 1000 + 4
    while time.monotonic() < deadline or (
            probe.samples and probe.samples[-1][2] not in (None, 0)
            and time.monotonic() < deadline + 60):
        await asyncio.sleep(0.2)
    await probe.stop()
    quiet = [lat for _, lat, _ in probe.window(started, created)]
    # A probe that was already waiting when creation ended counts too (bokeh serve may
    # freeze before the last page's answer reaches us).
    after = [s for s in probe.samples if s[0] + s[1] >= created]
    counts = [c for _, _, c in after if c is not None]
    first_drop = next((t for t, _, c in after if c is not None and c < n), None)
    gone = next((t for t, _, c in after if c == 0), None)
    if first_drop is not None and gone is not None:
        # aioserve reports its session count, so the sweep can be told apart from
        # other stalls (a full garbage collection of a big heap, say).
        # One second past the last session is still charged to the sweep, for
        # whatever it leaves behind (garbage to collect, hooks still running).
        sweep = [s for s in after if s[0] + s[1] >= first_drop - PROBE_EVERY_S
                 and s[0] <= gone + 1.0]
        other = [s for s in after if s not in sweep]
    else:  # Bokeh: no count to read; everything after creation is charged to the sweep
        sweep, other = after, []
    return {"sessions": n, "creation_s": round(created - started, 2),
            "sweep_period_s": period_s,
            "created_before_first_sweep": created - started < period_s,
            "max_stall_ms": round(max((lat for _, lat, _ in sweep), default=float("nan"))
                                  * 1000, 2),
            "max_stall_outside_sweep_ms": round(max((lat for _, lat, _ in other),
                                                    default=0) * 1000, 2),
            "probe_p50_ms": round(percentile([lat for _, lat, _ in after], 50) * 1000, 3),
            "max_during_creation_ms": round(max(quiet, default=0) * 1000, 2),
            "worst_after_creation": [(round(t - created, 2), round(lat * 1000, 1))
                                     for t, lat, _ in sorted(after, key=lambda s: -s[1])[:5]],
            "first_drop_after_creation_s": round(first_drop - created, 2) if first_drop else None,
            "sessions_left": counts[-1] if counts else None,
            "sweep_took_s": round(gone - first_drop, 3) if first_drop and gone else None,
            "rss_with_sessions_mb": round(rss_full / 2**20, 1),
            "rss_after_mb": round(server.rss_bytes() / 2**20, 1)}


async def idle_connected(server: Server, dialect: Dialect, n: int, *, concurrency: int,
                         observe_s: float, app: str = "hello") -> dict[str, object]:
    """n sessions connected and idle: RSS, and the gaps between keep-alive pings.

    Gaps are taken at the client, once all n are open ("steady": every idle
    connection should get a ping within keep-alive x 1.5), and separately while
    they were still being opened (the server busy building sessions).
    """
    keep_alive_s = server.opts.keep_alive_ms / 1000
    warm = await open_many(server, dialect, 10, concurrency=2, app=app)
    await close_all(warm)
    before = server.rss_bytes()
    t0 = time.monotonic()
    opened = await open_many(server, dialect, n, concurrency=concurrency, app=app,
                             track_pings=True)
    connected = time.monotonic()
    server_cpu, client_cpu = server.cpu_s(), time.process_time()
    await asyncio.sleep(observe_s)
    end = time.monotonic()
    server_busy = (server.cpu_s() - server_cpu) / (end - connected)
    client_busy = (time.process_time() - client_cpu) / (end - connected)
    rss = server.rss_bytes()
    steady, opening, late, dropped, pings = 0.0, 0.0, 0, 0, 0
    for session in opened:
        ws = session.ws
        if ws.closed is not None:
            dropped += 1
            continue
        times = [session.opened_at, *(ws.pings or [])]
        pings += len(times) - 1
        early = [t for t in times if t <= connected]
        opening = max(opening, *(b - a for a, b in zip(early, early[1:], strict=False)), 0.0)
        window = [early[-1], *(t for t in times if t > connected), end]
        gap = max(b - a for a, b in zip(window, window[1:], strict=False))
        steady = max(steady, gap)
        late += gap > 1.5 * keep_alive_s
    await close_all(opened)
    return {"app": app, "sessions": len(opened), "open_s": round(connected - t0, 2),
            "rss_before_mb": round(before / 2**20, 1), "rss_mb": round(rss / 2**20, 1),
            "per_session_kb": round((rss - before) / max(1, len(opened)) / 1024, 1),
            "keep_alive_ms": server.opts.keep_alive_ms, "pings": pings,
            "max_ping_gap_s": round(steady, 3), "max_gap_while_opening_s": round(opening, 3),
            "late_connections": late, "dropped": dropped,
            "server_core_busy_idle": round(server_busy, 2),
            "client_core_busy_idle": round(client_busy, 2)}
