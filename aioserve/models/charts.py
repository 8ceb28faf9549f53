"""`Chart`: line, scatter and bar series over columns of a `ColumnDataSource`.

A chart zooms and pans in the browser; the visible range is the chart's
`x_range` / `y_range`, so Python reads, sets and watches it. A long series is
downsampled on the server (downsample.py), recomputed on zoom: lines and bars
send at most two points per pixel column (its extremes), scatters a point per
occupied marker-sized cell and each cell column's extremes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from aioserve.document.binary import binary_column
from aioserve.document.model import Model, Widget
from aioserve.document.properties import (
    Bool,
    Enum,
    Float,
    Instance,
    Int,
    Nullable,
    Property,
    String,
)
from aioserve.models import arrays
from aioserve.models.downsample import (
    index_minmax_rows,
    is_clean,
    minmax_rows,
    point_rows,
    visible_rows,
)
from aioserve.models.sources import PAGE_ROWS_LIMIT, ColumnDataSource, as_source, column_json

KINDS = ("line", "scatter", "bar")
DOWNSAMPLE_ABOVE = PAGE_ROWS_LIMIT  # rows; "auto" leaves shorter sources as they are
DEFAULT_PIXELS = 1_200  # buckets until the page has reported the plot's width
DEFAULT_HEIGHT = 300  # px, as the page draws a chart without a height (chart_layout.js)
CELL_PX = 6  # a scatter keeps a point per cell this size: its markers are 7 px across
MAX_ZOOM_OUT = 1_000  # a range may reach this many data widths beyond the data
_PRECISION = 1e-12  # a narrower range than this (relative) is below float precision


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


class _Range(Property[list[float]]):
    """A visible range [start, end]: finite, start < end, wider than float precision."""

    type_name = "[start, end]"

    def validate(self, value: Any) -> list[float]:
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__") or len(
                value) != 2:
            raise TypeError(f"expected a [start, end] pair, got {value!r:.60}")
        start, end = (Float().validate(v) for v in value)
        if not start < end:
            raise ValueError(f"start {start!r} is not below end {end!r}")
        if not math.isfinite(end - start):
            raise ValueError(f"[{start!r}, {end!r}] is too wide")
        if end - start <= _PRECISION * max(abs(start), abs(end)):
            raise ValueError(f"[{start!r}, {end!r}] is narrower than a float can tell apart")
        return [start, end]


class _View(Property[dict[str, Any] | None]):
    """What the page draws of a downsampled chart; the server sets it."""

    type_name = "dict | None (read-only)"

    def to_json(self, value: dict[str, Any] | None) -> Any:
        """Its columns of numbers as binary frames, as a source's (docs/protocol.md)."""
        if value is None:
            return None
        data = {name: binary_column(column) for name, column in value["data"].items()}
        return {**value, "data": data}

    def __set__(self, obj: Model, value: Any) -> None:
        raise TypeError(f"{type(obj).__name__}.{self.name}: read-only, worked out from the "
                        "source, x_range and the plot's width")


