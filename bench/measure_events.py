"""(4) Event round trip: move the slider, wait for the patch with the new Div text."""

from __future__ import annotations

import asyncio
import json
import time

from bench.load import percentile
from bench.protocols import Dialect
from bench.servers import HOST, Server
from bench.wire import connect


def slider_value(i: int) -> float:
    """0.1 ... 4.9 and around again: each value differs from the one before."""
    return round(0.1 + (i % 49) * 0.1, 2)


def _stats(times: list[float], cpu: float, server_cpu: float) -> dict[str, object]:
    return {"count": len(times),
            "p50_ms": round(percentile(times, 50) * 1000, 3),
            "p99_ms": round(percentile(times, 99) * 1000, 3),
            "max_ms": round(max(times) * 1000, 3),
            "client_cpu_per_op_ms": round(cpu / len(times) * 1000, 3),
            "server_cpu_per_op_ms": round(server_cpu / len(times) * 1000, 3)}


async def round_trips(server: Server, dialect: Dialect | None, n: int) -> dict[str, object]:
    """(4) on one server: n sequential slider moves (or, dialect None, the floor's
    echo of a message the size of a `set`) after a warm-up of 50."""
    (stats,) = await interleaved_round_trips([(server, dialect)], n, blocks=1)
    return stats


class _Trips:
    """One server's round trip, ready to repeat: the dashboard's slider (a dialect)
    or the floor's echo (no dialect)."""

    def __init__(self, server: Server, dialect: Dialect | None) -> None:
        self.server, self.dialect = server, dialect
        self.times: list[float] = []
        self.cpu = self.server_cpu = 0.0
        self._i = 0

    async def open(self) -> None:
        if self.dialect is None:
            self.ws = await connect(HOST, self.server.port)
            await self.ws.upgrade("/echo/ws")
            self._message = json.dumps({"type": "set", "id": 1, "model": "m7", "attr": "value",
                                        "value": 2.5})
        else:
            self.page = await connect(HOST, self.server.port)
            opened = await self.dialect.open(self.page, "dashboard")
            self.ws, self.slider = opened.ws, self.dialect.slider_id(opened.doc)
        await self.run(50, record=False)  # warm-up

    async def one(self) -> None:
        self._i += 1
        if self.dialect is None:
            self.ws.send(self._message)
            await self.ws.recv()
        else:
            await self.dialect.round_trip(self.ws, self.slider, slider_value(self._i))

    async def run(self, n: int, *, record: bool = True) -> None:
        cpu0, server0 = time.process_time(), self.server.cpu_s()
        for _ in range(n):
            t0 = time.perf_counter()
            await self.one()
            if record:
                self.times.append(time.perf_counter() - t0)
        if record:
            self.cpu += time.process_time() - cpu0
            self.server_cpu += self.server.cpu_s() - server0

    async def close(self) -> None:
        await self.ws.close()
        if self.dialect is not None:
            self.page.transport.close()  # type: ignore[union-attr]


async def interleaved_round_trips(servers: list[tuple[Server, Dialect | None]], n: int,
                                  blocks: int = 10) -> list[dict[str, object]]:
    """(4) for several servers at once, in alternating blocks of n / blocks round trips,
    so a drift of the machine's speed (a VM's slow spells) falls on all of them alike
    and their ratio holds. Each server's figures are over all its blocks."""
    trips = [_Trips(server, dialect) for server, dialect in servers]
    for each in trips:
        await each.open()
    for _ in range(blocks):
        for each in trips:
            await each.run(n // blocks)
            await asyncio.sleep(0.05)  # the flood guard's bucket refills a little
    for each in trips:
        await each.close()
    return [_stats(t.times, t.cpu, t.server_cpu) for t in trips]
