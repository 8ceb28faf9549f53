"""A 1,000,000-point line chart, for aioserve (bench/apps/bokeh/chart.py is its twin).

Moving the slider rotates the signal: the whole y column is replaced, as an app
that reloads its data does. The variants are slices of one list, so the app's
own work per update stays small and the measure is the server's.
BENCH_CHART_KIND=scatter draws the same points as a scatter (thinned by cells,
not min/max; aioserve only).
"""

import math
import os

from aioserve import curdoc
from aioserve.models import Chart, Column, ColumnDataSource, Div, Slider

N = 1_000_000
xs = [i / 1000 for i in range(N)]
base = [math.sin(i / 20_000) + (i % 7) * 0.01 for i in range(N)]
source = ColumnDataSource(data={"x": xs, "y": base})
freq = Slider(title="Shift", start=0.1, end=5, step=0.1, value=1, name="freq")
label = Div(text="", name="label")
chart = Chart(source=source, x="x", y="y", kind=os.environ.get("BENCH_CHART_KIND", "line"),
              title="A million points", name="chart")


def shift(attr, old, new):
    k = int(new * 10_000)
    source.data = {"x": xs, "y": base[k:] + base[:k]}
    label.text = f"frequency {new:.2f}"


freq.on_change("value", shift)
doc = curdoc()
doc.title = "Chart"
doc.add_root(Column(freq, label, chart))
