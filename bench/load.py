"""Closed-loop load: N concurrent workers, each bounded in count and time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class LoadResult:
    done: int = 0
    errors: int = 0
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.done / self.wall_s if self.wall_s else 0.0

    def summary(self) -> dict[str, float | int | str]:
        return {"count": self.done, "errors": self.errors, "wall_s": round(self.wall_s, 3),
                "per_s": round(self.rate, 1),
                "p50_ms": round(percentile(self.latencies_s, 50) * 1000, 3),
                "p99_ms": round(percentile(self.latencies_s, 99) * 1000, 3),
                "max_ms": round(max(self.latencies_s, default=float("nan")) * 1000, 3),
                "client_cpu_per_op_ms": round(self.client_cpu_s / max(1, self.done) * 1000, 3),
                "client_core_busy": round(self.client_cpu_s / self.wall_s, 2)
                if self.wall_s else 0.0,
                "first_error": self.first_error}


Op = Callable[[int], Awaitable[Callable[[], Awaitable[None]] | None]]


async def closed_loop(make_worker: Callable[[], Awaitable[Op]], *, concurrency: int,
                      count: int, seconds: float) -> LoadResult:
    """Each worker runs `op(i)` until `count` ops in all or `seconds` have passed.

    `op` returns an optional cleanup coroutine (closing a socket, say), run
    after the latency is taken but inside the loop, so it costs throughput.
    """
    result = LoadResult()
    issued = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal issued
        op = await make_worker()
        while issued < count and time.monotonic() < deadline:
            i = issued
            issued += 1
            t0 = time.perf_counter()
            try:
                cleanup = await op(i)
            except Exception as exc:  # counted, and the first one reported
                result.errors += 1
                result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
                if result.errors > 50:
                    return
                continue
            result.latencies_s.append(time.perf_counter() - t0)
            result.done += 1
            if cleanup is not None:
                await cleanup()

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))),
                           seconds + 60)
    result.wall_s = time.perf_counter() - t0
    result.client_cpu_s = time.process_time() - cpu0
    return result
