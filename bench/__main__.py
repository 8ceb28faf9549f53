"""`python -m bench`: aioserve against bokeh serve and bare aiohttp, side by side.

    python -m bench [--quick] [--only pages,sessions,...] [--note TEXT] [--no-append]
    python -m bench --only bokeh      # just the bokeh engine against bokeh serve

Servers run pinned to core 0, this load generator to core 1, all on
127.0.0.1. Writes bench/results/<time>.json and appends a table to
bench/RESULTS.md. See bench/RESULTS.md for what each measure does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench import (
    measure_bokeh,
    measure_chart,
    measure_events,
    measure_http,
    measure_idle,
    measure_sessions,
    report,
)
from bench.protocols import DIALECTS, Dialect
from bench.servers import BOKEH_PYTHON, HOST, Server, ServerOptions, machine_busy_s, own_busy_s
from bench.sizes import FULL, QUICK, Sizes

MEASURES = ("pages", "sessions", "memory", "round_trip", "reaper", "idle", "idle_dashboard",
            "procs", "chart", *measure_bokeh.MEASURES)
# `--only bokeh` names the whole bokeh-engine group.
GROUPS = {"bokeh": measure_bokeh.MEASURES}
CORE_KINDS = ("aioserve", "bokeh", "floor")
KINDS = (*CORE_KINDS, "aioserve-bokeh", "bokeh-stock")


def dialect(kind: str, server: Server) -> Dialect:
    return DIALECTS[kind](HOST, server.port)


async def measure_one(kind: str, scratch: Path, opts: ServerOptions | None,
                      body: Any) -> dict[str, Any]:
    """Start a fresh server, run `body(server, dialect)`, stop it; errors are recorded.

    Also notes how many cores other processes kept busy meanwhile: this
    machine may be shared, and that explains outliers.
    """
    server = await Server(kind, scratch, opts).start()
    busy0, own0, cpu0, t0 = machine_busy_s(), own_busy_s(), server.cpu_s(), time.monotonic()
    try:
        out: dict[str, Any] = await body(server, dialect(kind, server))
        others = machine_busy_s() - busy0 - (own_busy_s() - own0) - (server.cpu_s() - cpu0)
        out["others_cores_busy"] = round(others / (time.monotonic() - t0), 2)
    except Exception as exc:  # one failed measure must not lose the rest of the run
        out = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        server.stop()
    print(f"[bench]   {out}", flush=True)
    return out


async def run(only: set[str], kinds: tuple[str, ...], sizes: Sizes, scratch: Path,
              results: dict[str, Any]) -> None:
    measures: dict[str, Any] = results["measures"]

    async def each(name: str, body: Any, kinds_here: tuple[str, ...] = CORE_KINDS,
                   opts: ServerOptions | None = None) -> None:
        if name not in only:
            return
        for kind in kinds_here:
            if kind in kinds:
                print(f"[bench] {name}: {kind} ...", flush=True)
                measures.setdefault(name, {})[kind] = await measure_one(kind, scratch, opts,
                                                                        body)

    await each("pages", lambda s, d: measure_http.page_rate(s, sizes))
    await each("sessions", lambda s, d: measure_sessions.session_rate(s, d, sizes))
    await each("memory", lambda s, d: measure_sessions.memory_per_session(s, d, sizes))

    if "round_trip" in only:
        await round_trip(kinds, scratch, sizes, measures)
    await each("round_trip", lambda s, d: measure_events.round_trips(s, d, sizes.round_trips),
               tuple(k for k in CORE_KINDS if k not in INTERLEAVED))
    if "reaper" in only:
        await reaper(kinds, sizes, scratch, measures)
    idle_opts = ServerOptions(keep_alive_ms=sizes.idle_keep_alive_ms)
    await each("idle", lambda s, d: measure_idle.idle_connected(
        s, d, sizes.idle_sessions, concurrency=sizes.concurrency,
        observe_s=sizes.idle_observe_s), ("aioserve", "floor"), idle_opts)
    await each("idle_dashboard", lambda s, d: measure_idle.idle_connected(
        s, d, sizes.idle_sessions, concurrency=sizes.concurrency,
        observe_s=sizes.idle_observe_s, app="dashboard"), ("aioserve",), idle_opts)
    if "procs" in only and "aioserve" in kinds:
        await procs(sizes, scratch, measures)
    await each("chart", lambda s, d: measure_chart.chart_updates(
        s, d, sizes.chart_updates if s.kind == "aioserve" else min(3, sizes.chart_updates)),
        ("aioserve", "bokeh"))
    await measure_bokeh.run(measure_one, kinds, only, sizes, scratch, measures)


# (4) runs these side by side, in alternating blocks: their ratio is the target, and
# this machine's speed drifts between runs a minute apart (bench/RESULTS.md, session 3).
INTERLEAVED = ("aioserve", "floor")


async def round_trip(kinds: tuple[str, ...], scratch: Path, sizes: Sizes,
                     measures: dict[str, Any]) -> None:
    pair = [k for k in INTERLEAVED if k in kinds]
    if not pair:
        return
    print(f"[bench] round_trip: {', '.join(pair)}, interleaved ...", flush=True)
    servers = [await Server(kind, scratch).start() for kind in pair]
    busy0, own0, t0 = machine_busy_s(), own_busy_s(), time.monotonic()
    cpu0 = sum(s.cpu_s() for s in servers)
    try:
        stats = await measure_events.interleaved_round_trips(
            [(s, None if s.kind == "floor" else dialect(s.kind, s)) for s in servers],
            sizes.round_trips)
        others = (machine_busy_s() - busy0 - (own_busy_s() - own0)
                  - (sum(s.cpu_s() for s in servers) - cpu0))
        for kind, out in zip(pair, stats, strict=True):
            out["others_cores_busy"] = round(others / (time.monotonic() - t0), 2)
            out["interleaved"] = True
            measures.setdefault("round_trip", {})[kind] = out
            print(f"[bench]   {kind}: {out}", flush=True)
    except Exception as exc:  # one failed measure must not lose the rest of the run
        for kind in pair:
            measures.setdefault("round_trip", {})[kind] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        for server in servers:
            server.stop()


FALLBACK_RATE = {"aioserve": 300.0, "bokeh": 10.0}  # sessions/s when (2) did not run


def sweep_period_ms(n: int, rate: float) -> int:
    """Long enough that all n sessions exist before the reaper's first sweep.

    `rate` is full sessions/s from (2); a page alone creates a session about
    twice as fast, and the run checks that creation did end before the sweep.
    """
    return int((n / (2 * rate) * 1.5 + 5) * 1000)


async def reaper(kinds: tuple[str, ...], sizes: Sizes, scratch: Path,
                 measures: dict[str, Any]) -> None:
    plan = [("aioserve", "small", sizes.reap_small), ("aioserve", "big", sizes.reap_big),
            ("bokeh", "small", sizes.reap_small)]
    for kind, size, n in plan:
        if kind not in kinds:
            continue
        rate = (measures.get("sessions", {}).get(kind) or {}).get("per_s") or FALLBACK_RATE[kind]
        opts = ServerOptions(check_unused_ms=sweep_period_ms(n, rate), unused_lifetime_ms=1000)
        print(f"[bench] reaper: {kind} {n} sessions, sweep every {opts.check_unused_ms} ms",
              flush=True)
        probe = "/_aioserve/ready" if kind == "aioserve" else "/dashboard/metadata"
        out = await measure_one(kind, scratch, opts, lambda s, d, n=n, probe=probe: (
            measure_idle.reaper_stall(s, d, n, concurrency=sizes.concurrency, probe_path=probe)))
        measures.setdefault("reaper", {}).setdefault(kind, {})[size] = out


async def procs(sizes: Sizes, scratch: Path, measures: dict[str, Any]) -> None:
    for count in (1, 2):
        run_log = scratch / f"runs-{count}.log"
        opts = ServerOptions(num_procs=count, cpus="0,1", env={"BENCH_RUN_LOG": str(run_log)})
        print(f"[bench] procs: --num-procs {count} ...", flush=True)
        out = await measure_one("aioserve", scratch, opts, lambda s, d, run_log=run_log: (
            measure_sessions.procs(s, d, sizes, run_log)))
        measures.setdefault("procs", {})[str(count)] = out


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    versions = subprocess.run([str(BOKEH_PYTHON), "-c", "import bokeh, tornado; "
                               "print(bokeh.__version__, tornado.version)"],
                              capture_output=True, text=True, check=False).stdout.split() \
        if BOKEH_PYTHON.exists() else []  # runs without bokeh serve need no Bokeh venv
    git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                         text=True, check=False).stdout.strip() or "?"
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "aiohttp": aiohttp.__version__, "bokeh": versions[0] if versions else None,
            "tornado": versions[1] if len(versions) > 1 else None, "git": git,
            "kernel": platform.release()}


def preflight(kinds: tuple[str, ...], nice: int) -> None:
    if {"bokeh", "bokeh-stock"} & set(kinds) and not BOKEH_PYTHON.exists():
        sys.exit("bench/.venv-bokeh is missing: run `make bench` (it installs bokeh there)")
    for tool in ("taskset", "wrk"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: `make bench` installs it (apt-get install wrk)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # servers inherit it too
    os.sched_setaffinity(0, {1})  # the load generator's core; servers get core 0
    if nice:
        os.nice(nice)  # the servers and wrk inherit it
        # With autogroup scheduling, niceness only ranks processes of one session
        # against each other; the session's own weight is set here.
        autogroup = Path("/proc/self/autogroup")
        if autogroup.exists():
            with contextlib.suppress(OSError):
                autogroup.write_text(str(nice))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke test")
    parser.add_argument("--only", default=",".join(MEASURES),
                        help=f"comma list of {', '.join(MEASURES)}; `bokeh` names the last "
                             f"{len(measure_bokeh.MEASURES)}")
    parser.add_argument("--servers", default=",".join(KINDS), help="comma list of " +
                        ", ".join(KINDS))
    parser.add_argument("--note", default="", help="a line for RESULTS.md")
    parser.add_argument("--nice", type=int, default=-10 if os.geteuid() == 0 else 0,
                        help="niceness of servers and load generator (default -10 as root):"
                             " on a shared machine, others' work otherwise takes their cores")
    parser.add_argument("--no-append", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument("--server-gc-threshold", metavar="A,B,C",
                        help="experiment: run the aioserve server with gc.set_threshold(A, B, C)")
    args = parser.parse_args()
    kinds = tuple(k for k in args.servers.split(",") if k)
    only = {m for name in args.only.split(",") for m in GROUPS.get(name, (name,))}
    unknown = only - set(MEASURES)
    if unknown:
        parser.error(f"unknown measure(s): {', '.join(sorted(unknown))}")
    preflight(kinds, args.nice)
    if args.server_gc_threshold:
        os.environ["BENCH_GC_THRESHOLD"] = args.server_gc_threshold
    sizes = QUICK if args.quick else FULL
    started = dt.datetime.now(dt.UTC)
    results: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if args.quick else "full",
        "command": "python -m bench " + shlex.join(sys.argv[1:]),
        "machine": machine(), "sizes": vars(sizes), "note": args.note, "measures": {},
        "nice": args.nice, "load_before": os.getloadavg(),
        "aioserve_source": os.environ.get("BENCH_AIOSERVE_SOURCE", "this checkout"),
        "server_gc_threshold": args.server_gc_threshold,
        "json_name": started.strftime("%Y%m%dT%H%M%SZ") + ("-quick" if args.quick else "")
        + ".json"}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="aioserve-bench-") as scratch:
        try:
            asyncio.run(run(only, kinds, sizes, Path(scratch), results))
        finally:
            results["took_s"] = time.monotonic() - t0
            results["load_after"] = os.getloadavg()
            logs = Path(__file__).resolve().parent / "results" / "logs"
            shutil.rmtree(logs, ignore_errors=True)
            shutil.copytree(scratch, logs)
    path = report.write(results, Path(__file__).resolve().parent / "results",
                        append_md=not args.no_append)
    print(report.markdown(results))
    print(f"[bench] wrote {path}")


if __name__ == "__main__":
    main()
