"""`ColumnDataSource`: named, equal-length columns shared by tables and charts."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from weakref import ReferenceType, ref

from aioserve.document.binary import BinaryColumn, PackedColumn, binary_column
from aioserve.document.model import Model
from aioserve.document.properties import Int, List, Property
from aioserve.models import arrays
from aioserve.models.arrays import ArrayColumns

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# A source longer than this whose every reader fetches its rows from the server
# (a DataTable, a Chart drawing a downsampled view: `fetches_rows`) keeps its data
# there: the page gets the column names and `revision` only, so a million-row table
# costs the page a window of rows.
PAGE_ROWS_LIMIT = 10_000


def _column(name: str, values: Any) -> Any:
    """A column as the source keeps it: a numpy array of numbers or datetimes as it is
    (arrays.py), anything else as a new list."""
    array = arrays.kept_array(name, values)
    return _as_list(name, values) if array is None else array


def _as_list(name: str, values: Any) -> list[Any]:
    if arrays.is_array(values) and values.ndim == 1:
        values = arrays.python_values(values)  # datetime64[ns] too: datetimes, not ints
    elif hasattr(values, "tolist"):  # other numpy arrays, pandas Series
        values = values.tolist()
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
        raise TypeError(f"column {name!r} must be a list, got {type(values).__name__}")
    return list(values)


def _json_value(value: Any) -> Any:
    """Numbers, text, bools, None as they are; dates as epoch ms; NaN, NaT and
    pandas' NA as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (int, str, bool)):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return (value - _EPOCH).total_seconds() * 1000
    if isinstance(value, dt.date):
        return _json_value(dt.datetime(value.year, value.month, value.day))
    if hasattr(value, "item"):  # numpy scalars
        if type(value).__name__ == "datetime64":  # ns would come out as an int
            value = value.astype("datetime64[us]")
        return _json_value(value.item())
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return _json_value(value.to_pydatetime())
    if type(value).__name__ == "NAType" and type(value).__module__.startswith("pandas"):
        return None  # pd.NA, the gap in a nullable column (Int64, boolean, string): empty
    raise TypeError(f"cannot send a {type(value).__name__} value to the browser")


def missing(value: Any) -> bool:
    """Whether `value` is an empty cell: None, NaN, or pandas' NaT or NA."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    kind = type(value)
    return kind.__name__ in ("NAType", "NaTType") and kind.__module__.startswith("pandas")


_INTS = frozenset((int,))
_NUMBERS = frozenset((int, float))


def column_json(values: list[Any]) -> list[Any]:
    """A new list of the column's values as JSON carries them (`_json_value`)."""
    if type(values) is not list and arrays.is_array(values):
        values = arrays.python_values(values)
    # Most columns hold plain numbers: checked at C speed, they go as they are.
    kinds = set(map(type, values))
    if kinds <= _INTS or kinds <= _NUMBERS and _all_finite(values):
        return list(values)
    return [_json_value(v) for v in values]


def column_wire(values: list[Any]) -> list[Any] | PackedColumn:
    """`column_json(values)`, as a binary column when it is numbers (docs/protocol.md);
    a numpy array is packed from its own bytes, as equal lists would be."""
    if type(values) is not list and arrays.is_array(values):
        packed = arrays.packed_column(values)
        return column_wire(arrays.python_values(values)) if packed is None else packed
    kinds = set(map(type, values))
    if kinds <= _INTS or kinds <= _NUMBERS and _all_finite(values):
        # Plain numbers, as `column_json` would give them: copied once, not twice.
        wire = binary_column(values, kinds)
        return list(values) if wire is values else wire
    return binary_column([_json_value(v) for v in values])


def _all_finite(values: list[float | int]) -> bool:
    try:
        # A finite sum has only finite terms (an inf or a NaN makes it inf or NaN),
        # and sum() is faster than isfinite per value; only an overflowing sum of
        # finite values needs the second look.
        return math.isfinite(sum(values)) or all(map(math.isfinite, values))
    except OverflowError:  # an int too large for a float; `_json_value` keeps it
        return False


def _column_type(values: list[Any]) -> str | None:
    """"datetime" or "date" when the column's first value (None skipped) is one,
    since both are sent as epoch ms and the page cannot tell them from numbers."""
    first = next((v for v in values if v is not None), None)
    if isinstance(first, dt.datetime) or hasattr(first, "to_pydatetime"):
        return "datetime"
    return "date" if isinstance(first, dt.date) else None


