"""The 1,000,000-row table, for aioserve (bench/apps/bokeh/table.py is its twin).

BENCH_TABLE_ROWS rows (default 1,000,000) of int, text, float and datetime
columns, loaded once per process (table_data.py); "Bump" changes the first row's
name, which bench/measure_table.py times to the screen. The number and time
columns are NumPy arrays, as for Bokeh, which the source keeps as they are
(plain lists where numpy is not installed).
"""

from importlib.util import find_spec

from table_data import as_arrays, as_lists, rows

from aioserve import curdoc
from aioserve.models import Button, Column, ColumnDataSource, DataTable

source = ColumnDataSource(data=dict(as_arrays(rows()) if find_spec("numpy") else as_lists(rows())))
bump = Button(label="Bump")
count = [0]


def change():
    count[0] += 1
    source.patch({"name": [(0, f"changed {count[0]}")]})


bump.on_click(change)
doc = curdoc()
doc.title = "Table"
doc.add_root(Column(bump, DataTable(source=source, height=500, filterable=True)))
