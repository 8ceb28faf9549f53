"""`DataTable`: rows of a `ColumnDataSource`, sortable and selectable."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from aioserve.document.model import Widget
from aioserve.document.properties import Bool, Instance, Nullable, Property, String
from aioserve.models.sources import ColumnDataSource, as_source
from aioserve.models.table_rows import RowView, check_sort

# "number:2" / "percent:1": that many decimals. Intl.NumberFormat takes 0 to 20.
_FORMAT = re.compile(r"datetime|date|text|(?:number|percent)(?::(?:1?\d|20))?")
FORMATS = ("datetime", "date", "number", "number:N", "percent", "percent:N", "text")


def _column_format(item: dict[str, Any]) -> str | None:
    fmt = item.get("format")
    if fmt is None or (isinstance(fmt, str) and _FORMAT.fullmatch(fmt)):
        return fmt
    raise ValueError(f"column {item['field']!r}: format must be None or one of "
                     f"{', '.join(FORMATS)} (N: 0 to 20 decimals), got {fmt!r}")


class _TableColumns(Property[list[dict[str, str]]]):
    type_name = "list[str | {field, title, format}]"

    def validate(self, value: Any) -> list[dict[str, str]]:
        if isinstance(value, (str, dict)) or not hasattr(value, "__iter__"):
            raise TypeError(f"expected a list of columns, got {value!r:.60}")
        columns = []
        for item in value:
            if isinstance(item, str):
                item = {"field": item, "title": item}
            if not (isinstance(item, dict) and isinstance(item.get("field"), str)):
                raise TypeError("a column is a field name or {'field', 'title', 'format'}, "
                                f"got {item!r}")
            unknown = set(item) - {"field", "title", "format"}
            if unknown:
                raise ValueError(f"column {item['field']!r}: unknown keys {sorted(unknown)} "
                                 "(a column has field, title and format)")
            column = {"field": item["field"], "title": str(item.get("title", item["field"]))}
            fmt = _column_format(item)
            if fmt is not None:  # no format: the page picks one from the values
                column["format"] = fmt
            columns.append(column)
        return columns


class _Sort(Property[dict[str, Any]]):
    type_name = "{field, ascending}"

    def validate(self, value: Any) -> dict[str, Any]:
        if not (isinstance(value, dict) and isinstance(value.get("field"), str)
                and isinstance(value.get("ascending", True), bool)
                and set(value) <= {"field", "ascending"}):
            raise TypeError(f"expected {{'field': str, 'ascending': bool}}, got {value!r:.80}")
        return {"field": value["field"], "ascending": value.get("ascending", True)}


class DataTable(Widget):
    """A table of a source's rows. Selecting rows sets `source.selected`.

    >>> table = DataTable(source=[{"city": "Oslo", "temp": 4}], sortable=True)
    >>> table.columns
    [{'field': 'city', 'title': 'city'}, {'field': 'temp', 'title': 'temp'}]

    `source` may be a ColumnDataSource, a dict of columns, a list of row dicts
    or a pandas DataFrame. A column may say how its cells read:
    `{"field": "share", "title": "Share", "format": "percent:1"}`. Without a
    format, columns that held Python dates or datetimes read as `2024-03-05`
    or `2024-03-05 14:30:00` (UTC), other values as they are; sorting always
    goes by the values, not by the text shown.

    The page holds only the rows in view: it asks the server for the window it
    shows, and sorting (`sort`) and filtering (`filter`) happen here, so a table
    of a million rows opens as fast as one of ten.

    >>> table.sort = {"field": "temp", "ascending": False}
    >>> table.filter = "osl"
    >>> table.fetch_rows(0, 10)["index"]
    [0]
    """

    fetches_rows: ClassVar[bool] = True  # the page asks for its rows (see sources.py)

    source = Instance(ColumnDataSource,
                      help="The rows (columns, rows or a DataFrame are made into a source)")
    columns = _TableColumns([], help="The columns shown: field names or {field, title, format}; "
                            "format is one of 'datetime', 'date', 'number' (in the reader's "
                            "locale; 'number:2' for two decimals), 'percent' ('percent:1'), "
                            "'text', or left out to follow the values")
    sortable = Bool(True, help="Let the user sort by a column")
    selectable = Bool(True, help="Let the user select rows (sets source.selected)")
    sort = Nullable(_Sort(), settable=True,
                    help="The order shown, {'field': column, 'ascending': bool}, or None for "
                    "the source's order; sorted on the server (empty cells last)")
    filter = String("", settable=True, help="Show only the rows where some shown column "
                    "contains this text (any case); filtered on the server")
    filterable = Bool(False, help="Show a search box above the table that sets `filter`")

    def __init__(self, source: Any = None, **kwargs: Any) -> None:
        src = as_source({} if source is None else source, "DataTable.source")
        if "columns" not in kwargs:
            kwargs["columns"] = list(src.data)
        self._rows = RowView()
        super().__init__(source=src, **kwargs)

    def _set_property(self, name: str, value: Any) -> None:
        if name == "sort" and value is not None:
            check_sort(self.source, value["field"], "DataTable.sort")
        super()._set_property(name, value)

    def validate_client(self, attr: str, value: Any) -> None:
        if attr == "sort" and value is not None:
            check_sort(self.source, value["field"], "DataTable.sort")

    def client_may_set(self, attr: str) -> None:
        """What the page offers the user; the app itself may sort and filter any table."""
        if attr == "sort" and not self.sortable:
            raise ValueError("DataTable.sort: this table is not sortable")
        if attr == "filter" and not self.filterable:
            raise ValueError("DataTable.filter: this table has no filter box")

    def fetch_rows(self, start: int, end: int) -> dict[str, Any]:
        """Rows `start` to `end` (exclusive) as shown (sorted, filtered): `{"start",
        "total", "index" (the source's row numbers), "data" (column -> values)}`.
        ValueError for a window outside the rows; `end` past the last row is cut."""
        fields = [c["field"] for c in self.columns]
        return self._rows.window(self.source, fields, self.sort, self.filter, start, end)
