"""The dashboard app, for bokeh serve (bench/apps/aioserve/dashboard.py is its twin).

Written as a Bokeh user would: plain lists in a ColumnDataSource and a
`figure` with one line, so both servers send the same numbers as JSON.
"""

import math
import os

from bokeh.io import curdoc
from bokeh.layouts import column, row
from bokeh.models import Button, ColumnDataSource, Div, Select, Slider, TextInput
from bokeh.plotting import figure

doc = curdoc()
if os.environ.get("BENCH_RUN_LOG"):
    with open(os.environ["BENCH_RUN_LOG"], "a") as log:
        log.write(f"{os.getpid()} {doc.session_context.id}\n")

xs = [i / 20 for i in range(200)]
source = ColumnDataSource(data={"x": xs, "y": [0.0] * len(xs)})
freq = Slider(title="Frequency", start=0.1, end=5, step=0.1, value=1, name="freq")
label = Div(text="", name="label")
shape = Select(title="Shape", value="sin", options=["sin", "cos"])
note = TextInput(title="Note", value="")
reset = Button(label="Reset")
chart = figure(title="Signal", height=300, width=600)
chart.line("x", "y", source=source)


def redraw(attr, old, new):
    func = math.sin if shape.value == "sin" else math.cos
    f = freq.value
    source.data = {"x": xs, "y": [func(f * x) for x in xs]}
    label.text = f"frequency {f:.2f}"


def on_reset():
    freq.value = 1


freq.on_change("value", redraw)
shape.on_change("value", redraw)
reset.on_click(on_reset)
doc.title = "Dashboard"
doc.add_root(column(row(freq, reset, shape, note), label, chart))
redraw("value", None, freq.value)
