"""What ended Bokeh sessions leave to the cyclic garbage collector, in process.

    python -m bench.bokeh_garbage [--sessions 100] [--break-cycles]

Serves bench/apps/bokeh/dashboard.py with the bokeh engine (in this process,
GC thresholds as `run()` sets them), makes N sessions by page requests, lets
the reaper end them, twice, then runs one `gc.collect()` and reports how many
unreachable objects it found (what reference counting could not free) and how
long it took. It also times every collection the interpreter ran by itself
(`gc.callbacks`) while the sessions were built and while they were reaped.
`--break-cycles` was the experiment that showed where the garbage was: clear
each model's property values and callbacks before the teardown (Bokeh's
container properties hold their owner model, one cycle per model). The engine's
`teardown_document` now does exactly that, so the flag changes nothing more;
300 sessions went from 415 ms of `gc.collect()` to 6 ms (bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import time
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from aioserve import Config, create_app
from bench.servers import APPS

MODEL_DICTS = ("_property_values", "_unstable_default_values", "_unstable_themed_values",
               "_callbacks", "_event_callbacks")


def break_cycles_first() -> None:
    import aioserve.engines.bokeh.session as engine_session

    teardown = engine_session.teardown_document

    def clearing(doc: Any) -> None:
        for model in list(doc.models) if hasattr(doc.models, "_models") else []:
            for name in MODEL_DICTS:
                value = getattr(model, name, None)
                if isinstance(value, dict):
                    value.clear()
        teardown(doc)

    engine_session.teardown_document = clearing


class Collections:
    """The interpreter's own collections, timed, by phase ("building", "reaping")."""

    def __init__(self) -> None:
        self.phase = ""
        self.seen: dict[str, list[tuple[int, float]]] = collections.defaultdict(list)
        self._t0 = 0.0

    def __call__(self, event: str, info: dict[str, int]) -> None:
        if event == "start":
            self._t0 = time.perf_counter()
        else:
            self.seen[self.phase].append((info["generation"], time.perf_counter() - self._t0))

    def summary(self, phase: str) -> str:
        runs = self.seen.get(phase, [])
        worst = max(runs, key=lambda r: r[1], default=(0, 0.0))
        return (f"{phase}: {len(runs)} collections, longest {worst[1] * 1000:.1f} ms "
                f"(generation {worst[0]})")


COLLECTIONS = Collections()


async def churn(server: TestServer, http: ClientSession, n: int) -> None:
    COLLECTIONS.phase = "building"  # recorded only while COLLECTIONS is in gc.callbacks
    for _ in range(n):
        async with http.get(server.make_url("/dashboard")) as response:
            assert response.status == 200, response.status
    COLLECTIONS.phase = "reaping"
    for _ in range(100):  # the reaper runs every 300 ms here
        async with http.get(server.make_url("/_aioserve/ready")) as response:
            if (await response.json())["sessions"] == 0:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError("the sessions were not reaped within 20 s")


async def main(n: int) -> None:
    gc.set_threshold(50_000, 50, 100)  # as aioserve.run() sets it
    app = create_app([str(APPS / "bokeh" / "dashboard.py")],
                     Config(port=0, check_unused_sessions_ms=300, unused_session_lifetime_ms=300))
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with ClientSession() as http:
            await churn(server, http, n)  # warm-up: imports, caches
            gc.collect()
            gc.freeze()  # as aioserve.server.collector.freeze_startup does
            gc.callbacks.append(COLLECTIONS)
            await churn(server, http, n)
            gc.callbacks.remove(COLLECTIONS)
        gc.set_debug(gc.DEBUG_SAVEALL)
        t0 = time.perf_counter()
        found = gc.collect()
        took = time.perf_counter() - t0
        kinds = collections.Counter(type(o).__name__ for o in gc.garbage).most_common(6)
        gc.set_debug(0)
        gc.garbage.clear()
    finally:
        await server.close()
    print(f"{n} ended sessions left {found:,} objects to the cyclic collector "
          f"({found / n:,.0f} a session); one gc.collect() took {took * 1000:.0f} ms")
    print("most common:", ", ".join(f"{name} {count:,}" for name, count in kinds))
    print("collections the interpreter ran by itself;",
          "; ".join(COLLECTIONS.summary(p) for p in ("building", "reaping")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.bokeh_garbage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--break-cycles", action="store_true",
                        help="experiment: clear each model's property values and callbacks "
                             "before the engine's teardown")
    args = parser.parse_args()
    if args.break_cycles:
        break_cycles_first()
    asyncio.run(main(args.sessions))
