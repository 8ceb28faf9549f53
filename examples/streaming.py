"""Streaming: live service metrics, appended to charts as they come.

Served with: aioserve serve examples/streaming.py  (or `make serve`)

A periodic callback makes one reading per tick and appends it with
`source.stream(row, rollover=N)`: only that row travels to the browser, and
every chart on the source drops its oldest point by itself. Pause it, change
the tick or the window, or fire a traffic spike and watch the latency follow.
"""

import datetime as dt
import math
import random

from aioserve import curdoc
from aioserve.models import (
    Button,
    Chart,
    Column,
    ColumnDataSource,
    Div,
    Markdown,
    Row,
    Select,
    Slider,
    Toggle,
)

WINDOWS = {"1 minute": 120, "2 minutes": 240, "5 minutes": 600}
TICK = dt.timedelta(milliseconds=500)

doc = curdoc()
doc.title = "Streaming metrics"
rng = random.Random()
state = {"n": 0, "spike": 0, "period_ms": 500}


def reading(at: dt.datetime) -> dict[str, list[object]]:
    """One row of plausible numbers: a daily-ish wave, noise, and spikes."""
    state["n"] += 1
    n = state["n"]
    spike = 2.2 if state["spike"] > 0 else 1.0
    state["spike"] = max(0, state["spike"] - 1)
    requests = max(0.0, (420 + 120 * math.sin(n / 40) + rng.gauss(0, 18)) * spike)
    p50 = 38 + requests / 40 + rng.gauss(0, 2)
    p95 = p50 * (1.9 + 0.6 * (spike - 1)) + abs(rng.gauss(0, 6))
    errors = max(0, round(rng.gauss(1.5, 1.2) * spike ** 3))
    return {"time": [at], "requests": [round(requests, 1)], "p50": [round(p50, 1)],
            "p95": [round(p95, 1)], "errors": [errors]}


# Start with a minute of history, so the page never opens on empty charts.
now = dt.datetime.now(dt.UTC)
history: dict[str, list[object]] = {"time": [], "requests": [], "p50": [], "p95": [], "errors": []}
for i in range(120, 0, -1):
    for name, values in reading(now - i * TICK).items():
        history[name].extend(values)
source = ColumnDataSource(data=history)

traffic = Chart(source=source, x="time", x_type="datetime", title="Traffic", y_label="requests / s",
                series=[{"y": "requests", "kind": "line", "label": "requests / s",
                         "color": "#4e79a7"}], width=560, height=260, y_min=0)
latency = Chart(source=source, x="time", x_type="datetime", title="Latency", y_label="ms",
                series=[{"y": "p50", "kind": "line", "label": "median", "color": "#59a14f"},
                        {"y": "p95", "kind": "line", "label": "95th percentile",
                         "color": "#f28e2b"}], width=560, height=260, y_min=0)
errors = Chart(source=source, x="time", x_type="datetime", title="Errors per tick",
               series=[{"y": "errors", "kind": "bar", "label": "errors", "color": "#e15759"}],
               width=1156, height=180, legend=False)

live = Toggle(label="Live", active=True, button_type="success")
period = Slider(title="Tick (ms)", start=100, end=2000, step=100, value=500)
window = Select(title="Window", options=list(WINDOWS), value="1 minute")
spike = Button(label="Traffic spike", button_type="warning")
tiles = Div(name="tiles")


def tile(label: str, value: str, note: str = "") -> str:
    return ("<div style='flex:1 1 10rem;padding:.75rem 1rem;border:1px solid var(--aio-border);"
            "border-radius:var(--aio-radius);background:var(--aio-surface);"
            "box-shadow:var(--aio-shadow)'>"
            f"<div style='font-size:.8rem;color:var(--aio-muted)'>{label}</div>"
            f"<div style='font-size:1.5rem;font-weight:650;font-variant-numeric:tabular-nums'>"
            f"{value}</div><div style='font-size:.8rem;color:var(--aio-muted)'>{note}</div></div>")


def show_tiles() -> None:
    data = source.data
    last = -min(20, len(data["requests"]))  # the last ten seconds or so
    recent = data["requests"][last:]
    tiles.text = ("<div style='display:flex;gap:12px;flex-wrap:wrap;width:1180px;"
                  "max-width:100%'>"
                  + tile("Requests / s", f"{data['requests'][-1]:,.0f}",
                         f"avg {sum(recent) / len(recent):,.0f} lately")
                  + tile("Median latency", f"{data['p50'][-1]:.0f} ms")
                  + tile("95th percentile", f"{data['p95'][-1]:.0f} ms")
                  + tile("Errors in window", f"{sum(data['errors']):,}")
                  + tile("Points kept", f"{len(data['time'])}",
                         f"rollover {WINDOWS[window.value]}")
                  + "</div>")


def tick() -> None:
    source.stream(reading(dt.datetime.now(dt.UTC)), rollover=WINDOWS[window.value])
    show_tiles()


def set_live(attr: str, old: bool, new: bool) -> None:
    if new:
        doc.add_periodic_callback(tick, state["period_ms"])
    else:
        doc.remove_periodic_callback(tick)
    live.label = "Live" if new else "Paused"
    live.button_type = "success" if new else "default"


def set_period(attr: str, old: float, new: float) -> None:
    state["period_ms"] = int(new)
    if live.active:
        doc.remove_periodic_callback(tick)
        doc.add_periodic_callback(tick, state["period_ms"])


def set_window(attr: str, old: str, new: str) -> None:
    keep = WINDOWS[new]
    if len(source.data["time"]) > keep:  # shrink at once; growing happens as rows come
        source.data = {name: values[-keep:] for name, values in source.data.items()}
    show_tiles()


def fire_spike() -> None:
    state["spike"] = 12


live.on_change("active", set_live)
period.on_change("value", set_period)
window.on_change("value", set_window)
spike.on_click(fire_spike)

intro = Markdown(text="# Live service metrics\n"
                 "Simulated readings, appended with `source.stream(row, rollover=N)` "
                 "from a periodic callback: each tick sends one row, not the whole series.")
controls = Row(live, period, window, spike, name="controls")
doc.add_root(Column(intro, controls, tiles, Row(traffic, latency), errors, gap=16))
show_tiles()
doc.add_periodic_callback(tick, state["period_ms"])
