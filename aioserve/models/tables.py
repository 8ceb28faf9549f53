"""`DataTable`: rows of a `ColumnDataSource`, sortable and selectable."""

from __future__ import annotations

from typing import Any

from aioserve.document.model import Widget
from aioserve.document.properties import Bool, Instance, Property
from aioserve.models.sources import ColumnDataSource, as_source


class _TableColumns(Property[list[dict[str, str]]]):
    type_name = "list[str | {field, title}]"

    def validate(self, value: Any) -> list[dict[str, str]]:
        if isinstance(value, (str, dict)) or not hasattr(value, "__iter__"):
            raise TypeError(f"expected a list of columns, got {value!r:.60}")
        columns = []
        for item in value:
            if isinstance(item, str):
                item = {"field": item, "title": item}
            if not (isinstance(item, dict) and isinstance(item.get("field"), str)):
                raise TypeError(f"a column is a field name or {{'field', 'title'}}, got {item!r}")
            columns.append({"field": item["field"], "title": str(item.get("title", item["field"]))})
        return columns


class DataTable(Widget):
    """A table of a source's rows. Selecting rows sets `source.selected`.

    >>> table = DataTable(source=[{"city": "Oslo", "temp": 4}], sortable=True)
    >>> table.columns
    [{'field': 'city', 'title': 'city'}, {'field': 'temp', 'title': 'temp'}]

    `source` may be a ColumnDataSource, a dict of columns, a list of row dicts
    or a pandas DataFrame.
    """

    source = Instance(ColumnDataSource,
                      help="The rows (columns, rows or a DataFrame are made into a source)")
    columns = _TableColumns([], help="The columns shown: field names or {field, title}")
    sortable = Bool(True, help="Let the user sort by a column")
    selectable = Bool(True, help="Let the user select rows (sets source.selected)")

    def __init__(self, source: Any = None, **kwargs: Any) -> None:
        src = as_source({} if source is None else source, "DataTable.source")
        if "columns" not in kwargs:
            kwargs["columns"] = list(src.data)
        super().__init__(source=src, **kwargs)
