"""Start, watch and stop the servers under test: aioserve, bokeh serve, the floor,
and (bench/measure_bokeh.py) aioserve's bokeh engine and stock `bokeh serve`.

Each runs in its own process pinned with `taskset` (core 0 unless told), on
127.0.0.1 and a free port, its log in the run's scratch folder.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BENCH = Path(__file__).resolve().parent
APPS = BENCH / "apps"
BOKEH_PYTHON = BENCH / ".venv-bokeh" / "bin" / "python"
HOST = "127.0.0.1"


@dataclass
class ServerOptions:
    keep_alive_ms: int = 37000  # both servers' default
    check_unused_ms: int = 17000
    unused_lifetime_ms: int = 15000
    num_procs: int = 1
    cpus: str = "0"
    env: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def command(kind: str, port: int, opts: ServerOptions) -> list[str]:
    if kind == "floor":
        return [sys.executable, "-m", "bench.floor", str(port), str(opts.keep_alive_ms)]
    common = ["--port", str(port), "--address", HOST,
              "--allow-websocket-origin", f"{HOST}:{port}",
              "--keep-alive", str(opts.keep_alive_ms),
              "--check-unused-sessions", str(opts.check_unused_ms),
              "--unused-session-lifetime", str(opts.unused_lifetime_ms),
              "--num-procs", str(opts.num_procs)]
    # BENCH_SERVER_ARGS: more options for aioserve's servers, say "--log-level debug
    # --slow-callback 20" to see what holds the loop (its log is in bench/results/logs).
    extra = shlex.split(os.environ.get("BENCH_SERVER_ARGS", ""))
    if kind in ("aioserve-table", "bokeh-table"):  # bench/measure_table.py, rows in the env
        engine, python = (("aioserve", [sys.executable, "-m", "aioserve", "serve"])
                          if kind == "aioserve-table" else
                          ("bokeh", [str(BOKEH_PYTHON), str(BENCH / "bokeh_serve.py")]))
        return [*python, str(APPS / engine / "table.py"), *common,
                *(extra if engine == "aioserve" else [])]
    if kind == "aioserve":
        apps = [str(APPS / "aioserve" / f"{a}.py") for a in ("hello", "dashboard", "chart")]
        return [sys.executable, "-m", "aioserve", "serve", *apps, *common, *extra]
    bokeh_apps = [str(APPS / "bokeh" / f"{a}.py") for a in ("hello", "dashboard", "chart")]
    if kind == "aioserve-bokeh":  # the same Bokeh apps as bokeh serve gets
        return [sys.executable, "-m", "aioserve", "serve", *bokeh_apps, "--engine", "bokeh",
                *common, *extra]
    if kind == "bokeh":
        return [str(BOKEH_PYTHON), str(BENCH / "bokeh_serve.py"), *bokeh_apps, *common]
    if kind == "bokeh-stock":  # no TCP_NODELAY: what `bokeh serve` users get
        return [str(BOKEH_PYTHON), "-m", "bokeh", "serve", *bokeh_apps, *common]
    raise ValueError(kind)


class Server:
    def __init__(self, kind: str, scratch: Path, opts: ServerOptions | None = None) -> None:
        self.kind = kind
        self.opts = opts or ServerOptions()
        self.port = free_port()
        self.log_path = scratch / f"{kind}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.ps: psutil.Process | None = None

    async def start(self, timeout: float = 60) -> Server:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.opts.env}
        aioserve = self.kind.startswith("aioserve")
        if aioserve and os.environ.get("BENCH_GC_THRESHOLD"):
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH / "gc_site"),
                                                               env.get("PYTHONPATH")]))
        # `python -m aioserve` imports the package from its working folder, so
        # BENCH_AIOSERVE_SOURCE=DIR (holding an aioserve/ copy) benchmarks that copy.
        cwd = os.environ.get("BENCH_AIOSERVE_SOURCE") if aioserve else None
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                ["taskset", "-c", self.opts.cpus, *command(self.kind, self.port, self.opts)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd or BENCH.parent)
        self.ps = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited at start; see {self.log_path}")
            try:
                _, writer = await asyncio.open_connection(HOST, self.port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            await writer.wait_closed()
            if self.opts.num_procs > 1:
                await self._wait_for_workers(deadline)
            return self
        raise TimeoutError(f"{self.kind} did not listen within {timeout}s")

    async def _wait_for_workers(self, deadline: float) -> None:
        while len(self.processes()) < self.opts.num_procs + 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # let each worker reach its event loop

    def processes(self) -> list[psutil.Process]:
        assert self.ps is not None
        try:
            return [self.ps, *self.ps.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_s(self) -> float:
        total = 0.0
        for p in self.processes():
            try:
                times = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def rss_bytes(self) -> int:
        total = 0
        for p in self.processes():
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def stop(self, timeout: float = 15) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            for p in reversed(self.processes()):
                p.kill()
            self.proc.wait(5)

    async def __aenter__(self) -> Server:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()


def machine_busy_s() -> float:
    """CPU seconds all processes have used since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_busy_s() -> float:
    """CPU seconds of this process and its waited-for children (wrk)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
