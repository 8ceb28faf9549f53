"""What runs beside the request handlers, owned by aiohttp's cleanup_ctx.

On start: each app's `on_server_loaded`, then the reaper, stats and memory
loops. At the end, `drain` (once per app): websockets closed with 1001, sessions
destroyed with their hooks; then loops cancelled and `on_server_unloaded`.

Who calls `drain`: `serve` while its sites still listen (readiness answers 503);
aiohttp's on_shutdown for the other hosts (`web.run_app`, gunicorn, an embedding
site, aioserve.testing). Cleanup calls it too, for a host that skips on_shutdown;
every call after the first waits for the same drain. Only the drain ends sessions
at shutdown.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import psutil
from aiohttp import web

from aioserve.server import collector
from aioserve.server.keys import STATE, ServerState
from aioserve.sessions.protocol import CLOSE_GOING_AWAY

log = logging.getLogger("aioserve.server")



async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    state = app[STATE]
    for served in state.apps.values():
        await served.load(state)
    collector.freeze_startup()
    config = state.config
    loops = [
        _every(config.check_unused_sessions_ms, lambda: reap(state)),
        _every(config.stats_log_frequency_ms, lambda: _sync(log_stats, state)),
    ]
    if config.mem_log_frequency_ms > 0:
        loops.append(_every(config.mem_log_frequency_ms, lambda: _sync(log_memory, state)))
    tasks = [asyncio.create_task(loop) for loop in loops]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await drain(state)  # a no-op wait when on_shutdown (or `serve`) drained already
        for served in state.apps.values():
            try:
                await served.engine.on_server_unloaded(state)
            except Exception:
                log.exception("on_server_unloaded of %s failed", served.path)


async def shutdown(app: web.Application) -> None:
    await drain(app[STATE])


async def drain(state: ServerState) -> None:
    """Refuse new work (readiness and pages answer 503), tell clients to go
    elsewhere (1001), end the sessions with their hooks. Runs once per app: a
    later or concurrent call waits for the first one's drain."""
    if state.drain_task is None:
        state.drain_task = asyncio.ensure_future(_drain(state))
    # shield: a caller given up on (a shutdown timeout) does not cut the hooks short.
    await asyncio.shield(state.drain_task)


async def _drain(state: ServerState) -> None:
    connections = state.connections
    if not state.draining:  # already refusing (never listened): nothing to announce
        log.info("Draining: closing %d websockets, ending %d sessions",
                 len(connections), state.session_count())
    state.draining = True
    await asyncio.gather(*(c.close(CLOSE_GOING_AWAY, "server shutting down")
                           for c in connections), return_exceptions=True)
    for served in state.apps.values():
        await served.registry.destroy_all()


async def reap(state: ServerState) -> int:
    """One sweep of the reaper over every app; returns how many sessions it ended."""
    now = time.monotonic()
    lifetime = state.config.unused_session_lifetime_ms
    ended = sum([await s.registry.reap(now, lifetime) for s in state.apps.values()])
    if ended:
        collector.sessions_ended(ended, state.session_count())
    return ended


def log_stats(state: ServerState) -> None:
    if not log.isEnabledFor(logging.DEBUG):
        return  # as in Bokeh, stats lines are DEBUG output
    pid = os.getpid()
    log.debug("[pid %d] %d clients connected", pid, len(state.connections))
    for served in state.apps.values():
        registry = served.registry
        log.debug("[pid %d]   %s has %d sessions with %d unused", pid, served.path,
                  len(registry), registry.unused_count())


def log_memory(state: ServerState) -> None:
    info = psutil.Process().memory_info()
    pid = os.getpid()
    log.info("[pid %d] Memory usage: %0.2f MB (RSS), %0.2f MB (VMS)", pid,
             info.rss / 2**20, info.vms / 2**20)
    if not log.isEnabledFor(logging.DEBUG):
        return
    # As `bokeh serve` does at DEBUG: what is still in memory, live or not yet freed.
    # A walk of the whole heap, so only when asked for (--mem-log-frequency at debug).
    # The engines say what to count: aioserve's types, Bokeh's, or both.
    engines = {type(s.engine): s.engine for s in state.apps.values()}.values()
    kinds: dict[str, tuple[type, ...]] = {}
    for engine in engines:
        for name, types in engine.memory_kinds().items():
            kinds[name] = kinds.get(name, ()) + types
    counts = dict.fromkeys(kinds, 0)
    tracked = 0
    for obj in gc.get_objects():
        tracked += 1
        for name, types in kinds.items():
            if isinstance(obj, types):
                counts[name] += 1
                break
    for name, count in counts.items():
        log.debug("[pid %d]   uncollected %s: %d", pid, name, count)
    prefixes = tuple(e.app_module_prefix for e in engines if e.app_module_prefix)
    modules = sum(1 for name in list(sys.modules) if prefixes and name.startswith(prefixes))
    log.debug("[pid %d]   app modules: %d, objects tracked by the gc: %d, live sessions: %d",
              pid, modules, tracked, state.session_count())


async def _sync(func: Callable[[ServerState], None], state: ServerState) -> None:
    func(state)


async def _every(period_ms: int, body: Callable[[], Awaitable[object]]) -> None:
    while True:
        await asyncio.sleep(period_ms / 1000)
        try:
            await body()
        except Exception:
            log.exception("background task failed; it will run again")