def column_types(data: Mapping[str, list[Any]]) -> dict[str, str]:
    """The columns of `data` that hold dates or datetimes, and which."""
    if type(data) is ArrayColumns:
        return {name: kind for name, values in data.items() if (kind := (
            _column_type(values) if type(values) is list else arrays.column_kind(values)))}
    return {name: kind for name, values in data.items()
            if not (values and type(values[0]) in _NUMBERS)  # the usual case, told at once
            and (kind := _column_type(values)) is not None}


def _check_columns(data: Mapping[str, Any]) -> dict[str, list[Any]]:
    # Plain dicts and lists (the usual case) are told by their exact type, which
    # costs far less than an isinstance check against the abstract Mapping/Sequence.
    if type(data) is not dict and not isinstance(data, Mapping):
        raise TypeError(f"expected a dict of columns, got {type(data).__name__}")
    columns: dict[str, list[Any]] = {}
    arrays_kept = False
    for name, values in data.items():
        if type(name) is not str:
            raise TypeError(f"column names must be str, got {name!r}")
        if type(values) is list:
            columns[name] = values.copy()
        else:
            columns[name] = column = _column(name, values)
            arrays_kept = arrays_kept or type(column) is not list
    if arrays_kept:  # only numpy data makes one: a plain dict of lists stays plain
        columns = ArrayColumns(columns)
    if len(columns) > 1 and len(set(map(len, columns.values()))) > 1:
        sizes = ", ".join(f"{k}={len(v)}" for k, v in columns.items())
        raise ValueError(f"columns must have equal lengths ({sizes})")
    return columns


class _Columns(Property[dict[str, list[Any]]]):
    type_name = "dict[str, list | numpy array]"

    def validate(self, value: Any) -> dict[str, list[Any]]:
        if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a pandas DataFrame
            value = {str(c): value[c] for c in value.columns}  # Series: kept as arrays
        return _check_columns(value)

    def to_json(self, value: dict[str, list[Any]]) -> Any:
        return {name: column_wire(values) for name, values in value.items()}


class _ColumnTypes(Property[dict[str, str]]):
    type_name = "dict[str, 'datetime' | 'date']"

    def __set__(self, obj: Model, value: dict[str, str]) -> None:
        raise TypeError(f"{type(obj).__name__}.{self.name}: read-only, worked out from data "
                        "(to show numbers as dates, give a DataTable column a format)")


class _Revision(Property[int]):
    type_name = "int"

    def __set__(self, obj: Model, value: int) -> None:
        raise TypeError(f"{type(obj).__name__}.{self.name}: read-only, counted by the source")


class SourceWatcher(Protocol):
    """A chart that draws a downsampled view of a source (charts.py)."""

    def _source_changed(self) -> None: ...


