"""Numpy columns: what a `ColumnDataSource` does with the arrays an app gives it.

A 1-D array of numbers or datetime64 (or a pandas Series of one) is kept as it is,
as Bokeh keeps it: 8 bytes a cell, not a Python object. numpy is not a dependency
of aioserve and nothing here imports it: an array can only reach these functions
when the app has imported numpy, so they take it from `sys.modules`.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any

from aioserve.document.binary import BINARY_MIN_LENGTH, PackedColumn

KEPT_KINDS = "iufM"  # ints, unsigned ints, floats, datetime64; others become lists
_DATE_UNITS = ("Y", "M", "W", "D")  # datetime64 units that hold dates, as dt.date does
_INT32 = (-(2**31), 2**31 - 1)
_EXACT = 2**53  # integers a float64 holds exactly


def _numpy() -> Any:
    return sys.modules["numpy"]


def is_array(values: Any) -> bool:
    """Whether `values` is a plain numpy array (not a subclass such as a masked array)."""
    np = sys.modules.get("numpy")
    return np is not None and type(values) is np.ndarray


def kept_array(name: str, values: Any) -> Any:
    """A read-only view of `values` when it is a 1-D numpy array (or a pandas Series)
    of numbers or datetime64; None for anything else (it becomes a list).

    A view, not a copy: the source shares the app's memory, as in Bokeh. Read-only,
    so `source.data["y"][0] = 1` fails rather than change what the page never sees.
    """
    np = sys.modules.get("numpy")
    if np is None:
        return None
    if type(values) is not np.ndarray:
        # A pandas Series (or Index) of a numpy dtype; extension dtypes (nullable
        # ints, categories, time zones) hold Python objects: they become lists.
        if not isinstance(getattr(values, "dtype", None), np.dtype) or not hasattr(
                values, "to_numpy"):
            return None
        values = values.to_numpy()
        if type(values) is not np.ndarray:
            return None
    if values.ndim != 1:
        raise TypeError(f"column {name!r} must be a list or a 1-D array, got an array "
                        f"of shape {values.shape}")
    if values.dtype.kind not in KEPT_KINDS:
        return None
    view = values.view()
    view.flags.writeable = False
    return view


def _date_unit(values: Any) -> bool:
    return str(_numpy().datetime_data(values.dtype)[0]) in _DATE_UNITS


def python_values(values: Any) -> list[Any]:
    """The values as an equal list holds them: Python numbers, datetimes (dates for a
    day unit), None for NaT."""
    if values.dtype.kind == "M":
        values = values.astype("datetime64[D]" if _date_unit(values) else "datetime64[us]")
    result: list[Any] = values.tolist()
    return result


def column_kind(values: Any) -> str | None:
    """"datetime" or "date" for a datetime64 array (a day unit or coarser: dates)."""
    if values.dtype.kind != "M":
        return None
    return "date" if _date_unit(values) else "datetime"


def epoch_ms(values: Any) -> Any:
    """A datetime64 array as float64 epoch milliseconds (naive: UTC, as datetimes
    are), NaT as NaN; as Bokeh converts them."""
    np = _numpy()
    micros = values.astype("datetime64[us]")
    result = micros.view(np.int64) / 1000.0
    result[np.isnat(micros)] = np.nan
    return result


def packed_column(values: Any) -> PackedColumn | None:
    """The array as the binary frame a list of equal values would go as (float64
    with NaN for empty cells, int32, datetimes in epoch ms); None when it should
    go as JSON: shorter than a frame is worth, or integers a float64 would round."""
    if len(values) < BINARY_MIN_LENGTH:
        return None
    np = _numpy()
    kind = values.dtype.kind
    if kind in "iu":
        low, high = int(values.min()), int(values.max())
        if _INT32[0] <= low and high <= _INT32[1]:
            return PackedColumn("int32", len(values), values.astype("<i4").tobytes())
        if low < -_EXACT or high > _EXACT:
            return None
        return PackedColumn("float64", len(values), values.astype("<f8").tobytes())
    floats = epoch_ms(values) if kind == "M" else values.astype("<f8", copy=False)
    finite = np.isfinite(floats)
    if not finite.all():  # inf goes as an empty cell, as `_json_value` sends it
        floats = np.where(finite, floats, np.nan)
    return PackedColumn("float64", len(values), floats.astype("<f8", copy=False).tobytes())


def same_column(old: Any, new: Any) -> bool:
    """Equal columns: equal lists, or arrays of one dtype with equal values."""
    if type(old) is list or type(new) is list:
        return type(old) is type(new) and bool(old == new)
    return old is new or (old.dtype == new.dtype and old.shape == new.shape
                          and bool(_numpy().array_equal(old, new)))


class ArrayColumns(dict[str, Any]):
    """A source's columns when some are numpy arrays. Its `==` compares the arrays
    whole (`same_column`): a dict's would compare them cell by cell and fail
    ("the truth value of an array is ambiguous")."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, dict) or self.keys() != other.keys():
            return False
        return all(same_column(values, other[name]) for name, values in self.items())

    def __ne__(self, other: object) -> bool:
        return not self == other


