"""(1) Page requests per second that create a session: wrk on the hello app."""

from __future__ import annotations

import asyncio
import re

from bench.servers import HOST, Server
from bench.sizes import Sizes
from bench.wire import connect

_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


async def page_rate(server: Server, sizes: Sizes) -> dict[str, object]:
    page = await connect(HOST, server.port)
    for _ in range(20):  # warm-up: imports, template, app code compiled
        await page.get("/hello")
    page.transport.close()  # type: ignore[union-attr]
    cpu0 = server.cpu_s()
    proc = await asyncio.create_subprocess_exec(
        "taskset", "-c", "1", "wrk", "-t1", f"-c{sizes.concurrency}",
        f"-d{sizes.wrk_seconds}s", "--latency", f"http://{HOST}:{server.port}/hello",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), sizes.wrk_seconds + 60)
    text = out.decode()
    cpu = server.cpu_s() - cpu0
    rate = float(_RATE.search(text).group(1)) if _RATE.search(text) else 0.0  # type: ignore[union-attr]
    latency = {f"p{p}_ms": round(float(v) * _UNIT[u], 3) for p, v, u in _LATENCY.findall(text)}
    bad = int(m.group(1)) if (m := _NON_2XX.search(text)) else 0
    requests = rate * sizes.wrk_seconds
    return {"per_s": rate, **latency, "non_2xx": bad,
            "server_cpu_per_request_ms": round(cpu / requests * 1000, 3) if requests else None,
            "wrk": " ".join(text.split())[:400] if not rate else ""}
