"""A 1,000,000-point line chart, for bokeh serve (bench/apps/aioserve/chart.py is its twin).

Plain lists, as in the dashboard twin; Bokeh sends every point (it has no
server-side downsampling), so this measures what a Bokeh user gets.
"""

import math

from bokeh.io import curdoc
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, Div, Slider
from bokeh.plotting import figure

N = 1_000_000
xs = [i / 1000 for i in range(N)]
base = [math.sin(i / 20_000) + (i % 7) * 0.01 for i in range(N)]
source = ColumnDataSource(data={"x": xs, "y": base})
freq = Slider(title="Shift", start=0.1, end=5, step=0.1, value=1, name="freq")
label = Div(text="", name="label")
chart = figure(title="A million points", height=300, sizing_mode="stretch_width")
chart.line("x", "y", source=source)


def shift(attr, old, new):
    k = int(new * 10_000)
    source.data = {"x": xs, "y": base[k:] + base[:k]}
    label.text = f"frequency {new:.2f}"


freq.on_change("value", shift)
doc = curdoc()
doc.title = "Chart"
doc.add_root(column(freq, label, chart))