class ColumnDataSource(Model):
    """Columns of data. Charts and tables on the same source follow it.

    >>> source = ColumnDataSource(data={"x": [1, 2], "y": [3, 4]})
    >>> source.stream({"x": [3], "y": [5]}, rollover=2)
    >>> source.data
    {'x': [2, 3], 'y': [4, 5]}

    `stream` and `patch` send only what changed to the browser. Assign a new
    dict to `data` to replace everything; changing a column list in place is
    not seen. Dates and datetimes travel as epoch milliseconds (UTC);
    `column_types` tells the page which columns held them.

    A 1-D numpy array of numbers or datetime64 (or such a pandas Series or
    DataFrame column) is kept as an array, not copied: `source.data["y"]` is a
    read-only view of the array given (equal values, same memory), and goes to
    the page as its bytes. Lists are copied and stay lists. `stream` and
    `patch` make a new array (a list, for values numpy cannot hold with the
    column's); the app's array is never written.

    A source of more than 10,000 rows that only tables read stays on the
    server: tables fetch the rows they show, so the page never holds the data.
    """

    data = _Columns({}, help="Named columns of equal length")
    selected = List(Int(low=0), settable=True, help="Indices of the selected rows")
    column_types = _ColumnTypes({}, help="Read-only, worked out from data: the columns that "
                                "hold dates ('date') or datetimes ('datetime')")
    revision = _Revision(0, help="Read-only: goes up by one with every change of the data "
                         "(assignment, stream, patch); tables refetch their rows on it")

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        self._held = False  # whether the page went without the data (PAGE_ROWS_LIMIT)
        self._last_wire: dict[str, BinaryColumn] = {}  # property_json's last conversions
        if data is not None:
            kwargs["data"] = data
        super().__init__(**kwargs)

    def _set_property(self, name: str, value: Any) -> None:
        super()._set_property(name, value)
        if name == "data":
            self._update_column_types()
            self._data_changed()

    def _data_changed(self) -> None:
        super()._set_property("revision", self._values["revision"] + 1)
        for watcher_ref in self._watchers:
            watcher = watcher_ref()
            if watcher is not None:
                watcher._source_changed()

    # Charts told of every change of the rows, to downsample them again. Weak: a
    # chart dropped by the app must not live on through its source.
    _watchers: tuple[ReferenceType[SourceWatcher], ...] = ()

    def _watch(self, watcher: SourceWatcher) -> None:
        live = tuple(r for r in self._watchers if r() is not None and r() is not watcher)
        self._watchers = (*live, ref(watcher))

    def _unwatch(self, watcher: SourceWatcher) -> None:
        self._watchers = tuple(r for r in self._watchers if r() not in (None, watcher))

    def keeps_data(self) -> bool:
        """Whether the page goes without this source's data: it is longer than
        PAGE_ROWS_LIMIT and only models that fetch their rows (tables) read it."""
        doc = self._document
        if doc is None or self.length <= PAGE_ROWS_LIMIT:
            return False
        readers = [m for m in doc.models if m is not self and self in m.references()]
        return bool(readers) and all(getattr(m, "fetches_rows", False) for m in readers)

    def to_json(self) -> dict[str, Any]:
        self._held = self.keeps_data()
        if not self._held:
            return super().to_json()
        props = dict(self._values)
        props["data"] = {name: [] for name in self.data}
        for name, prop in self.__json_props__:
            if name != "data":
                props[name] = prop.to_json(props[name])
        return {"type": type(self).__name__, "props": props}

    def property_json(self, name: str, value: Any) -> Any:
        if name != "data":
            return super().property_json(name, value)
        self._held = self.keeps_data()
        if self._held:
            return {n: [] for n in value}
        # A column equal to the one converted last time (a chart's x given again with
        # a new y, the usual slider callback) reuses that conversion and its packed
        # frame: equal values, equal wire form. Only the last ones are kept.
        last, self._last_wire = self._last_wire, {}
        wire: dict[str, Any] = {}
        if type(value) is ArrayColumns:  # numpy arrays: packed at C speed, not kept
            last = {n: c for n, c in last.items() if type(value.get(n)) is list}
        for column, values in value.items():
            previous = last.get(column)
            converted = previous if previous is not None and previous == values else (
                column_wire(values))
            wire[column] = converted
            if isinstance(converted, BinaryColumn):
                self._last_wire[column] = converted
        return wire

    def readers_changed(self) -> None:
        """A model that reads the data in the page now refers to a source the page was
        sent without data: send it."""
        if self._held and not self.keeps_data():
            self._held = False
            self._emit({"kind": "set", "model": self.id, "attr": "data",
                        "value": _Columns().to_json(self.data)})

    def _emit_rows(self, event: dict[str, Any]) -> None:
        """Send a stream / patch event, unless the page goes without the data (or
        the whole data when the page went without it and needs it again)."""
        held = self.keeps_data()
        if not held:
            self._emit(event if not self._held else {
                "kind": "set", "model": self.id, "attr": "data",
                "value": _Columns().to_json(self.data)})
        self._held = held

    def _update_column_types(self) -> None:
        # Sent after the data it describes; a set only when it changed.
        super()._set_property("column_types", column_types(self._values["data"]))

    @property
    def length(self) -> int:
        return len(next(iter(self._values["data"].values()), ()))

    def validate_client(self, attr: str, value: Any) -> None:
        if any(i >= self.length for i in value):
            raise ValueError(f"ColumnDataSource.selected: {value!r:.60} has an index out of "
                             f"range ({self.length} rows)")

    def stream(self, new_data: Mapping[str, Any], rollover: int | None = None) -> None:
        """Append rows; keep only the last `rollover` rows when given."""
        self._check_thread()
        rows = _check_columns(new_data)
        if set(rows) != set(self.data):
            raise ValueError(f"stream: columns {sorted(rows)} differ from the source's "
                             f"{sorted(self.data)}")
        if rollover is not None and (isinstance(rollover, bool) or not isinstance(
                rollover, int) or rollover <= 0):
            raise ValueError(f"stream: rollover must be a positive int, got {rollover!r}")
        # Everything is checked (the JSON too) before the data changes, so a refused
        # stream leaves the source as it was.
        event = {"kind": "stream", "model": self.id,
                 "data": {n: column_wire(v) for n, v in rows.items()}, "rollover": rollover}
        added = len(next(iter(rows.values()), []))
        dropped = 0 if rollover is None else max(0, self.length + added - rollover)
        for name, values in rows.items():
            self._extend(name, values, dropped)
        self._emit_rows(event)
        self._update_column_types()
        self._data_changed()
        if dropped and self.selected:
            # Indices follow their rows; rows that rolled off are no longer selected. A
            # plain set, so callbacks on `selected` run and every page gets the same list.
            self.selected = [i - dropped for i in self.selected if i >= dropped]

    def _extend(self, name: str, values: Any, dropped: int) -> None:
        data = self._values["data"]
        column = data[name]
        if type(column) is not list:  # a numpy array: a new one (arrays.py)
            joined = arrays.extended(column, values, dropped)
            if joined is not None:
                data[name] = joined
                return
            column = data[name] = arrays.python_values(column)  # values it cannot hold
        column.extend(values if type(values) is list else _as_list(name, values))
        if dropped:
            del column[:dropped]

    def patch(self, patches: Mapping[str, Sequence[tuple[int | slice, Any]]]) -> None:
        """Replace cells: `source.patch({"y": [(0, 10.5), (slice(2, 4), [1, 2])]})`."""
        self._check_thread()
        changes: dict[str, list[tuple[int, Any]]] = {}
        for name, edits in patches.items():
            if name not in self.data:
                raise ValueError(f"patch: no column {name!r}")
            column = self.data[name]
            cells: list[tuple[int, Any]] = []
            changes[name] = cells
            for where, value in edits:
                if isinstance(where, slice):
                    indices = range(*where.indices(len(column)))
                    values = _as_list(name, value)
                    if len(values) != len(indices):
                        raise ValueError(f"patch: {len(values)} values for {len(indices)} cells")
                    cells.extend(zip(indices, values, strict=True))
                elif isinstance(where, int) and not isinstance(where, bool) and (
                        0 <= where < len(column)):
                    cells.append((where, value))
                else:
                    raise ValueError(f"patch: index {where!r} out of range for column {name!r}")
        event = {"kind": "patch", "model": self.id, "patches": {
            n: [[i, _json_value(v)] for i, v in cells] for n, cells in changes.items()}}
        for name, cells in changes.items():
            column = self.data[name]
            if type(column) is not list:  # a numpy array: patched in a copy (arrays.py)
                column = arrays.patched(column, cells)
                if column is not None:
                    self.data[name] = column
                    continue
                column = self.data[name] = arrays.python_values(self.data[name])
            for index, value in cells:
                column[index] = value
        self._emit_rows(event)
        self._update_column_types()
        self._data_changed()

    def _check_thread(self) -> None:
        if self._document is not None:
            self._document._check_thread()

    def _emit(self, event: dict[str, Any]) -> None:
        if self._document is not None:
            self._document._emit(event)


def as_source(data: Any, owner: str = "source") -> ColumnDataSource:
    """A source from a source, a dict of columns, a DataFrame or a list of row dicts.

    Errors name `owner` (e.g. "DataTable.source"), the property the app set.
    """
    if isinstance(data, ColumnDataSource):
        return data
    try:
        if isinstance(data, list):
            if not all(isinstance(row, Mapping) for row in data):
                raise TypeError("a list given as a source must hold one dict per row")
            names = list(dict.fromkeys(k for row in data for k in row))
            data = {n: [row.get(n) for row in data] for n in names}
        elif not isinstance(data, Mapping) and not hasattr(data, "columns"):
            raise TypeError("expected a ColumnDataSource, a dict of columns, a list of row "
                            f"dicts or a pandas DataFrame, got {type(data).__name__}")
        columns = _Columns().validate(data)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{owner}: {exc}") from None
    return ColumnDataSource(data=columns)
