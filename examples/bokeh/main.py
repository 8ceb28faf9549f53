"""A streaming Bokeh dashboard: a directory app, as `bokeh serve` runs one.

- main.py (this file) builds each session's document, once per session;
- templates/index.html places the two named roots in a page of its own;
- theme.yaml styles every plot; static/ holds the page's stylesheet.

A random walk streams into the top plot four times a second (a periodic
callback, `source.stream(..., rollover=...)`); the histogram below follows.
The Volatility slider and the Pause button run Python on the server. The
data is generated here: no download, no sample data package.

Served with: aioserve serve examples/bokeh  (or `make serve`), at /bokeh.
"""

import random

from bokeh.io import curdoc
from bokeh.layouts import column
from bokeh.models import Button, ColumnDataSource, Div, HoverTool, Slider
from bokeh.plotting import figure

TICK_MS = 250
BINS = 24

doc = curdoc()
rng = random.Random()
walk = ColumnDataSource(data={"t": [], "value": [], "mean": []}, name="walk_source")
bins = ColumnDataSource(data={"left": [], "right": [], "count": []}, name="bins_source")

stream_plot = figure(height=300, sizing_mode="stretch_width", title="Random walk",
                     name="stream_plot", tools="pan,wheel_zoom,box_zoom,reset",
                     x_axis_label="tick", y_axis_label="value")
stream_plot.line("t", "value", source=walk, line_width=2, legend_label="value")
stream_plot.line("t", "mean", source=walk, line_width=2, line_dash="dashed",
                 color="#d95f02", legend_label="mean of the last 20")
stream_plot.add_tools(HoverTool(tooltips=[("tick", "@t"), ("value", "@value{0.00}")],
                                mode="vline"))
stream_plot.legend.location = "top_left"

hist_plot = figure(height=220, sizing_mode="stretch_width", title="Distribution of the window",
                   name="hist_plot", tools="pan,wheel_zoom,reset,hover",
                   tooltips=[("from", "@left{0.00}"), ("to", "@right{0.00}"), ("ticks", "@count")])
hist_plot.quad(left="left", right="right", top="count", bottom=0, source=bins,
               fill_alpha=0.7, line_color="white")

volatility = Slider(title="Volatility", start=0.1, end=3.0, step=0.1, value=1.0,
                    name="volatility")
window = Slider(title="Window (ticks kept)", start=50, end=400, step=10, value=200,
                name="window")
pause = Button(label="Pause", button_type="warning", name="pause")
status = Div(name="status")

state = {"tick": 0, "value": 0.0, "callback": None}


def describe() -> None:
    running = "streaming" if state["callback"] is not None else "paused"
    status.text = (f"<b>{running}</b>: tick {state['tick']}, volatility "
                   f"{volatility.value:.1f}, last {state['value']:+.2f}")


def rebin(values: list[float]) -> None:
    low, high = min(values), max(values)
    width = (high - low) / BINS or 1.0
    counts = [0] * BINS
    for v in values:
        counts[min(BINS - 1, int((v - low) / width))] += 1
    bins.data = {"left": [low + i * width for i in range(BINS)],
                 "right": [low + (i + 1) * width for i in range(BINS)], "count": counts}


def tick() -> None:
    state["tick"] += 1
    state["value"] += rng.gauss(0.0, volatility.value)
    recent = walk.data["value"][-19:] + [state["value"]]
    walk.stream({"t": [state["tick"]], "value": [state["value"]],
                 "mean": [sum(recent) / len(recent)]}, rollover=int(window.value))
    if state["tick"] % 4 == 0:
        rebin(walk.data["value"])
    describe()


def toggle() -> None:
    if state["callback"] is None:
        state["callback"] = doc.add_periodic_callback(tick, TICK_MS)
        pause.label, pause.button_type = "Pause", "warning"
    else:
        doc.remove_periodic_callback(state["callback"])
        state["callback"] = None
        pause.label, pause.button_type = "Resume", "success"
    describe()


volatility.on_change("value", lambda attr, old, new: describe())
pause.on_click(toggle)

for _ in range(40):  # start with some history, so the first page is not empty
    tick()
rebin(walk.data["value"])
toggle()

doc.add_root(column(volatility, window, pause, status, name="controls", width=260))
doc.add_root(column(stream_plot, hist_plot, name="charts", sizing_mode="stretch_width"))
doc.title = "Streaming dashboard"