def _read_only(values: Any) -> Any:
    values.flags.writeable = False
    return values


def _fitting(column: Any, values: Any) -> Any:
    """`values` as an array that can join `column` without changing any value's
    meaning (numbers with numbers, datetimes with datetime64); None if it cannot."""
    np = _numpy()
    new = values if is_array(values) else np.asarray(values)
    kind = column.dtype.kind
    if new.dtype.kind == "O":  # Python values numpy does not type by itself
        if kind == "f" and all(v is None or type(v) in (int, float) for v in values):
            new = np.asarray(values, dtype=np.float64)  # None: an empty cell, NaN
        elif kind == "M" and all(v is None or isinstance(v, dt.date) for v in values):
            dates = _date_unit(column) and all(v is None or type(v) is dt.date for v in values)
            new = np.asarray([_naive_utc(v) for v in values],
                             dtype=column.dtype if dates else "datetime64[us]")
    numbers = kind in "iuf" and new.dtype.kind in "iuf"
    return new if numbers or kind == new.dtype.kind == "M" else None


def _naive_utc(value: Any) -> Any:
    """A datetime with a time zone as the naive UTC datetime numpy takes."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def extended(column: Any, values: Any, dropped: int) -> Any:
    """`column` with `values` appended and its first `dropped` rows gone (a stream
    with rollover): a new array, or None when the values need a list."""
    new = _fitting(column, values)
    if new is None:
        return None
    np = _numpy()
    return _read_only(np.concatenate((column[dropped:], new[max(0, dropped - len(column)):])))


def patched(column: Any, cells: list[tuple[int, Any]]) -> Any:
    """A copy of `column` with `cells` (index, value) replaced, in a dtype that holds
    both (ints patched with a float become floats); None when they need a list."""
    np = _numpy()
    values = [value for _, value in cells]
    new = _fitting(column, values)
    if new is None:
        return None
    result = column.astype(np.result_type(column, new))  # a copy: the app's array stays
    result[[index for index, _ in cells]] = new
    return _read_only(result)


def as_floats(values: Any) -> tuple[Any, bool]:
    """A chart's column as float64 (datetimes in epoch ms, inf and NaT as NaN) and
    whether every value is finite."""
    np = _numpy()
    floats = epoch_ms(values) if values.dtype.kind == "M" else values.astype(
        np.float64, copy=False)
    finite = np.isfinite(floats)
    if finite.all():
        return floats, True
    return np.where(finite, floats, np.nan), False


def is_ascending(values: Any) -> bool:
    return bool((values[1:] >= values[:-1]).all())


def rows_between(values: Any, low: float, high: float) -> list[int]:
    """The rows whose value is in [low, high] (NaN is in no range)."""
    rows: list[int] = _numpy().flatnonzero((values >= low) & (values <= high)).tolist()
    return rows


def values_at(column: Any, rows: Sequence[int]) -> list[Any]:
    """The float values of `rows`, as JSON carries them (NaN as None)."""
    np = _numpy()
    picked: list[Any] = column[np.asarray(rows, dtype=np.int64)].tolist()
    return [None if v != v else v for v in picked]


def take(column: Any, rows: Sequence[int]) -> Any:
    """The array of `column`'s values at `rows`."""
    np = _numpy()
    return column[np.asarray(rows, dtype=np.int64)]


def sorted_rows(column: Any, rows: Sequence[int], ascending: bool) -> list[int]:
    """`rows` ordered by their value in `column` as `table_rows.sorted_order` orders
    a list: stable, empty cells (NaN, NaT) last either way."""
    np = _numpy()
    index = np.arange(rows.start, rows.stop, rows.step) if isinstance(rows, range) else (
        np.asarray(rows, dtype=np.int64))
    values = column[index]
    kind = values.dtype.kind
    empty = np.isnat(values) if kind == "M" else np.isnan(values) if kind == "f" else None
    empty_rows = index[:0]
    if empty is not None and empty.any():
        empty_rows, index, values = index[empty], index[~empty], values[~empty]
    if ascending:
        order = np.argsort(values, kind="stable")
    else:  # descending, equal values still in the source's order
        order = len(values) - 1 - np.argsort(values[::-1], kind="stable")[::-1]
    result: list[int] = np.concatenate((index[order], empty_rows)).tolist()
    return result
