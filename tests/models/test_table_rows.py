"""Windowing a table's rows: filter, sort (empty cells last, natural text order), the
window itself, and the order kept until something changes."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from aioserve.models import ColumnDataSource, DataTable
from aioserve.models.table_rows import MAX_WINDOW_ROWS, RowView, filtered_rows, sorted_order


def test_empty_cells_go_last_whichever_the_direction() -> None:
    column = [3.0, None, 1.0, math.nan, 2.0]
    assert sorted_order(column, range(5), True) == [2, 4, 0, 1, 3]
    assert sorted_order(column, range(5), False) == [0, 4, 2, 1, 3]


def test_equal_values_keep_the_sources_order_both_ways() -> None:
    column = [1, 0, 1, 0]
    assert sorted_order(column, range(4), True) == [1, 3, 0, 2]
    assert sorted_order(column, range(4), False) == [0, 2, 1, 3]


def test_text_sorts_naturally_and_in_any_case() -> None:
    column = ["row 10", "Row 9", "row 100", "apple"]
    assert [column[i] for i in sorted_order(column, range(4), True)] == [
        "apple", "Row 9", "row 10", "row 100"]


def test_dates_and_mixed_columns_sort_without_error() -> None:
    days = [dt.date(2024, 3, 5), dt.date(2023, 1, 1), None]
    assert sorted_order(days, range(3), True) == [1, 0, 2]
    mixed = ["b", 2, "a", 1.5]  # numbers before text, as the page compares them
    assert [mixed[i] for i in sorted_order(mixed, range(4), True)] == [1.5, 2, "a", "b"]


def test_the_filter_looks_in_the_shown_columns_in_any_case() -> None:
    data = {"city": ["Oslo", "Lima", None], "code": ["NO", "PE", "LO"], "hidden": ["lo"] * 3}
    assert filtered_rows(data, ["city", "code"], "lo") == [0, 2]
    assert filtered_rows(data, ["city"], "LO") == [0]
    assert filtered_rows(data, ["city"], "zzz") == []


def test_empty_cells_are_no_text_to_filter_on_and_sort_last() -> None:
    """A cell the page shows blank (None, NaN, pandas' NA and NaT) matches no filter:
    not "no" in "None", "na" in "nan" or "<NA>"; and sorts last like None."""
    values: list[object] = ["Nora", None, math.nan, "banana", "Nantes"]
    assert filtered_rows({"v": values}, ["v"], "n") == [0, 3, 4]
    assert filtered_rows({"v": values * 2_000}, ["v"], "na")[:3] == [3, 4, 8]  # joined path
    pd = pytest.importorskip("pandas")
    column = list(pd.Series(["b", None, "a"], dtype="string"))
    assert column[1] is pd.NA
    assert filtered_rows({"v": column}, ["v"], "na") == []
    assert sorted_order(column, range(3), True) == [2, 0, 1]
    assert sorted_order(column, range(3), False) == [0, 2, 1]
    times = [pd.Timestamp("2026-01-02"), pd.NaT, pd.Timestamp("2026-01-01")]
    assert sorted_order(times, range(3), True) == [2, 0, 1]
    assert filtered_rows({"t": times}, ["t"], "nat") == []


def table(rows: int = 10) -> DataTable:
    return DataTable(source={"n": list(range(rows)), "sq": [i * i for i in range(rows)]})


def test_a_window_is_the_rows_asked_for_and_no_more() -> None:
    t = table(100)
    window = t.fetch_rows(10, 13)
    assert window == {"start": 10, "total": 100, "index": [10, 11, 12],
                      "data": {"n": [10, 11, 12], "sq": [100, 121, 144]}}
    assert t.fetch_rows(98, 200)["index"] == [98, 99]  # cut at the end
    assert t.fetch_rows(100, 100)["index"] == []  # the end itself is a window
    t.columns = ["sq"]
    assert t.fetch_rows(0, 1)["data"] == {"sq": [0]}  # only the columns shown


@pytest.mark.parametrize(("start", "end", "says"), [
    (101, 110, r"outside the table \(100 rows\)"),
    (-1, 5, "not a window"),
    (5, 4, "not a window"),
    (0, MAX_WINDOW_ROWS + 1, f"at most {MAX_WINDOW_ROWS} rows"),
])
def test_a_window_outside_the_rows_is_refused(start: int, end: int, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        table(100).fetch_rows(start, end)


def test_sort_and_filter_shape_the_window_and_index_names_source_rows() -> None:
    t = table(20)
    t.sort = {"field": "n", "ascending": False}
    assert t.fetch_rows(0, 3)["index"] == [19, 18, 17]
    t.columns = ["n"]  # the filter looks in the shown columns only
    t.filter = "1"  # 1, 10..19 -> sorted down
    window = t.fetch_rows(0, 20)
    assert window["total"] == 11
    assert window["index"] == [19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 1]
    t.sort = None
    assert t.fetch_rows(0, 3)["index"] == [1, 10, 11]


def test_a_sort_on_a_missing_column_is_refused_in_python_too() -> None:
    t = table()
    with pytest.raises(ValueError, match=r"DataTable.sort: no column 'nope' in the source "
                       r"\(it has: 'n', 'sq'\)"):
        t.sort = {"field": "nope", "ascending": True}
    assert t.sort is None
    with pytest.raises(TypeError, match="DataTable.sort: expected"):
        t.sort = {"field": "n", "ascending": "yes"}


def test_the_order_is_kept_until_the_data_sort_or_filter_change() -> None:
    source = ColumnDataSource(data={"v": [3, 1, 2]})
    rows = RowView()
    sort = {"field": "v", "ascending": True}
    first = rows.order(source, ["v"], sort, "")
    assert first == [1, 2, 0]
    assert rows.order(source, ["v"], sort, "") is first  # not worked out again
    source.stream({"v": [0]})
    assert rows.order(source, ["v"], sort, "") == [3, 1, 2, 0]
    source.patch({"v": [(0, -1)]})
    assert rows.order(source, ["v"], sort, "") == [0, 3, 1, 2]
    assert rows.order(source, ["v"], None, "") is None  # the source's own order
    assert rows.order(source, ["v"], None, "2") == [2]


def test_a_sort_whose_column_went_away_falls_back_to_the_sources_order() -> None:
    t = table(3)
    t.sort = {"field": "sq", "ascending": False}
    t.source.data = {"n": [5, 6]}
    assert t.fetch_rows(0, 5)["index"] == [0, 1]


def test_a_long_numeric_sort_is_the_stable_sort_both_ways() -> None:
    """Past 50,000 rows plain numbers sort with numpy when it is installed: the same
    order as Python's stable sort, ties kept in the source's order both ways."""
    column: list[float | int | None] = [(i * 7919) % 1000 / 4 for i in range(60_000)]
    column[5] = None
    column[7] = 3  # an int among floats, equal to another row's 3.0
    rows = range(len(column))
    full = [i for i in rows if column[i] is not None]
    for ascending in (True, False):
        expected = sorted(full, key=column.__getitem__, reverse=not ascending) + [5]
        assert sorted_order(column, rows, ascending) == expected


def test_the_filter_of_a_long_column_finds_what_a_cell_by_cell_look_finds() -> None:
    cities = ["Oslo", "Lima", "Lagos", "Straße", "Tórshavn", "ISTANBUL", "Lo\nndon"] * 3_000

    def by_cell(column: list[object], needle: str) -> list[int]:
        return [i for i, v in enumerate(column)
                if v is not None and needle.casefold() in str(v).casefold()]

    for needle in ("lo", "LA", "strasse", "ß", "tórs", "n\nd", "", "zzz"):
        assert filtered_rows({"city": cities}, ["city"], needle) == by_cell(cities, needle)
    plain = [c for c in cities if "\n" not in c and "ß" not in c]  # the one-search path
    for needle in ("lo", "ISTAN", "a"):
        assert filtered_rows({"city": plain}, ["city"], needle) == by_cell(plain, needle)
