"""Where aioserve's time goes: py-spy on the server while one workload runs.

    python -m bench.profile sessions|pages|round_trip [--seconds 10] [--rate 500]

Starts aioserve pinned to core 0, samples it with py-spy (installed into
.venv on demand: `pip install py-spy`), drives the workload from core 1, then
prints the functions with the most inclusive and self time, and leaves the
folded stacks in bench/results/profile-<workload>.txt (for flamegraph tools).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from aioserve.sessions.protocol import FLOOD_RATE
from bench.measure_events import slider_value
from bench.measure_sessions import full_sessions
from bench.protocols import Aioserve
from bench.servers import HOST, Server
from bench.wire import connect

RESULTS = Path(__file__).resolve().parent / "results"


async def workload(name: str, server: Server, seconds: float) -> None:
    dialect = Aioserve(HOST, server.port)
    if name == "sessions":
        await full_sessions(server, dialect, concurrency=8, count=10**6, seconds=seconds)
    elif name == "pages":
        proc = await asyncio.create_subprocess_exec(
            "taskset", "-c", "1", "wrk", "-t1", "-c8", f"-d{seconds:.0f}s",
            f"http://{HOST}:{server.port}/hello", stdout=asyncio.subprocess.DEVNULL)
        await proc.wait()
    elif name == "round_trip":
        page = await connect(HOST, server.port)
        opened = await dialect.open(page, "dashboard")
        slider = dialect.slider_id(opened.doc)
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        i, start = 0, loop.time()
        while loop.time() < end:
            await dialect.round_trip(opened.ws, slider, slider_value(i))
            i += 1
            if i > (loop.time() - start) * FLOOD_RATE * 0.9:  # under the flood guard's rate
                await asyncio.sleep(0.001)
    else:
        raise SystemExit(f"unknown workload {name}")


def summarize(folded: Path, top: int = 30) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    out = [f"{total} samples", "", "inclusive:"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    out += ["", "self:"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="aioserve-profile-"))
    server = await Server("aioserve", scratch).start()
    folded = RESULTS / f"profile-{args.workload}.txt"
    RESULTS.mkdir(exist_ok=True)
    spy = subprocess.Popen(["taskset", "-c", "1", shutil.which("py-spy") or "py-spy",
                            "record", "--pid", str(server.proc.pid), "--rate", str(args.rate),
                            "--format", "raw", "--output", str(folded), "--nonblocking",
                            "--duration", str(int(args.seconds + 2))],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await asyncio.sleep(1)
        await workload(args.workload, server, args.seconds)
        spy.wait(60)
    finally:
        server.stop()
    print(summarize(folded))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("workload", choices=("sessions", "pages", "round_trip"))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=int, default=500)
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})
    if shutil.which("py-spy") is None and not Path(sys.executable).with_name("py-spy").exists():
        raise SystemExit("py-spy is missing: .venv/bin/pip install py-spy")
    os.environ["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
