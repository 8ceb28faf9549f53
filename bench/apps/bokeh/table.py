"""The 1,000,000-row table, for bokeh serve (bench/apps/aioserve/table.py is its twin).

The same rows (table_data.py), the number and time columns as NumPy arrays, as a
Bokeh user with this much data passes them; Bokeh's DataTable (SlickGrid) gets the
whole source in the page and draws the rows in view. "Bump" changes the first
row's name, which bench/measure_table.py times to the screen.
"""

from bokeh.io import curdoc
from bokeh.layouts import column
from bokeh.models import Button, ColumnDataSource, DataTable, DateFormatter, TableColumn
from table_data import as_arrays, rows

source = ColumnDataSource(data=dict(as_arrays(rows())))
bump = Button(label="Bump")
count = [0]


def change():
    count[0] += 1
    source.patch({"name": [(0, f"changed {count[0]}")]})


bump.on_click(change)
columns = [TableColumn(field="n", title="n"), TableColumn(field="name", title="name"),
           TableColumn(field="value", title="value"),
           TableColumn(field="when", title="when",
                       formatter=DateFormatter(format="%Y-%m-%d %H:%M:%S"))]
doc = curdoc()
doc.title = "Table"
doc.add_root(column(bump, DataTable(source=source, columns=columns, height=500,
                                    sizing_mode="stretch_width"),
                    sizing_mode="stretch_width"))
