"""How much work each measure does: the full run, and `--quick` for a smoke test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    wrk_seconds: int = 5  # (1) per server
    concurrency: int = 8  # (1), (2), (7)
    sessions: int = 4000  # (2) at most this many full sessions per server...
    sessions_seconds: float = 10  # ...or this long
    memory_sessions: int = 300  # (3)
    round_trips: int = 2000  # (4), sequential
    reap_small: int = 300  # (5), both servers
    reap_big: int = 10_000  # (5), aioserve only (see RESULTS.md)
    idle_sessions: int = 10_000  # (6)
    idle_keep_alive_ms: int = 2000  # (6)
    idle_observe_s: float = 10  # (6) after the last session opened
    procs_sessions: int = 4000  # (7) per run
    procs_seconds: float = 8
    chart_updates: int = 20  # (8) aioserve; bokeh serve gets at most 3 (seconds each)
    # bench/measure_bokeh.py (the bokeh engine against bokeh serve)
    bokeh_round_trips: int = 500  # (B2): stock bokeh serve takes ~40 ms each
    bokeh_reap: int = 1000  # (B1), the bokeh engine; bokeh serve gets reap_small
    bokeh_memory_sessions: int = 200  # (B3), per round, two rounds


FULL = Sizes()
QUICK = Sizes(wrk_seconds=2, sessions=400, sessions_seconds=3, memory_sessions=100,
              round_trips=300, reap_small=100, reap_big=1000, idle_sessions=1000,
              idle_observe_s=5, procs_sessions=400, procs_seconds=3, chart_updates=5,
              bokeh_round_trips=100, bokeh_reap=300, bokeh_memory_sessions=50)
