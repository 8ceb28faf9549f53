"""The dashboard app, for aioserve (bench/apps/bokeh/dashboard.py is its twin).

Slider, Button, Select, TextInput, a Div computed from the slider and a line
chart of 200 points recomputed whenever the slider moves.
"""

import math
import os

from aioserve import curdoc
from aioserve.models import (
    Button,
    Chart,
    Column,
    ColumnDataSource,
    Div,
    Row,
    Select,
    Slider,
    TextInput,
)

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
chart = Chart(source=source, x="x", y="y", kind="line", title="Signal")


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
doc.add_root(Column(Row(freq, reset, shape, note), label, chart))
redraw("value", None, freq.value)
