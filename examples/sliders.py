"""Sliders: a slider and a button drive a chart; a clock line updates by itself.

Served with: aioserve serve examples/sliders.py  (or `make serve`)
"""

import math
import time

from aioserve import curdoc
from aioserve.models import Button, Chart, Column, ColumnDataSource, Div, Row, Slider

xs = [i / 20 for i in range(200)]
source = ColumnDataSource(data={"x": xs, "y": [0.0] * len(xs)})
freq = Slider(title="Frequency", start=0.1, end=5, step=0.1, value=1)
label = Div(text="", name="label")
chart = Chart(source=source, x="x", y="y", kind="line")


def redraw(attr, old, new):
    source.data = {"x": xs, "y": [math.sin(new * x) for x in xs]}
    label.text = f"frequency {new:.1f}"


async def reset():                      # coroutines are callbacks too
    freq.value = 1


reset_button = Button(label="Reset")
reset_button.on_click(reset)
freq.on_change("value", redraw)

# A line the server rewrites every second, with no user input at all.
started = time.monotonic()
clock = Div(text="", name="clock")


def tick():
    clock.text = f"session open for {time.monotonic() - started:.0f} s"


doc = curdoc()
doc.title = "Sliders"
doc.add_root(Column(Row(freq, reset_button, label), chart, clock))
redraw("value", None, freq.value)
tick()
doc.add_periodic_callback(tick, 1000)
