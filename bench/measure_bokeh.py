"""The bokeh engine: the same Bokeh apps on `aioserve serve` and on `bokeh serve`.

`python -m bench --only bokeh` runs just this group; `make bench` runs it with
the rest. Servers (bench/servers.py):

- `aioserve-bokeh`: `aioserve serve bench/apps/bokeh/*.py --engine bokeh`;
- `bokeh`: `bokeh serve` 3.9.2 with TCP_NODELAY on its websockets
  (bench/bokeh_serve.py), the fair comparison;
- `bokeh-stock`: `bokeh serve` untouched, for the round trip only (what a
  Bokeh user gets today).

Measures, all with the Bokeh protocol (bench/protocols.py, dialect `Bokeh`):

- (B1) the longest request wait while the reaper ends N idle sessions;
- (B2) the slider round trip on the dashboard;
- (B3) memory after sessions end: three rounds of N connected sessions, each
  closed and reaped; RSS before, with the sessions, after each round;
- (B4) full dashboard sessions/s and server CPU per session.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import measure_events, measure_idle, measure_sessions
from bench.measure_sessions import close_all, open_many
from bench.protocols import Dialect
from bench.servers import HOST, Server, ServerOptions
from bench.sizes import Sizes
from bench.wire import connect

ROUNDS = (1, 2, 3)
MEASURES = ("bokeh_sessions", "bokeh_round_trip", "bokeh_reaper", "bokeh_memory")
ENGINE, BOKEH, STOCK = "aioserve-bokeh", "bokeh", "bokeh-stock"

Measure = Callable[[str, Path, ServerOptions | None, Any], Awaitable[dict[str, Any]]]


async def session_count(server: Server) -> int | None:
    """Live sessions, from aioserve's readiness route; None for bokeh serve (no such route)."""
    if server.kind != ENGINE:
        return None
    wire = await connect(HOST, server.port)
    try:
        status, body = await wire.get("/_aioserve/ready", timeout=60)
    finally:
        wire.transport.close()  # type: ignore[union-attr]
    return int(json.loads(body)["sessions"]) if status == 200 else None


async def settle(server: Server, *, at_least_s: float, at_most_s: float) -> float:
    """Wait until the sessions are gone: aioserve says so; for bokeh serve, its CPU goes quiet.

    Returns how long it took. bokeh serve has no session count to read, so the
    end of its reaping is when its process has used under 2 % of a core for
    two seconds running (its reaper is busy the whole time it ends sessions).
    """
    t0 = time.monotonic()
    await asyncio.sleep(at_least_s)
    quiet = 0
    while time.monotonic() - t0 < at_most_s:
        count = await session_count(server)
        if count == 0:
            return time.monotonic() - t0
        cpu0 = server.cpu_s()
        await asyncio.sleep(1.0)
        if count is None:
            quiet = quiet + 1 if server.cpu_s() - cpu0 < 0.02 else 0
            if quiet >= 2:
                return time.monotonic() - t0 - 2
    return float("nan")


async def memory_return(server: Server, dialect: Dialect, n: int, *,
                        concurrency: int) -> dict[str, object]:
    """RSS before, with n connected dashboard sessions, and after they were reaped; three
    rounds. CPython rarely gives freed memory back to the OS, so "memory returns" is
    read as: a later round reuses it (RSS after round 3 ≈ after round 2)."""
    period_s = server.opts.check_unused_ms / 1000
    lifetime_s = server.opts.unused_lifetime_ms / 1000
    wait_min = period_s + lifetime_s
    warm = await open_many(server, dialect, 20, concurrency=2)
    await close_all(warm)
    await settle(server, at_least_s=wait_min, at_most_s=300)
    out: dict[str, object] = {"sessions": n, "rss_before_mb": round(server.rss_bytes() / 2**20, 1)}
    for rnd in ROUNDS:
        opened = await open_many(server, dialect, n, concurrency=concurrency)
        await asyncio.sleep(1.0)
        out[f"rss_with_sessions_{rnd}_mb"] = round(server.rss_bytes() / 2**20, 1)
        await close_all(opened)
        took = await settle(server, at_least_s=wait_min, at_most_s=300)
        await asyncio.sleep(1.0)
        out[f"rss_after_{rnd}_mb"] = round(server.rss_bytes() / 2**20, 1)
        out[f"reaped_in_{rnd}_s"] = round(took, 1)
    before, peak, after = (float(out[k]) for k in  # type: ignore[arg-type]
                           ("rss_before_mb", "rss_with_sessions_1_mb", "rss_after_1_mb"))
    out["returned_share"] = round((peak - after) / (peak - before), 2) if peak > before else None
    out["growth_per_round_mb"] = round(float(out["rss_after_3_mb"])  # type: ignore[arg-type]
                                       - float(out["rss_after_2_mb"]), 1)  # type: ignore[arg-type]
    return out


def sweep_ms(n: int, rate: float) -> int:
    """A sweep period long enough that all n sessions exist before the first sweep."""
    return int((n / rate * 1.5 + 5) * 1000)


FALLBACK_RATE = {ENGINE: 60.0, BOKEH: 10.0}


async def run(measure: Measure, kinds: tuple[str, ...], only: set[str], sizes: Sizes,
              scratch: Path, measures: dict[str, Any]) -> None:
    """Run the group's measures that `only` names, on the kinds that `kinds` names."""
    group: dict[str, Any] = measures.setdefault("bokeh_engine", {})

    async def each(name: str, here: tuple[str, ...], body: Any,
                   opts: ServerOptions | None = None) -> None:
        if name not in only:
            return
        for kind in here:
            if kind in kinds:
                print(f"[bench] {name}: {kind} ...", flush=True)
                group.setdefault(name, {})[kind] = await measure(kind, scratch, opts, body)

    await each("bokeh_sessions", (ENGINE, BOKEH),
               lambda s, d: measure_sessions.session_rate(s, d, sizes))
    await each("bokeh_round_trip", (ENGINE, BOKEH, STOCK),
               lambda s, d: measure_events.round_trips(s, d, sizes.bokeh_round_trips))
    if "bokeh_reaper" in only:
        plan = [(ENGINE, "small", sizes.reap_small), (ENGINE, "big", sizes.bokeh_reap),
                (BOKEH, "small", sizes.reap_small)]
        for kind, size, n in plan:
            if kind not in kinds:
                continue
            rate = ((group.get("bokeh_sessions", {}).get(kind) or {}).get("per_s")
                    or FALLBACK_RATE[kind])
            opts = ServerOptions(check_unused_ms=sweep_ms(n, rate), unused_lifetime_ms=1000)
            probe = "/_aioserve/ready" if kind == ENGINE else "/dashboard/metadata"
            print(f"[bench] bokeh_reaper: {kind} {n} sessions, sweep every "
                  f"{opts.check_unused_ms} ms", flush=True)
            out = await measure(kind, scratch, opts, lambda s, d, n=n, probe=probe: (
                measure_idle.reaper_stall(s, d, n, concurrency=sizes.concurrency,
                                          probe_path=probe)))
            group.setdefault("bokeh_reaper", {}).setdefault(kind, {})[size] = out
    reap_fast = ServerOptions(check_unused_ms=1000, unused_lifetime_ms=1000)
    await each("bokeh_memory", (ENGINE, BOKEH), lambda s, d: memory_return(
        s, d, sizes.bokeh_memory_sessions, concurrency=sizes.concurrency), reap_fast)