class Chart(Widget):
    """A chart drawn in the browser from a source's columns.

    >>> source = ColumnDataSource(data={"x": [0, 1, 2], "y": [1, 4, 9]})
    >>> chart = Chart(source=source, x="x", y="y", kind="line", title="Squares")
    >>> chart.series[0]["y"]
    'y'

    Pass `y` and `kind` for one series, or `series=[{"y": ..., "kind": ...,
    "color": ..., "label": ...}, ...]` for several. `x_type="datetime"` reads
    datetimes (sent as epoch milliseconds). `x` and every series' `y` must name
    columns of the source (a source with no columns yet is filled later).

    The user zooms with the wheel (or a two-finger pinch), drags to pan,
    shift-drags (or picks the box tool) to zoom to a box, and double-clicks (or
    presses Reset) to go back;
    `x_range` and `y_range` follow, and setting them from Python zooms the page:

    >>> chart.on_change("x_range", lambda attr, old, new: print(new))
    >>> chart.x_range = [0.5, 1.5]
    >>> chart.x_range = None  # back to fitting the data

    A chart fills its container's width (`sizing_mode="stretch_width"`) unless
    it is given a `width` (then it is `"fixed"`, as in Bokeh). Charts of more than
    10,000 rows are downsampled on the server (`downsample`): lines and bars keep each
    pixel column's lowest and highest point; a scatter keeps one point per occupied
    6 px cell and each cell column's extremes, so its cloud keeps its shape.
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
    sizing_mode = Nullable(
        Enum("fixed", "stretch_width", "stretch_height", "stretch_both"),
        default="stretch_width",
        help="'stretch_width' (default): as wide as its container; 'fixed': `width` pixels")
    zoom = Bool(True, help="Let the user zoom and pan (wheel, pinch, drag, box, toolbar)")
    x_range = Nullable(_Range(), settable=True,
                       help="The visible x range [start, end], set by zooming and panning "
                            "(None: fit the data). Datetimes in epoch ms")
    y_range = Nullable(_Range(), settable=True,
                       help="The visible y range [start, end] (None: fit the visible data)")
    downsample = Enum("auto", "minmax", "none",
                      help="'auto': over 10,000 rows, lines and bars keep each pixel column's "
                           "min and max, scatters a point per occupied 6 px cell; "
                           "'minmax': min/max for every kind, always; 'none': send every row")
    inner_width = Int(0, low=0, high=100_000, settable=True,
                      help="The plot area's width in pixels, as the page reports it (0: not "
                           "yet); downsampling keeps two points per pixel")
    view = _View(None, help="Read-only: the downsampled rows the page draws (None: the "
                            "page draws the source itself)")

    def __init__(self, source: Any = None, *, y: str | None = None, kind: str = "line",
                 color: str | None = None, label: str | None = None, **kwargs: Any) -> None:
        if y is not None:
            kwargs["series"] = [{"y": y, "kind": kind, "color": color, "label": label}]
        if kwargs.get("width") is not None and "sizing_mode" not in kwargs:
            kwargs["sizing_mode"] = "fixed"  # a width given is the width wanted, as in Bokeh
        source = as_source({} if source is None else source, "Chart.source")
        self._cache: _Columns | None = None
        self._previous: _Columns | None = None  # what a new y column can reuse of its x
        super().__init__(source=source, **kwargs)

    # ---- checks shared by Python and the browser

    def _check_model(self, given: Iterable[str]) -> None:
        self._check_columns(self.source, self.x, self.series)
        super()._check_model(given)
        self._watch(self.source)
        self._refresh_view()

    def _check_columns(self, source: ColumnDataSource, x: str,
                       series: list[dict[str, Any]]) -> None:
        names = source.data
        if not names:
            return  # a source without columns yet: the app fills it later
        for prop, column in [("x", x)] + [("series", s["y"]) for s in series]:
            if column not in names:
                raise ValueError(f"Chart.{prop}: no column {column!r} in the source (it has: "
                                 f"{', '.join(map(repr, names))})")

    def validate_client(self, attr: str, value: Any) -> None:
        if value is None or attr not in ("x_range", "y_range"):
            return
        if attr == "x_range" and self.x_type == "category":
            raise ValueError("Chart.x_range: a category axis does not zoom")
        extent = self._columns().x_extent if attr == "x_range" else None
        if extent is None:
            return
        lo, hi = extent
        reach = MAX_ZOOM_OUT * max(hi - lo, abs(hi) * 1e-9, 1e-300)
        if value[0] < lo - reach or value[1] > hi + reach:
            raise ValueError(f"Chart.x_range: {value!r} is more than {MAX_ZOOM_OUT} data "
                             f"widths beyond the data ([{lo!r}, {hi!r}])")

    def _set_property(self, name: str, value: Any) -> None:
        if self._building:  # the constructor checks everything once at the end
            super()._set_property(name, value)
            return
        if name in ("x", "series", "source"):
            self._check_columns(value if name == "source" else self.source,
                                value if name == "x" else self.x,
                                value if name == "series" else self.series)
        old_source = self.source if name == "source" else None
        super()._set_property(name, value)
        if old_source is not None and old_source is not value:
            old_source._unwatch(self)
            self._watch(value)
        if name in ("source", "x", "series", "x_type", "downsample"):
            self._source_changed()
        elif name in ("x_range", "inner_width") or (
                name in ("y_range", "height") and self._point_names()):
            self._refresh_view()

    # ---- downsampling

    def _watch(self, source: ColumnDataSource) -> None:
        if self.downsample != "none" or self.view is not None:
            source._watch(self)

    @property
    def fetches_rows(self) -> bool:
        """True while the page draws `view`: it needs none of the source's rows, so a
        long source keeps them on the server (sources.py)."""
        return self.downsamples()

    def downsamples(self) -> bool:
        """Whether the page draws a downsampled view rather than the source itself."""
        values = self._values  # read on every change of the source: no descriptor calls
        downsample = values["downsample"]
        if downsample == "none" or values["x_type"] == "category" or not values["series"]:
            return False
        return bool(downsample == "minmax" or values["source"].length > DOWNSAMPLE_ABOVE)

    def _point_names(self) -> set[str]:
        """The columns drawn as scatter markers that "auto" thins by cells, not min/max."""
        if self.downsample != "auto":
            return set()
        return {s["y"] for s in self.series if s["kind"] == "scatter"}

    def _source_changed(self) -> None:
        """The source's rows (or which columns are read) changed."""
        # Kept only to be reused at once (_refresh_view), never holding old rows for long.
        downsamples = self.downsamples()
        self._previous = self._cache if downsamples else None
        self._cache = None
        self._refresh_view(downsamples)

    def _columns(self) -> _Columns:
        if self._cache is None:
            self._cache = _Columns(self.source, self.x, [s["y"] for s in self.series],
                                   previous=self._previous)
            self._previous = None
        return self._cache

    def _refresh_view(self, downsamples: bool | None = None) -> None:
        if not (self.downsamples() if downsamples is None else downsamples):
            if self._values["view"] is not None:
                super()._set_property("view", None)
                self.source.readers_changed()  # the page draws the source again: send its rows
            return
        pixels = self.inner_width or DEFAULT_PIXELS
        points = self._point_names()
        minmax = {s["y"] for s in self.series if s["y"] not in points or s["kind"] != "scatter"}
        cells = (max(1, pixels // CELL_PX), max(1, (self.height or DEFAULT_HEIGHT) // CELL_PX))
        super()._set_property("view", self._columns().view(
            self.x_range, pixels, minmax=minmax, points=points, cells=cells,
            y_range=self.y_range))


class _Columns:
    """A chart's columns as sent (datetimes as epoch ms), with what downsampling
    needs to know about them; made again whenever the source changes."""

    xs: list[Any]
    x_clean: bool
    sorted: bool
    x_extent: tuple[float, float] | None

    def __init__(self, source: ColumnDataSource, x: str, ys: list[str], *,
                 previous: _Columns | None = None) -> None:
        data = source.data
        self.rows = source.length
        self.x_name, self.y_names = x, list(dict.fromkeys(ys))
        raw_x = data.get(x, [])
        prepared = [_prepared(data.get(y, [])) for y in self.y_names]
        self.ys = [column for column, _ in prepared]
        self.clean = [clean for _, clean in prepared]
        if (previous is not None and previous.x_name == x and previous.x_clean
                and type(raw_x) is list and raw_x is not previous.xs and raw_x == previous.xs):
            # The same x values in a new list (the app replaced y): what was worked
            # out about them holds. Not the same list: that may have changed in place.
            self.xs, self.x_clean = raw_x, True
            self.sorted, self.x_extent = previous.sorted, previous.x_extent
            return
        self.xs, self.x_clean = _prepared(raw_x)
        x_clean = self.x_clean
        if type(self.xs) is not list:  # a numpy column, as floats (arrays.as_floats)
            self.sorted = x_clean and arrays.is_ascending(self.xs)
            finite = self.xs[self.xs == self.xs]  # NaN: not equal to itself
            self.x_extent = (float(finite.min()), float(finite.max())) if len(finite) else None
            return
        self.sorted = x_clean and self.xs == sorted(self.xs)  # timsort: one run, linear
        finite = self.xs if x_clean else [
            v for v in self.xs if isinstance(v, (int, float)) and math.isfinite(v)]
        if not finite:
            self.x_extent = None
        elif self.sorted:
            self.x_extent = (finite[0], finite[-1])
        else:
            self.x_extent = (min(finite), max(finite))

    def view(self, x_range: list[float] | None, pixels: int, *, minmax: set[str],
             points: set[str], cells: tuple[int, int],
             y_range: list[float] | None) -> dict[str, Any]:
        """The rows drawn: per pixel column the extremes of the `minmax` columns (lines,
        bars), and for `points` (scatter) a point per occupied cell plus extremes."""
        extent = self.x_extent
        lo, hi = x_range if x_range is not None else (extent or (0.0, 1.0))
        lines = [k for k, name in enumerate(self.y_names) if name in minmax]
        marks = [k for k, name in enumerate(self.y_names) if name in points]
        keep: set[int] = set()
        visible: range | list[int]
        if self.sorted:
            visible = range(*visible_rows(self.xs, lo, hi))
            if lines:
                keep.update(minmax_rows(self.xs, [self.ys[k] for k in lines], lo, hi, pixels,
                                        clean=[self.clean[k] for k in lines]))
        elif type(self.xs) is not list:
            visible = arrays.rows_between(self.xs, lo, hi)
            if lines:  # row by row in Python: as lists, not numpy scalars
                keep.update(index_minmax_rows([_as_list(self.ys[k]) for k in lines], visible,
                                              pixels))
        else:
            visible = [i for i, v in enumerate(self.xs)
                       if isinstance(v, (int, float)) and lo <= v <= hi]
            if lines:
                keep.update(index_minmax_rows([self.ys[k] for k in lines], visible, pixels))
        if marks:
            bounds = (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)  # one x value: as the page
            keep.update(point_rows(self.xs, [self.ys[k] for k in marks], visible, bounds,
                                   (y_range[0], y_range[1]) if y_range else None, cells,
                                   clean=[self.clean[k] for k in marks]))
        rows = sorted(keep)
        data = {self.x_name: _values_at(self.xs, rows)}
        for name, column in zip(self.y_names, self.ys, strict=True):
            data[name] = _values_at(column, rows)
        return {"data": data, "rows": self.rows, "x_extent": list(extent) if extent else None}


def _values_at(column: Any, rows: list[int]) -> list[Any]:
    if type(column) is list:
        return [column[i] for i in rows]
    return arrays.values_at(column, rows)


def _as_list(column: Any) -> list[Any]:
    return column if type(column) is list else arrays.values_at(column, range(len(column)))


def _prepared(values: Any) -> tuple[Any, bool]:
    """The column as the page reads it, and whether it holds only finite numbers.

    A column of plain finite numbers is used as it is (only read, never changed):
    copying and checking 1,000,000 values again would double the cost of an update.
    A numpy column becomes a float64 array (arrays.as_floats; no copy when it is one).
    """
    if type(values) is not list:
        return arrays.as_floats(values)
    if set(map(type, values)) <= {int, float}:
        try:
            if all(map(math.isfinite, values)):
                return values, True
        except OverflowError:  # an int too large for a float
            pass
    column = column_json(values)
    return column, is_clean(column)
