"""A live dashboard: readings stream into a table and a chart every second.

Served with: aioserve serve examples/dashboard/  (or `make serve`)
"""

import html
import math
import random

from aioserve import curdoc
from aioserve.models import (
    Button,
    Chart,
    Column,
    ColumnDataSource,
    DataTable,
    Div,
    Row,
    Select,
)

doc = curdoc()
payload = doc.session_context.token_payload  # what app_hooks.process_request returned

greeting = Div(name="greeting", text=(
    f"Hello, {html.escape(payload.get('visitor', 'visitor'))}! "
    f"Page requested at {html.escape(payload.get('greeted_at', '?'))} "
    f"with {html.escape(payload.get('browser', '?'))}."))

source = ColumnDataSource(data={"t": [], "temperature": [], "humidity": []})
table = DataTable(source=source, columns=[
    {"field": "t", "title": "Tick"},
    {"field": "temperature", "title": "Temperature (°C)"},
    {"field": "humidity", "title": "Humidity (%)"},
])
chart = Chart(source=source, x="t", series=[
    {"y": "temperature", "kind": "line", "label": "temperature"},
    {"y": "humidity", "kind": "scatter", "label": "humidity"},
], title="Last 30 readings")
window = Select(title="Keep", options=["10", "30", "60"], value="30")
pause = Button(label="Pause", name="pause")
status = Div(name="status", text="streaming")

state = {"tick": 0, "running": True}


def reading():
    state["tick"] += 1
    t = state["tick"]
    return {"t": [t], "temperature": [round(20 + 5 * math.sin(t / 6) + random.random(), 2)],
            "humidity": [round(50 + 10 * math.cos(t / 9) + random.random(), 2)]}


def stream():
    if state["running"]:
        source.stream(reading(), rollover=int(window.value))  # sends only the new row


def toggle():
    state["running"] = not state["running"]
    pause.label = "Pause" if state["running"] else "Resume"
    status.text = "streaming" if state["running"] else "paused"


def resize(attr, old, new):
    chart.title = f"Last {new} readings"


def goodbye(session_context):
    # Bokeh's per-document hook: runs when this session ends, before app_hooks' one.
    state["running"] = False


pause.on_click(toggle)
window.on_change("value", resize)
doc.on_session_destroyed(goodbye)
for _ in range(5):
    source.stream(reading(), rollover=30)
doc.title = "Dashboard"
doc.add_root(Column(greeting, Row(window, pause, status), chart, table))
doc.add_periodic_callback(stream, 1000)
