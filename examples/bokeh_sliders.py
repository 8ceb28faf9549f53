"""Bokeh's sliders example, unchanged in spirit: a Bokeh app served by aioserve.

Four sliders and a title box reshape a sine wave; Reset puts them back. Plain
Bokeh (bokeh.plotting, bokeh.models, bokeh.io.curdoc): aioserve reads the
imports and serves it with its bokeh engine.

Served with: aioserve serve examples/bokeh_sliders.py  (or `make serve`)
Needs Bokeh: pip install 'aioserve[bokeh]' (`make install` has it).
"""

import math

from bokeh.io import curdoc
from bokeh.layouts import column, row
from bokeh.models import Button, ColumnDataSource, Div, HoverTool, Slider, TextInput
from bokeh.plotting import figure

N = 200
xs = [i * 4 * math.pi / (N - 1) for i in range(N)]
source = ColumnDataSource(data={"x": xs, "y": [0.0] * N}, name="wave_source")

plot = figure(height=400, width=400, title="my sine wave", name="wave",
              tools="pan,wheel_zoom,box_zoom,reset,save",
              x_range=(0, 4 * math.pi), y_range=(-2.5, 2.5))
plot.line("x", "y", source=source, line_width=3, line_alpha=0.6)
plot.add_tools(HoverTool(tooltips=[("x", "@x{0.00}"), ("y", "@y{0.00}")], mode="vline"))

text = TextInput(title="title", value="my sine wave", name="title")
offset = Slider(title="offset", value=0.0, start=-5.0, end=5.0, step=0.1, name="offset")
amplitude = Slider(title="amplitude", value=1.0, start=-5.0, end=5.0, step=0.1,
                   name="amplitude")
phase = Slider(title="phase", value=0.0, start=0.0, end=2 * math.pi, step=0.1, name="phase")
freq = Slider(title="frequency", value=1.0, start=0.1, end=5.1, step=0.1, name="freq")
reset = Button(label="Reset", button_type="primary", name="reset")
summary = Div(name="summary")


def update_title(attr, old, new):
    plot.title.text = new


def update_data(attr, old, new):
    a, b, w, k = amplitude.value, offset.value, phase.value, freq.value
    source.data = {"x": xs, "y": [a * math.sin(k * x + w) + b for x in xs]}
    summary.text = f"y = {a:.1f} sin({k:.1f} x + {w:.1f}) + {b:.1f}"


def on_reset():
    for slider, value in ((offset, 0.0), (amplitude, 1.0), (phase, 0.0), (freq, 1.0)):
        slider.value = value  # each change runs update_data through on_change


text.on_change("value", update_title)
for slider in (offset, amplitude, phase, freq):
    slider.on_change("value", update_data)
reset.on_click(on_reset)
update_data("value", None, None)

inputs = column(text, offset, amplitude, phase, freq, reset, summary, width=320)
curdoc().add_root(row(inputs, plot, spacing=24, margin=(16, 16, 16, 16)))
curdoc().title = "Sliders"
