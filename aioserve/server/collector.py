"""The garbage collector as `aioserve serve` runs it: rare young passes, and the
old generation collected after the reaper, in proportion to what ended.

Only `run()` (the CLI) calls `tune`: it owns the process. A server made with
`create_app` or `serve` inside another program leaves that program's collector
alone, and everything here then does nothing.

Why (docs/choices.md, "Memory of ended sessions"): an ended session is freed by
reference counting (Document._destroy and drop_modules break its cycles, and
`release_websocket` the one aiohttp leaves per websocket), but asyncio's
transports keep a small cycle each, and apps may make their own. With the young
thresholds below, CPython's own full pass practically never runs, so those
would pile up. A full pass costs time in proportion to the live heap; running
it once as many sessions have ended as are still alive (at least `MIN_ENDED`)
keeps that cost a constant per session and the garbage in proportion to the
live sessions, and never runs with nothing ended (idle servers, measure 6 of
bench/RESULTS.md).
"""

from __future__ import annotations

import gc
import logging
import time

from aiohttp import web

log = logging.getLogger("aioserve.server")

# Young passes at 50,000 net new objects (CPython: 700): with 10,000 live sessions
# the defaults ran a full pass of 0.5-1.2 s every few seconds (bench/RESULTS.md, (6)).
THRESHOLDS = (50_000, 50, 100)
MIN_ENDED = 200
# At most one full pass per SHARE times the last one's duration: the loop spends
# at most 1/SHARE of its time in them, however heavy the live sessions (a pass over
# 1,000 live Bokeh sessions takes seconds).
SHARE = 50


class _Policy:
    tuned = False
    ended = 0  # sessions ended since the last full pass
    passes = 0
    last_ms = 0.0
    last_end = 0.0  # time.monotonic() when the last pass ended


_policy = _Policy()


def tune() -> None:
    """Set the thresholds; from now on the reaper may run full passes."""
    gc.set_threshold(*THRESHOLDS)
    _policy.tuned = True


def freeze_startup() -> None:
    """Once the apps are loaded: keep what start-up made out of every later pass
    (modules, classes, the apps' own code), so a full pass sees the sessions only."""
    if _policy.tuned:
        gc.collect()
        gc.freeze()


def sessions_ended(count: int, live: int) -> float | None:
    """After a reaper sweep ended `count` sessions (`live` remain): run a full pass
    when as many have ended since the last one as are alive (and at least
    MIN_ENDED), and at least SHARE times the last pass's duration has gone by
    since it. Returns how long it took in ms, or None when none ran."""
    if not _policy.tuned:
        return None
    _policy.ended += count
    if _policy.ended < max(MIN_ENDED, live):
        return None
    if time.monotonic() - _policy.last_end < SHARE * _policy.last_ms / 1000:
        return None
    ended, _policy.ended = _policy.ended, 0
    started, cpu_started = time.perf_counter(), time.process_time()
    found = gc.collect()
    ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu_started) * 1000  # without time the OS gave others
    _policy.passes += 1
    _policy.last_ms = ms
    _policy.last_end = time.monotonic()
    log.debug("Full garbage collection after %d sessions ended: %d objects freed in %.1f ms"
              " (%.1f ms CPU), %d sessions live", ended, found, ms, cpu_ms, live)
    return ms


def release_websocket(request: web.Request) -> None:
    """Once a websocket is done: break the cycle aiohttp 3.14 leaves behind.

    With a heartbeat, the connection's protocol keeps the response's
    `_on_data_received` as its `_data_received_cb` after the socket closed:
    protocol -> callback -> response -> reader -> protocol, about 40 objects
    (the request, its headers, the writer...) that only a full collection
    would free. Dropping the callback lets reference counting free them as
    soon as the handler returns; a socket that is closing needs no heartbeat.
    """
    protocol = request.protocol
    if getattr(protocol, "_data_received_cb", None) is not None:
        protocol._data_received_cb = None
