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

One pass must not stall requests either: a pass over a few hundred live Bokeh
sessions takes hundreds of ms (about 1 ms each). So each pass's cost is estimated
from the heap grown since start-up (`sys.getallocatedblocks`, a few µs) times the
last pass's CPU time per block; while that is over BUDGET_MS and at least
MIN_ENDED sessions are alive, the pass waits until FORCE times as many sessions
have ended (or the live ones have ended too).
An ended session leaves little behind (the engines free their documents by
reference counting; what is left is tens of objects each), so waiting costs
little memory.
"""

from __future__ import annotations

import gc
import logging
import sys
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
# A pass estimated to take longer than this waits (above); past FORCE x the usual
# number ended, it runs anyway, so the garbage stays bounded.
BUDGET_MS = 30.0
FORCE = 4
# CPU ns per allocated block of a full pass: the first estimate is the figure for a
# heap of live Bokeh documents (the costliest measured: ~225 ns; plain Python
# objects ~6), then each pass's own figure.
NS_PER_BLOCK = 250.0
LEARN_FROM_BLOCKS = 50_000  # smaller heaps give a noisy figure


class _Policy:
    tuned = False
    ended = 0  # sessions ended since the last full pass
    passes = 0
    last_ms = 0.0
    last_end = 0.0  # time.monotonic() when the last pass ended
    base_blocks = 0  # sys.getallocatedblocks() once start-up was frozen
    ns_per_block = NS_PER_BLOCK
    deferred = 0  # passes put off for their estimated cost


_policy = _Policy()


def tune() -> None:
    """Set the thresholds; from now on the reaper may run full passes."""
    gc.set_threshold(*THRESHOLDS)
    _policy.tuned = True
    _policy.base_blocks = sys.getallocatedblocks()


def freeze_startup() -> None:
    """Once the apps are loaded: keep what start-up made out of every later pass
    (modules, classes, the apps' own code), so a full pass sees the sessions only."""
    if _policy.tuned:
        gc.collect()
        gc.freeze()
        _policy.base_blocks = sys.getallocatedblocks()


def after_build() -> None:
    """Right after a session's document was built: one young-generation pass
    (about 0.3 ms). Bokeh's `figure()` replaces default models it made a moment
    before (ranges, scales, a title); each is a cycle of model and property
    containers, about 200 objects a session, that would otherwise wait in the old
    generation for the full pass after the reaper (1,000 Bokeh sessions: 60,000
    objects, 139 ms). Found young, they cost next to nothing."""
    if _policy.tuned:
        gc.collect(0)


def estimated_ms() -> float:
    """What a full pass would take now: the heap grown since start-up, at the last
    pass's cost per block."""
    blocks = max(0, sys.getallocatedblocks() - _policy.base_blocks)
    return blocks * _policy.ns_per_block / 1e6


def sessions_ended(count: int, live: int) -> float | None:
    """After a reaper sweep ended `count` sessions (`live` remain): run a full pass
    when as many have ended since the last one as are alive (and at least
    MIN_ENDED), and at least SHARE times the last pass's duration has gone by
    since it, and the pass is estimated to take at most BUDGET_MS (or FORCE times
    as many have ended). Returns how long it took in ms, or None when none ran."""
    if not _policy.tuned:
        return None
    _policy.ended += count
    due = max(MIN_ENDED, live)
    if _policy.ended < due:
        return None
    if time.monotonic() - _policy.last_end < SHARE * _policy.last_ms / 1000:
        return None
    estimate = estimated_ms()
    # Only while many sessions are alive: with few, the pass costs what the ended ones
    # left, which waiting would only make bigger.
    if live >= MIN_ENDED and estimate > BUDGET_MS and _policy.ended < FORCE * due:
        _policy.deferred += 1
        log.debug("Full garbage collection put off: %d sessions ended, %d live, estimated"
                  " %.0f ms", _policy.ended, live, estimate)
        return None
    ended, _policy.ended = _policy.ended, 0
    blocks = max(0, sys.getallocatedblocks() - _policy.base_blocks)
    started, cpu_started = time.perf_counter(), time.process_time()
    found = gc.collect()
    ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu_started) * 1000  # without time the OS gave others
    _policy.passes += 1
    _policy.last_ms = ms
    _policy.last_end = time.monotonic()
    if blocks >= LEARN_FROM_BLOCKS:
        _policy.ns_per_block = cpu_ms * 1e6 / blocks
    log.debug("Full garbage collection after %d sessions ended: %d objects freed in %.1f ms"
              " (%.1f ms CPU, estimated %.1f ms), %d sessions live", ended, found, ms, cpu_ms,
              estimate, live)
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
