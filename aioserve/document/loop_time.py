"""How long app code holds the event loop: a sync call, or each step of a coroutine.

A coroutine holds the loop only between two awaits that suspend it, so it is
driven one step at a time (`send`/`throw`), each step timed; the time it spends
waiting on other things does not count. The loop watchdog (`--slow-callback`)
is built on this; `run_blocking` is the way around it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Generator
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")
StepRunner = Callable[..., Any]  # run(fn, arg): calls fn(arg) and times it


class TimedSteps:
    """An awaitable that drives `coro`, passing each step through `run(fn, arg)`."""

    __slots__ = ("_coro", "_run")

    def __init__(self, coro: Coroutine[Any, Any, Any], run: StepRunner) -> None:
        self._coro = coro
        self._run = run

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, run = self._coro, self._run
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                yielded = run(coro.send, value) if error is None else run(coro.throw, error)
            except StopIteration as stop:
                return stop.value
            try:
                value, error = (yield yielded), None
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # cancellation included: hand it to the coroutine
                value, error = None, exc


class OwnTime:
    """Times calls that may run inside one another (a callback sets a property whose
    on_change runs at once): each call's own time, what ran inside it taken out, goes
    to `report(subject, own_s)`, also when the call raises. The watchdog of both
    engines' callbacks (Document, engines/bokeh/watch.py) is built on it."""

    __slots__ = ("_inside_s",)

    def __init__(self) -> None:
        self._inside_s = 0.0

    def run(self, report: Callable[[Any, float], None], subject: Any,
            fn: Callable[..., T], *args: Any) -> T:
        outer, self._inside_s = self._inside_s, 0.0
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            elapsed = time.perf_counter() - started
            own = elapsed - self._inside_s
            self._inside_s = outer + elapsed
            report(subject, own)


class HeldTime:
    """The longest time one sync call or coroutine step held the loop, and the total."""

    __slots__ = ("longest_s", "total_s")

    def __init__(self) -> None:
        self.longest_s = 0.0
        self.total_s = 0.0

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            elapsed = time.perf_counter() - started
            self.total_s += elapsed
            self.longest_s = max(self.longest_s, elapsed)

    def steps(self, coro: Coroutine[Any, Any, T]) -> TimedSteps:
        return TimedSteps(coro, self.call)


async def run_blocking(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn(*args, **kwargs)` in a worker thread and await its result.

    A slow call (a database query, a web request with a blocking library, a
    long computation, `time.sleep`) made straight from a callback freezes every
    session of the server; awaited through this, only its own callback waits:

        async def refresh():
            rows = await run_blocking(load_rows, "sales")
            source.data = rows          # back on the event loop: change the document here

    `fn` runs in asyncio's default thread pool with the caller's context
    (`curdoc()` works for reading). It must not change the document: from another
    thread that raises RuntimeError; change it after the await, as above.
    """
    return await asyncio.to_thread(fn, *args, **kwargs)
