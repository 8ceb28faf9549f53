"""`Chart`: line, scatter and bar series over columns of a `ColumnDataSource`."""

from __future__ import annotations

from typing import Any

from aioserve.document.model import Widget
from aioserve.document.properties import Bool, Enum, Float, Instance, Nullable, Property, String
from aioserve.models.sources import ColumnDataSource, as_source

KINDS = ("line", "scatter", "bar")


class _SeriesList(Property[list[dict[str, Any]]]):
    type_name = "list[{y, kind, color, label}]"

    def validate(self, value: Any) -> list[dict[str, Any]]:
        if isinstance(value, (str, dict)) or not hasattr(value, "__iter__"):
            raise TypeError(f"expected a list of series, got {value!r:.60}")
        out = []
        for item in value:
            if isinstance(item, str):
                item = {"y": item}
            if not isinstance(item, dict) or not isinstance(item.get("y"), str):
                raise TypeError(f"a series is a column name or a dict with 'y', got {item!r}")
            kind = item.get("kind", "line")
            if kind not in KINDS:
                raise ValueError(f"series kind must be one of {KINDS}, got {kind!r}")
            color, label = item.get("color"), item.get("label")
            if not (color is None or isinstance(color, str)) or not (
                    label is None or isinstance(label, str)):
                raise TypeError("series color and label must be str or None")
            out.append({"y": item["y"], "kind": kind, "color": color, "label": label})
        return out


class Chart(Widget):
    """A chart drawn in the browser from a source's columns.

    >>> source = ColumnDataSource(data={"x": [0, 1, 2], "y": [1, 4, 9]})
    >>> chart = Chart(source=source, x="x", y="y", kind="line", title="Squares")
    >>> chart.series[0]["y"]
    'y'

    Pass `y` and `kind` for one series, or `series=[{"y": ..., "kind": ...,
    "color": ..., "label": ...}, ...]` for several. `x_type="datetime"` reads
    datetimes (sent as epoch milliseconds).
    """

    source = Instance(ColumnDataSource,
                      help="The data (columns, rows or a DataFrame are made into a source)")
    x = String("x", help="The column of x values")
    series = _SeriesList([], help="The series drawn, each {y, kind, color, label}")
    title = String("", help="Shown above the chart")
    x_label = String("", help="The x axis title")
    y_label = String("", help="The y axis title")
    x_type = Enum("linear", "datetime", "category",
                  help="How x values read: numbers, epoch-ms datetimes, or categories")
    legend = Bool(True, help="Show a legend naming the series")
    y_min = Nullable(Float(), help="Bottom of the y axis (None: fit the data)")
    y_max = Nullable(Float(), help="Top of the y axis (None: fit the data)")

    def __init__(self, source: Any = None, *, y: str | None = None, kind: str = "line",
                 color: str | None = None, label: str | None = None, **kwargs: Any) -> None:
        if y is not None:
            kwargs["series"] = [{"y": y, "kind": kind, "color": color, "label": label}]
        source = as_source({} if source is None else source, "Chart.source")
        super().__init__(source=source, **kwargs)
