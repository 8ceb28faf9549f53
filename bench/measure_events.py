"""(4) Event round trip: move the slider, wait for the patch with the new Div text."""

from __future__ import annotations

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


async def round_trips(server: Server, dialect: Dialect, n: int) -> dict[str, object]:
    page = await connect(HOST, server.port)
    opened = await dialect.open(page, "dashboard")
    slider = dialect.slider_id(opened.doc)
    for i in range(50):  # warm-up
        await dialect.round_trip(opened.ws, slider, slider_value(i))
    times = []
    cpu0, server0 = time.process_time(), server.cpu_s()
    for i in range(50, 50 + n):
        t0 = time.perf_counter()
        await dialect.round_trip(opened.ws, slider, slider_value(i))
        times.append(time.perf_counter() - t0)
    cpu, server_cpu = time.process_time() - cpu0, server.cpu_s() - server0
    await opened.ws.close()
    page.transport.close()  # type: ignore[union-attr]
    return _stats(times, cpu, server_cpu)


async def echo_round_trips(server: Server, n: int) -> dict[str, object]:
    """The floor: a bare aiohttp websocket echoing a message the size of a `set`."""
    ws = await connect(HOST, server.port)
    await ws.upgrade("/echo/ws")
    message = json.dumps({"type": "set", "id": 1, "model": "m7", "attr": "value", "value": 2.5})
    for _ in range(50):
        ws.send(message)
        await ws.recv()
    times = []
    cpu0, server0 = time.process_time(), server.cpu_s()
    for _ in range(n):
        t0 = time.perf_counter()
        ws.send(message)
        await ws.recv()
        times.append(time.perf_counter() - t0)
    cpu, server_cpu = time.process_time() - cpu0, server.cpu_s() - server0
    await ws.close()
    return _stats(times, cpu, server_cpu)
