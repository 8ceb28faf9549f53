"""Session churn: does memory come back once sessions are reaped? (issue 9)

    python -m bench.soak [--sessions 20000] [--mode full|page] [--every 2000]
                         [--warmup 1000] [--concurrency 8] [--app examples/sliders.py]
                         [--json out.json] [-- extra server options]

Starts `aioserve serve APP --port 0` in a subprocess on 127.0.0.1 with short
session lifetimes (`--unused-session-lifetime 1000 --check-unused-sessions
500`), drives sessions through it with the bench's lean client and, at every
checkpoint, waits until the reaper has ended every session (the `ready`
endpoint reports 0) before reading the server's RSS. A full session is the page,
the websocket, `pull`, one `set` of the slider and its patch, then close; a page
session is the GET alone (the session is built by the page and never
connected).

The figure that matters is the growth per 10,000 sessions between the
post-warm-up RSS and each later checkpoint. Everything is bounded: the
session count, each request's timeout, the wait for reaping.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.protocols import Aioserve
from bench.wire import Wire, connect

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
_RUNNING = re.compile(r"app running at: https?://[^:/]+:(\d+)(/\S*)")
_GC_PASS = re.compile(r"Full garbage collection after (\d+) sessions ended: (\d+) objects freed"
                      r" in ([\d.]+) ms \(([\d.]+) ms CPU\), (\d+) sessions live")


@dataclass
class Checkpoint:
    sessions: int
    elapsed_s: float
    rss_mb: float
    live: int
    errors: int

    def row(self) -> dict[str, float | int]:
        return {"sessions": self.sessions, "elapsed_s": round(self.elapsed_s, 1),
                "rss_mb": round(self.rss_mb, 1), "live": self.live, "errors": self.errors}


@dataclass
class SoakServer:
    """`aioserve serve` in a subprocess; `port` and `app` once it announced itself."""

    app: Path
    extra: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None
    port: int = 0
    route: str = ""
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=200))
    # (sessions ended, objects freed, ms, CPU ms, sessions live) of each full pass, at
    # --log-level debug
    gc_passes: list[tuple[int, int, float, float, int]] = field(default_factory=list)

    def start(self, timeout: float = 30) -> SoakServer:
        cmd = [sys.executable, "-m", "aioserve", "serve", str(self.app), "--port", "0",
               "--address", HOST, "--unused-session-lifetime", "1000",
               "--check-unused-sessions", "500", *self.extra]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env, cwd=self.app.resolve().parent)
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server exited at start:\n" + "".join(self.lines))
            self.lines.append(line)
            found = _RUNNING.search(line)
            if found:
                self.port, self.route = int(found.group(1)), found.group(2).strip("/")
                break
        else:
            raise TimeoutError("the server did not announce its port")
        # Keep reading its output (so it never blocks on a full pipe), in a thread.
        import threading

        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            found = _GC_PASS.search(line)
            if found:
                ended, freed, ms, cpu_ms, live = found.groups()
                self.gc_passes.append((int(ended), int(freed), float(ms), float(cpu_ms),
                                       int(live)))

    def rss_mb(self) -> float:
        assert self.proc is not None
        return float(psutil.Process(self.proc.pid).memory_info().rss) / 2**20

    def stop(self, timeout: float = 15) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


class Churn:
    """Runs sessions against one server, `concurrency` at a time."""

    def __init__(self, server: SoakServer, mode: str, concurrency: int) -> None:
        self.server, self.mode, self.concurrency = server, mode, concurrency
        self.dialect = Aioserve(HOST, server.port)
        self.errors = 0
        self.first_error = ""
        self._values = itertools.count()

    async def run(self, count: int, timeout: float = 30) -> None:
        remaining = count

        async def worker() -> None:
            nonlocal remaining
            page: Wire | None = None
            try:
                while remaining > 0:
                    remaining -= 1
                    if page is None or page.closed is not None:
                        page = await connect(HOST, self.server.port)
                    try:
                        await asyncio.wait_for(self.one(page), timeout)
                    except Exception as exc:  # counted; the first one is reported
                        self.errors += 1
                        self.first_error = self.first_error or f"{type(exc).__name__}: {exc}"
                        if page.transport is not None:
                            page.transport.close()
                        page = None
                        if self.errors > 100:
                            raise RuntimeError(f"too many errors: {self.first_error}") from exc
            finally:
                if page is not None and page.transport is not None:
                    page.transport.close()

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))

    async def one(self, page: Wire) -> None:
        route = self.server.route
        if self.mode == "page":
            await self.dialect.page(page, route)
            return
        opened = await self.dialect.open(page, route)
        try:
            slider = self.dialect.slider_id(opened.doc)
            value = round(1.1 + next(self._values) % 39 / 10, 1)  # never the initial 1.0
            self.dialect.send_slider(opened.ws, slider, value)
            while True:  # the patch that answers the set
                message = await opened.ws.recv(10)
                if isinstance(message, str) and f"frequency {value:.1f}" in message:
                    break
        finally:
            await opened.ws.close()

    async def live_sessions(self) -> int:
        page = await connect(HOST, self.server.port)
        try:
            status, body = await page.get("/_aioserve/ready", timeout=10)
            return int(json.loads(body)["sessions"]) if status == 200 else -1
        finally:
            if page.transport is not None:
                page.transport.close()

    async def wait_reaped(self, timeout: float = 60) -> int:
        """Wait until the reaper has ended every session; returns the live count."""
        deadline = time.monotonic() + timeout
        live = await self.live_sessions()
        while live > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            live = await self.live_sessions()
        await asyncio.sleep(0.6)  # one more sweep period: its work is done
        return live


async def soak(args: argparse.Namespace) -> dict[str, object]:
    server = SoakServer(Path(args.app).resolve(), args.server_args).start()
    try:
        churn = Churn(server, args.mode, args.concurrency)
        t0 = time.monotonic()
        await churn.run(args.warmup)
        live = await churn.wait_reaped()
        base = Checkpoint(0, time.monotonic() - t0, server.rss_mb(), live, churn.errors)
        points = [base]
        print(f"[soak] after {args.warmup} warm-up sessions: {base.row()}", flush=True)
        done = 0
        while done < args.sessions:
            step = min(args.every, args.sessions - done)
            await churn.run(step)
            done += step
            live = await churn.wait_reaped()
            point = Checkpoint(done, time.monotonic() - t0, server.rss_mb(), live, churn.errors)
            points.append(point)
            growth = (point.rss_mb - base.rss_mb) / done * 10_000
            print(f"[soak] {point.row()} growth {growth:+.1f} MB/10k", flush=True)
        last = points[-1]
        return {
            "command": "python -m bench.soak " + " ".join(sys.argv[1:]),
            "app": args.app, "mode": args.mode, "sessions": args.sessions,
            "warmup": args.warmup, "concurrency": args.concurrency,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}",
            "git": _git_head(), "pythonpath": os.environ.get("PYTHONPATH", ""),
            "errors": churn.errors, "first_error": churn.first_error,
            "gc_passes": len(server.gc_passes),
            "gc_pass_ms": _spread([p[2] for p in server.gc_passes]),
            "gc_pass_cpu_ms": _spread([p[3] for p in server.gc_passes]),
            "gc_pass_live_max": max((p[4] for p in server.gc_passes), default=None),
            "points": [p.row() for p in points],
            "growth_mb_per_10k": round((last.rss_mb - base.rss_mb) / max(1, done) * 10_000, 1),
        }
    finally:
        server.stop()


def _spread(values: list[float]) -> dict[str, float] | None:
    """Median, 99th percentile and largest of a list (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return {"p50": ordered[len(ordered) // 2],
            "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
            "max": ordered[-1]}


def _git_head() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--mode", choices=("full", "page"), default="full")
    parser.add_argument("--every", type=int, default=2_000, help="sessions between checkpoints")
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--app", default=str(ROOT / "examples" / "sliders.py"))
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument("server_args", nargs="*", help="after --: extra `aioserve serve` options")
    args = parser.parse_args(argv)
    result = asyncio.run(soak(args))
    print(json.dumps(result, indent=1))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
