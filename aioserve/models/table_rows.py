"""The rows a table shows: its source's rows filtered, sorted and cut to a window.

The page never holds more than a window of rows (see docs/models.md, DataTable);
it asks for `window(start, end)`. The order (filter + sort) of a whole source is
worked out once and kept until the data, the sort or the filter change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from aioserve.models import arrays
from aioserve.models.sources import ColumnDataSource, column_json, column_wire, missing

MAX_WINDOW_ROWS = 1000  # a page shows a few dozen; this bounds what one request costs

_DIGITS = re.compile(r"(\d+)")


def check_sort(source: ColumnDataSource | None, field: str, where: str) -> None:
    """ValueError unless `field` is a column of `source`."""
    names = list(source.data) if source is not None else []
    if field not in names:
        raise ValueError(f"{where}: no column {field!r} in the source "
                         f"(it has: {', '.join(map(repr, names)) or 'no columns'})")


def _text_key(text: str) -> tuple[tuple[int, Any], ...]:
    """Natural order, any case: "row 9" before "row 10", as the page's compare does."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                 for part in _DIGITS.split(text) if part)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    if isinstance(value, bool):
        return (0, int(value))
    if hasattr(value, "timestamp") or hasattr(value, "toordinal"):  # dates and datetimes
        return (1, column_json([value])[0])
    return (2, _text_key(str(value)))


def sorted_order(column: Sequence[Any], rows: Sequence[int], ascending: bool) -> list[int]:
    """`rows` ordered by their value in `column`; empty cells (None, NaN, NaT, pandas'
    NA) last either way; equal values keep the source's order."""
    if arrays.is_array(column):  # numbers or datetime64: sorted by numpy
        return arrays.sorted_rows(column, rows, ascending)
    full: list[int] = []
    empty: list[int] = []
    for i in rows:
        (empty if missing(column[i]) else full).append(i)
    if all(type(column[i]) in (int, float) for i in full):
        fast = _numpy_order(column, full, ascending)
        if fast is not None:
            return fast + empty
        key: Callable[[int], Any] = column.__getitem__  # plain numbers: fast path
    else:
        def key(i: int) -> Any:
            return _sort_key(column[i])
    try:
        full.sort(key=key, reverse=not ascending)
    except TypeError:  # values that cannot be compared with one another: by their text
        full.sort(key=lambda i: _text_key(str(column[i])), reverse=not ascending)
    return full + empty


def _numpy_order(column: Sequence[Any], rows: list[int], ascending: bool) -> list[int] | None:
    """A stable sort of many plain numbers with numpy when it is installed (ten times
    faster on a million rows); None to sort in Python."""
    if len(rows) < 50_000:
        return None
    try:
        import numpy as np
    except ImportError:
        return None
    index = np.asarray(rows, dtype=np.int64)
    values = np.asarray(column, dtype=np.float64)[index]
    if np.abs(values).max(initial=0.0) > 2.0**53:
        return None  # integers a float64 would round
    order = np.argsort(values if ascending else -values, kind="stable")
    result: list[int] = index[order].tolist()
    return result


def filtered_rows(data: dict[str, list[Any]], fields: Sequence[str], text: str) -> list[int]:
    """The rows where some of `fields` holds `text`, in any case."""
    needle = text.casefold()
    hits: set[int] = set()
    for field in fields:
        if field in data:
            column = data[field]
            if arrays.is_array(column):  # its text as an equal list's: datetimes as str()
                column = arrays.python_values(column)
            hits.update(_rows_containing(column, needle))
    return sorted(hits)


def _rows_containing(column: list[Any], needle: str) -> list[int]:
    """The rows of `column` whose text holds `needle` (casefolded): one search through
    the column's text joined by newlines, at C speed, not a Python loop per cell.
    Empty cells match nothing (the page shows them blank, not "None" or "nan")."""
    def slow() -> list[int]:
        return [i for i, v in enumerate(column) if not missing(v) and needle in str(v).casefold()]

    if not needle or "\n" in needle:
        return slow()
    joined = "\n".join(map(str, column))
    blob = joined.casefold()
    if len(blob) != len(joined) or blob.count("\n") != len(column) - 1:
        return slow()  # a cell with a newline, or text whose casefold changes its length
    rows: list[int] = []
    row, line, at = 0, 0, blob.find(needle)
    while at >= 0:
        row += blob.count("\n", line, at)  # the newlines before the match: its row
        rows.append(row)
        end = blob.find("\n", at)
        if end < 0:
            break
        row, line = row + 1, end + 1  # on to the next row's text
        at = blob.find(needle, line)
    return [i for i in rows if not missing(column[i])]  # "None", "nan", "<NA>" are no text


def _take(column: Any, index: list[int]) -> Any:
    if type(column) is list:
        return [column[i] for i in index]
    return arrays.take(column, index)


class RowView:
    """One table's order of its source's rows, recomputed only when it changes."""

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._order: list[int] | None = None  # None: the source's own order

    def order(self, source: ColumnDataSource, fields: Sequence[str],
              sort: dict[str, Any] | None, text: str) -> list[int] | None:
        sort_key = (sort["field"], sort["ascending"]) if sort and sort["field"] in source.data \
            else None
        key = (source.id, source.revision, sort_key, text, tuple(fields) if text else ())
        if key != self._key:
            self._order = None
            if text:
                self._order = filtered_rows(source.data, fields, text)
            if sort_key is not None:
                rows = self._order if self._order is not None else range(source.length)
                self._order = sorted_order(source.data[sort_key[0]], rows, sort_key[1])
            self._key = key
        return self._order

    def window(self, source: ColumnDataSource | None, fields: Sequence[str],
               sort: dict[str, Any] | None, text: str, start: int, end: int,
               ) -> dict[str, Any]:
        if source is None:
            order: list[int] | None = []
            length = 0
        else:
            order = self.order(source, fields, sort, text)
            length = source.length
        total = length if order is None else len(order)
        if start < 0 or end < start:
            raise ValueError(f"rows {start} to {end}: not a window (0 <= start <= end)")
        if end - start > MAX_WINDOW_ROWS:
            raise ValueError(f"rows {start} to {end}: at most {MAX_WINDOW_ROWS} rows at once")
        if start > total:
            raise ValueError(f"rows {start} to {end}: outside the table ({total} rows)")
        end = min(end, total)
        data: dict[str, Any] = {}
        if order is None:
            index = list(range(start, end))
            if source is not None:
                data = {f: column_wire(source.data[f][start:end]) for f in fields
                        if f in source.data}
        else:
            index = order[start:end]
            if source is not None:
                data = {f: column_wire(_take(source.data[f], index)) for f in fields
                        if f in source.data}
        return {"start": start, "total": total, "index": index, "data": data}
