"""The run's JSON file, and the table appended to bench/RESULTS.md."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS_MD = BENCH / "RESULTS.md"


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results.get("measures", {})
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _num(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, (int, float)):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return str(value)


def _ratio(a: Any, b: Any) -> float | None:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or not b:
        return None
    return a / b


def _fmt_ratio(r: float | None) -> str:
    if r is None:
        return "–"
    if 0 < r < 0.01:
        return f"1/{1 / r:,.0f}"
    return f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**not met**")


def _load(values: Any) -> str:
    return " / ".join(f"{v:.1f}" for v in values) if values else "?"


def _busy(node: Any) -> list[float]:
    """Every `others_cores_busy` figure under `node` (the bokeh group nests deeper)."""
    if not isinstance(node, dict):
        return []
    found = [node["others_cores_busy"]] if isinstance(node.get("others_cores_busy"),
                                                      float) else []
    return found + [v for child in node.values() for v in _busy(child)]


def _others(results: dict[str, Any]) -> str:
    seen = _busy(results.get("measures", {}))
    return f"mean {sum(seen) / len(seen):.2f}, max {max(seen):.2f}" if seen else "?"


def rows(results: dict[str, Any]) -> list[list[str]]:
    out: list[list[str]] = []

    def row(label: str, path: tuple[str, ...], key: str, target: str,
            check: Any = None, digits: int = 1, vs_floor: bool = True) -> None:
        a = _get(results, path[0], "aioserve", *path[1:], key)
        b = _get(results, path[0], "bokeh", *path[1:], key)
        f = _get(results, path[0], "floor", *path[1:], key) if vs_floor else None
        rb, rf = _ratio(a, b), _ratio(a, f)
        ok = check(a, rb, rf) if check is not None and a is not None else None
        out.append([label, _num(a, digits), _num(b, digits), _num(f, digits),
                    _fmt_ratio(rb), _fmt_ratio(rf), target, _met(ok)])

    row("(1) hello pages/s, wrk, 8 conns", ("pages",), "per_s", "≥ 16× bokeh",
        lambda a, rb, rf: rb is not None and rb >= 16, digits=0)
    row("(1) server CPU per page, ms", ("pages",), "server_cpu_per_request_ms", "", digits=3)
    row("(2) dashboard sessions/s, 8 conc.", ("sessions",), "per_s", "≥ 30× bokeh",
        lambda a, rb, rf: rb is not None and rb >= 30)
    row("(2) session p50, ms", ("sessions",), "p50_ms", "", digits=2)
    row("(2) session p99, ms", ("sessions",), "p99_ms", "", digits=2)
    row("(2) server CPU per session, ms", ("sessions",), "server_cpu_per_session_ms",
        "≤ 1 ms", lambda a, rb, rf: a <= 1.0, digits=3)
    row("(2) load generator core busy", ("sessions",), "client_core_busy", "< 1", digits=2)
    row("(3) RSS per connected session, KB", ("memory",), "per_session_kb", "≤ ⅕ bokeh",
        lambda a, rb, rf: rb is not None and rb <= 0.2)
    row("(4) slider round trip p50, ms", ("round_trip",), "p50_ms", "≤ 2.2× echo",
        lambda a, rb, rf: rf is not None and rf <= 2.2, digits=3)
    row("(4) slider round trip p99, ms", ("round_trip",), "p99_ms", "", digits=3)
    row("(4) server CPU per round trip, ms", ("round_trip",), "server_cpu_per_op_ms", "",
        digits=3)
    for n_key, label in (("small", "(5) longest stall, reaper ending"),
                         ("big", "(5) longest stall, reaper ending")):
        n = _get(results, "reaper", "aioserve", n_key, "sessions")
        if n is None:
            continue
        target = "≤ 20 ms" if n_key == "big" else ""
        row(f"{label} {n:,} sessions, ms", ("reaper", n_key), "max_stall_ms", target,
            (lambda a, rb, rf: a <= 20) if n_key == "big" else None, vs_floor=False)
        row(f"(5) longest other stall with {n:,} idle sessions, ms", ("reaper", n_key),
            "max_stall_outside_sweep_ms", "", vs_floor=False)
    for measure in ("idle", "idle_dashboard"):
        n = _get(results, measure, "aioserve", "sessions")
        if n is None:
            continue
        app = _get(results, measure, "aioserve", "app") or "dashboard"  # early runs: dashboard
        ka = _get(results, measure, "aioserve", "keep_alive_ms") / 1000
        row(f"(6) RSS, {n:,} idle connected {app} sessions, MB", (measure,), "rss_mb",
            "≤ 500 MB", lambda a, rb, rf: a <= 500, digits=0)
        row(f"(6) {app}: longest gap between pings once all open, s (keep-alive {ka:g} s)",
            (measure,), "max_ping_gap_s", f"≤ {1.5 * ka:g} s",
            lambda a, rb, rf, ka=ka: a <= 1.5 * ka, digits=2)
        row(f"(6) {app}: connections pinged late", (measure,), "late_connections", "0",
            lambda a, rb, rf: a == 0, digits=0)
        row(f"(6) {app}: connections dropped", (measure,), "dropped", "0",
            lambda a, rb, rf: a == 0, digits=0)
        row(f"(6) {app}: longest gap while opening, s", (measure,), "max_gap_while_opening_s",
            "", digits=2)
    row("(8) 1,000,000-point chart: document, bytes", ("chart",), "doc_bytes", "", digits=0,
        vs_floor=False)
    row("(8) chart update (new y column) p50, ms", ("chart",), "update_p50_ms", "≤ 250 ms",
        lambda a, rb, rf: a <= 250, vs_floor=False)
    row("(8) chart update, slowest, ms", ("chart",), "update_max_ms", "", vs_floor=False)
    row("(8) chart update, bytes received", ("chart",), "update_bytes", "", digits=0,
        vs_floor=False)
    row("(8) server CPU per chart update, ms", ("chart",), "server_cpu_per_update_ms", "",
        vs_floor=False)
    row("(8) chart zoom (x_range set to its view) p50, ms", ("chart",), "zoom_p50_ms",
        "≤ 250 ms", lambda a, rb, rf: a <= 250, vs_floor=False)
    row("(8) chart zoom, bytes received", ("chart",), "zoom_bytes", "", digits=0,
        vs_floor=False)
    one, two = _get(results, "procs", "1"), _get(results, "procs", "2")
    if one and two:
        share = two.get("share_per_worker") or []
        out.append(["(7) hello sessions/s, --num-procs 2 (vs 1)",
                    f"{_num(two['per_s'])} (vs {_num(one['per_s'])})", "", "", "",
                    _fmt_ratio(_ratio(two["per_s"], one["per_s"])) + " (2 ÷ 1)",
                    "≥ 1× one process", _met(two["per_s"] >= one["per_s"])])
        out.append(["(7) share of sessions per worker", " / ".join(f"{s:.0%}" for s in share),
                    "", "", "", "", "35–65 % each",
                    _met(len(share) == 2 and all(0.35 <= s <= 0.65 for s in share))])
        out.append(["(7) app code ran once per session",
                    f"{_num(two['ran_once_per_session'])} (1 proc: "
                    f"{_num(one['ran_once_per_session'])})", "", "", "", "", "exactly once",
                    _met(two["ran_once_per_session"] and one["ran_once_per_session"])])
    return out


def bokeh_rows(results: dict[str, Any]) -> list[list[str]]:
    """bench/measure_bokeh.py: the bokeh engine against bokeh serve (and stock bokeh serve)."""
    out: list[list[str]] = []

    def row(label: str, path: tuple[str, ...], key: str, target: str = "", check: Any = None,
            digits: int = 1, stock: bool = False, bokeh: bool = True) -> None:
        def get(kind: str) -> Any:
            return _get(results, "bokeh_engine", path[0], kind, *path[1:], key)

        a, b = get("aioserve-bokeh"), (get("bokeh") if bokeh else None)
        c = get("bokeh-stock") if stock else None
        rb, rc = _ratio(a, b), _ratio(a, c)
        ok = check(a, rb, rc) if check is not None and a is not None else None
        out.append([label, _num(a, digits), _num(b, digits), _num(c, digits), _fmt_ratio(rb),
                    _fmt_ratio(rc), target, _met(ok)])

    for size in ("small", "big"):
        n = _get(results, "bokeh_engine", "bokeh_reaper", "aioserve-bokeh", size, "sessions")
        if n is None:
            continue
        big = size == "big"
        row(f"(B1) longest request wait, reaper ending {n:,} sessions, ms", ("bokeh_reaper", size),
            "max_stall_ms", "≤ 50 ms" if big else "", (lambda a, rb, rc: a <= 50) if big else None)
        # bokeh serve has no session count to tell its sweep apart: all of it is the sweep
        row(f"(B1) longest other wait with {n:,} idle sessions, ms", ("bokeh_reaper", size),
            "max_stall_outside_sweep_ms", bokeh=False)
        row(f"(B1) sweep took, {n:,} sessions, s", ("bokeh_reaper", size), "sweep_took_s",
            digits=2, bokeh=False)
    row("(B2) slider round trip p50, ms", ("bokeh_round_trip",), "p50_ms",
        "≤ 1× bokeh; ≈ 1/40 stock", lambda a, rb, rc: rb is not None and rb <= 1.0, 3, True)
    row("(B2) slider round trip p99, ms", ("bokeh_round_trip",), "p99_ms", digits=3, stock=True)
    row("(B2) server CPU per round trip, ms", ("bokeh_round_trip",), "server_cpu_per_op_ms",
        digits=3, stock=True)
    for key, label in (("rss_before_mb", "RSS before, MB"),
                       ("rss_with_sessions_1_mb", "RSS with the sessions (round 1), MB"),
                       ("rss_after_1_mb", "RSS after they were reaped (round 1), MB"),
                       ("rss_with_sessions_2_mb", "RSS with the sessions (round 2), MB"),
                       ("rss_after_2_mb", "RSS after they were reaped (round 2), MB"),
                       ("rss_with_sessions_3_mb", "RSS with the sessions (round 3), MB"),
                       ("rss_after_3_mb", "RSS after they were reaped (round 3), MB")):
        n = _get(results, "bokeh_engine", "bokeh_memory", "aioserve-bokeh", "sessions")
        row(f"(B3) {n} sessions: {label}", ("bokeh_memory",), key, digits=1)
    row("(B3) sessions closed to all reaped (round 1), s", ("bokeh_memory",), "reaped_in_1_s",
        digits=1)
    row("(B3) share of the sessions' RSS returned (round 1)", ("bokeh_memory",),
        "returned_share", "", digits=2)
    row("(B3) RSS growth from round 2 to round 3, MB", ("bokeh_memory",), "growth_per_round_mb",
        "≤ 5 MB", lambda a, rb, rc: a <= 5, digits=1)
    row("(B4) dashboard sessions/s, 8 conc.", ("bokeh_sessions",), "per_s")
    row("(B4) session p50, ms", ("bokeh_sessions",), "p50_ms", digits=2)
    row("(B4) server CPU per session, ms", ("bokeh_sessions",), "server_cpu_per_session_ms",
        "", digits=3)
    return [r for r in out if r[1] != "–" or r[2] != "–"]


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    head = [f"### Run {results['started']} ({results['mode']})", "",
            f"- command: `{results['command']}`",
            f"- machine: {machine['nproc']} cores, {machine['cpu']}, Python {machine['python']},"
            f" aiohttp {machine['aiohttp']}, bokeh {machine.get('bokeh', '?')}"
            f" (tornado {machine.get('tornado', '?')}), git {machine['git']}",
            f"- took {results['took_s']:.0f} s; JSON: `bench/results/{results['json_name']}`",
            f"- niceness {results.get('nice', 0)}; load average before"
            f" {_load(results.get('load_before'))}, after {_load(results.get('load_after'))};"
            f" other processes' CPU during the measures (cores): {_others(results)}"]
    if results.get("aioserve_source", "this checkout") != "this checkout":
        head.append(f"- aioserve imported from `{results['aioserve_source']}`")
    if results.get("server_gc_threshold"):
        head.append(f"- **experiment**: aioserve ran with `gc.set_threshold("
                    f"{results['server_gc_threshold']})` (bench/gc_site), not as shipped")
    if results.get("note"):
        head.append(f"- note: {results['note']}")
    table = ["| measure | aioserve | bokeh | floor (aiohttp) | aioserve ÷ bokeh | "
             "aioserve ÷ floor | target | |", "|---|--:|--:|--:|--:|--:|---|---|"]
    core = rows(results)
    if not any(r[1] != "–" or r[2] != "–" for r in core):
        table = []  # a run of the bokeh group alone (`--only bokeh`)
    else:
        table += ["| " + " | ".join(r) + " |" for r in core]
    bokeh = bokeh_rows(results)
    if bokeh:
        table += ["", "The same Bokeh apps (bench/apps/bokeh/) on aioserve's bokeh engine and on "
                  "`bokeh serve` (bench/measure_bokeh.py):", "",
                  "| measure | aioserve, bokeh engine | bokeh serve (TCP_NODELAY) | "
                  "bokeh serve, stock | aioserve ÷ bokeh | aioserve ÷ stock | target | |",
                  "|---|--:|--:|--:|--:|--:|---|---|"]
        table += ["| " + " | ".join(r) + " |" for r in bokeh]
    notes = []
    for n_key in ("small", "big"):
        for kind in ("aioserve", "bokeh"):
            r = _get(results, "reaper", kind, n_key)
            if r and not r.get("created_before_first_sweep", True):
                notes.append(f"- (5) {kind} {r['sessions']}: creation took longer than one sweep"
                             " period, so more than one sweep ended them.")
    return "\n".join(head + [""] + table + [""] + notes) + "\n"


def write(results: dict[str, Any], folder: Path, append_md: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / results["json_name"]
    path.write_text(json.dumps(results, indent=2) + "\n")
    if append_md:
        with RESULTS_MD.open("a") as md:
            md.write("\n" + markdown(results))
    return path


if __name__ == "__main__":  # re-render recorded runs: python -m bench.report FILE.json...
    import sys

    for name in sys.argv[1:]:
        print(markdown(json.loads(Path(name).read_text())))
