"""What ended sessions leave to the cyclic garbage collector, in process.

    python -m bench.garbage [--engine aioserve|bokeh] [--sessions 100] [--websocket]
                            [--show 12]

Serves bench/apps/<engine>/dashboard.py in this process (the collector tuned
as `aioserve.run()` tunes it), makes N sessions (page requests, or with
`--websocket` a page, a websocket and the whole document each, closed at
once), lets the reaper end them, twice (the first round warms imports and
caches, then start-up is frozen as `freeze_startup` does), then runs one
`gc.collect()` and reports how many unreachable objects it found (what
reference counting could not free) and how long it took; a third round,
collected under `gc.DEBUG_SAVEALL`, names the commonest types among them. It
also times every collection the interpreter ran by itself while the sessions
were built and reaped.

The reaper's stall is this pass: a full collection after a sweep costs time in
proportion to what it has to look at, so every cycle a session's end leaves
behind makes it longer (bench/RESULTS.md, "Session churn" and "Bokeh apps").
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
from aioserve.server import collector
from bench.protocols import DIALECTS
from bench.servers import APPS
from bench.wire import connect


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


async def churn(server: TestServer, http: ClientSession, engine: str, n: int,
                websocket: bool) -> None:
    COLLECTIONS.phase = "building"  # recorded only while COLLECTIONS is in gc.callbacks
    dialect = DIALECTS["aioserve-bokeh" if engine == "bokeh" else "aioserve"](
        "127.0.0.1", server.port)  # type: ignore[arg-type]
    page = await connect("127.0.0.1", server.port)  # type: ignore[arg-type]
    try:
        for _ in range(n):
            if websocket:
                opened = await dialect.open(page, "dashboard")
                assert opened.ws.transport is not None
                opened.ws.transport.close()
            else:
                await dialect.page(page, "dashboard")
    finally:
        if page.transport is not None:
            page.transport.close()
    COLLECTIONS.phase = "reaping"
    for _ in range(100):  # the reaper runs every 300 ms here
        async with http.get(server.make_url("/_aioserve/ready")) as response:
            if (await response.json())["sessions"] == 0:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError("the sessions were not reaped within 20 s")


def describe(garbage: list[Any], show: int) -> list[str]:
    kinds = collections.Counter(f"{type(o).__module__}.{type(o).__qualname__}"
                                for o in garbage)
    return [f"{count:>8,}  {name}" for name, count in kinds.most_common(show)]


async def main(engine: str, n: int, websocket: bool, show: int) -> None:
    collector.tune()  # as aioserve.run() does: thresholds, and the engines' young passes
    app = create_app([str(APPS / engine / "dashboard.py")],
                     Config(port=0, check_unused_sessions_ms=300, unused_session_lifetime_ms=300))
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with ClientSession() as http:
            await churn(server, http, engine, n, websocket)  # warm-up: imports, caches
            collector.freeze_startup()
            gc.callbacks.append(COLLECTIONS)
            await churn(server, http, engine, n, websocket)
            gc.callbacks.remove(COLLECTIONS)
            await asyncio.sleep(0.5)  # closing handshakes, transports' last callbacks
            t0 = time.perf_counter()
            found = gc.collect()
            took = time.perf_counter() - t0
            # Once more, to name what is found: DEBUG_SAVEALL keeps it in gc.garbage.
            await churn(server, http, engine, n, websocket)
            await asyncio.sleep(0.5)
            gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            lines = describe(gc.garbage, show)
            gc.set_debug(0)
            gc.garbage.clear()
    finally:
        await server.close()
    how = "with a websocket each" if websocket else "page requests"
    print(f"{engine}: {n} ended sessions ({how}) left {found:,} objects to the cyclic "
          f"collector ({found / n:,.1f} a session); one gc.collect() took {took * 1000:.1f} ms")
    print("commonest, from a third round:")
    print("\n".join(lines))
    print("collections the interpreter ran by itself;",
          "; ".join(COLLECTIONS.summary(p) for p in ("building", "reaping")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.garbage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("aioserve", "bokeh"), default="bokeh")
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--websocket", action="store_true",
                        help="open each session's websocket and pull its document")
    parser.add_argument("--show", type=int, default=12, help="how many types to list")
    args = parser.parse_args()
    asyncio.run(main(args.engine, args.sessions, args.websocket, args.show))
