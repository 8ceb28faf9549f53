"""Numpy columns: kept as arrays by a source, and read by everything a list is read
by (the wire, column types, stream, patch, tables, charts) with the same result."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aioserve import Document
from aioserve.client import ClientSession
from aioserve.document.binary import BINARY_MIN_LENGTH, encode
from aioserve.models import Button, Chart, Column, ColumnDataSource, DataTable
from aioserve.testing import start_server

np = pytest.importorskip("numpy")

ROOT = Path(__file__).resolve().parents[2]
N = 40  # long enough for binary frames
START = dt.datetime(2024, 1, 1)


def arrays(n: int = N) -> dict[str, Any]:
    """Every kind of column a source keeps as an array, with empty cells."""
    y = np.arange(n) / 7
    t = np.datetime64("2024-01-01T00:00:00", "ns") + np.arange(n) * np.timedelta64(1, "s")
    if n > 5:
        y[3], y[5] = np.nan, np.inf
        t[4] = np.datetime64("NaT")
    return {"i": np.arange(n, dtype=np.int64), "big": np.arange(n) + 2**40, "y": y, "t": t,
            "day": np.datetime64("2024-03-05", "D") + np.arange(n),
            "f32": np.linspace(0, 1, n, dtype=np.float32), "label": [f"p{k}" for k in range(n)]}


def as_lists(data: dict[str, Any]) -> dict[str, list[Any]]:
    """The same columns as a Python app would give them."""
    def values(column: Any) -> list[Any]:
        if isinstance(column, list):
            return column
        if column.dtype.kind == "M":
            unit = "D" if column.dtype == np.dtype("datetime64[D]") else "us"
            return column.astype(f"datetime64[{unit}]").tolist()
        return column.tolist()
    return {name: values(column) for name, column in data.items()}


def wire(message: dict[str, Any]) -> tuple[str, list[bytes]]:
    """A message as sent, buffer ids left out (they differ from one message to the next)."""
    out = encode(message)
    return re.sub(r'"__buffer__":\d+', "", out.text), [frame[4:] for frame in out.buffers]


def test_numpy_and_pandas_columns_are_kept_as_read_only_views() -> None:
    pd = pytest.importorskip("pandas")
    given = arrays()
    source = ColumnDataSource(data=given)
    for name in ("i", "big", "y", "t", "day", "f32"):
        column = source.data[name]
        assert type(column) is np.ndarray and np.shares_memory(column, given[name])
        assert np.array_equal(column, given[name], equal_nan=True)
    assert source.data["label"] == given["label"] and source.data["label"] is not given["label"]
    with pytest.raises(ValueError, match="read-only"):
        source.data["y"][0] = 1.0  # a change the page would never see: use patch
    given["y"][0] = 9.0  # the app's own array stays writable, and is shared
    assert source.data["y"][0] == 9.0
    frame = pd.DataFrame({"v": [1.5, 2.5], "n": [1, 2], "s": ["a", "b"],
                          "w": pd.to_datetime(["2024-03-05 14:30", "2024-03-06 00:00"])})
    for data in (frame, {"v": frame["v"], "n": frame["n"], "s": frame["s"], "w": frame["w"]}):
        held = ColumnDataSource(data=data).data
        assert [type(held[c]).__name__ for c in "vnsw"] == ["ndarray"] * 2 + ["list", "ndarray"]
    lists = ColumnDataSource(data={"x": [1, 2]})  # lists stay plain, as before
    assert type(lists.data) is dict and type(lists.data["x"]) is list


def test_other_arrays_become_lists_as_before() -> None:
    source = ColumnDataSource(data={"b": np.array([True, False]), "s": np.array(["a", "b"]),
                                    "o": np.array([1, "x"], dtype=object)})
    assert source.data == {"b": [True, False], "s": ["a", "b"], "o": [1, "x"]}
    assert type(source.data) is dict


@pytest.mark.parametrize("n", [N, BINARY_MIN_LENGTH - 1, 0])
def test_arrays_go_out_as_the_equal_lists_do(n: int) -> None:
    data = arrays(n)
    from_arrays, from_lists = ColumnDataSource(data=data), ColumnDataSource(data=as_lists(data))
    assert from_arrays.column_types == {"t": "datetime", "day": "date"}  # told by the dtype
    assert from_lists.column_types == ({"t": "datetime", "day": "date"} if n else {})
    sent, expected = from_arrays.to_json()["props"], from_lists.to_json()["props"]
    sent["column_types"] = expected["column_types"]
    assert wire(sent) == wire(expected)  # the same JSON and the same frames, byte for byte
    if n == N:
        text, frames = wire(sent)
        assert len(frames) == 6  # every number and time column; the labels stay JSON
        assert '"dtype":"int32"' in text and sent["data"]["y"].tolist()[3:6] == [None, 4 / 7, None]
        assert sent["data"]["t"].tolist()[:2] == [1704067200000.0, 1704067201000.0]
        assert sent["data"]["t"].tolist()[4] is None  # NaT: an empty cell


def test_integers_a_float64_would_round_go_as_json_numbers() -> None:
    column = np.array([2**60 + 1] * N, dtype=np.int64)
    sent = ColumnDataSource(data={"n": column}).to_json()["props"]["data"]["n"]
    assert sent == [2**60 + 1] * N and type(sent) is list


def test_the_same_array_given_again_is_no_change_and_another_one_is() -> None:
    x = np.arange(N, dtype=np.float64)
    source = ColumnDataSource(data={"x": x})
    kept = source.data
    source.data = {"x": x}
    source.data = {"x": x.copy()}  # equal values in a new array: as in Bokeh, no change
    assert source.data is kept
    source.data = {"x": x + 1}
    assert source.data["x"][0] == 1.0
    source.data = {"x": list(range(N))}  # from arrays to lists and back: no comparison fails
    assert type(source.data["x"]) is list
    source.data = {"x": np.arange(N)}
    assert source.data["x"].dtype == np.int64
    assert source.data != {"x": list(range(N))} and source.data == {"x": np.arange(N)}


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def document_changed(self, events: list[tuple[dict[str, Any], object]]) -> None:
        self.events += [e for e, _ in events if e.get("attr") not in ("revision", "column_types")]

    def callback_failed(self, exc: BaseException, callback: Any) -> None:
        raise AssertionError(f"callback failed: {exc!r}")


async def live(data: dict[str, Any]) -> tuple[ColumnDataSource, Recorder]:
    source = ColumnDataSource(data=data)
    doc = Document()
    doc.add_root(Column(Chart(source=source, x=next(iter(data)), y=next(iter(data)),
                              downsample="none")))
    recorder = Recorder()
    doc.go_live(recorder, asyncio.get_running_loop())
    return source, recorder


async def test_stream_rollover_and_patch_send_what_the_equal_lists_send() -> None:
    data = arrays()
    given = {name: column.copy() if not isinstance(column, list) else column
             for name, column in data.items()}
    source, recorder = await live(data)
    twin, twin_recorder = await live(as_lists(data))
    new_rows = arrays(20)
    for target in (source, twin):
        rows = new_rows if target is source else as_lists(new_rows)
        target.stream(rows, rollover=50)
        target.stream(as_lists(arrays(3)))  # lists onto arrays: still arrays
        target.patch({"y": [(0, -1.5), (slice(1, 3), [None, 2.0])], "i": [(0, 0.5)],
                      "t": [(1, START)]})
    await asyncio.sleep(0)
    assert source.length == twin.length == 53
    assert [type(source.data[c]).__name__ for c in ("i", "y", "t", "day")] == ["ndarray"] * 4
    assert source.data["i"].dtype == np.float64  # an int column patched with 0.5
    assert as_lists({k: v for k, v in source.data.items() if k not in ("y", "i")}) == {
        k: v for k, v in twin.data.items() if k not in ("y", "i")}
    assert np.array_equal(source.data["y"][:4], [-1.5, np.nan, 2.0, 13 / 7], equal_nan=True)
    assert [wire({**e, "model": ""}) for e in recorder.events] == [
        wire({**e, "model": ""}) for e in twin_recorder.events] != []
    for name, column in data.items():  # the app's arrays are never written
        if not isinstance(column, list):
            assert np.array_equal(column, given[name], equal_nan=True)


async def test_values_numpy_cannot_hold_with_the_column_make_it_a_list() -> None:
    source, _ = await live({"x": np.arange(3.0), "y": np.arange(3)})
    source.stream({"x": ["text"], "y": [True]})
    source.patch({"x": [(0, "a")]})
    assert source.data == {"x": ["a", 1.0, 2.0, "text"], "y": [0, 1, 2, True]}
    assert source.to_json()["props"]["data"] == {"x": ["a", 1.0, 2.0, "text"],
                                                 "y": [0, 1, 2, True]}


def test_bad_arrays_get_the_errors_lists_get() -> None:
    with pytest.raises(TypeError, match=r"column 'z' must be a list or a 1-D array, got an "
                                        r"array of shape \(3, 2\)"):
        ColumnDataSource(data={"z": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"columns must have equal lengths \(x=2, y=3\)"):
        ColumnDataSource(data={"x": np.arange(2), "y": [1, 2, 3]})
    unsendable = ColumnDataSource(data={"c": np.array([object()] * N, dtype=object)})
    with pytest.raises(TypeError, match="cannot send a object value"):
        unsendable.to_json()
    with pytest.raises(TypeError, match=r"^DataTable\.source: column 'm' must be a list or a "
                                        r"1-D array"):
        DataTable({"m": np.zeros((2, 2))})
    source = ColumnDataSource(data={"x": np.arange(3)})
    with pytest.raises(ValueError, match=r"equal lengths"):
        source.stream({"x": np.arange(4).reshape(2, 2)[0], "y": [1]})
    with pytest.raises(TypeError, match="1-D"):
        source.stream({"x": np.zeros((1, 1))})
    assert source.data == {"x": np.arange(3)}


def table_data(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    v = rng.integers(0, 50, n).astype(np.float64)
    v[::17] = np.nan
    return {"n": np.arange(n), "v": v, "when": np.datetime64("2024-01-01", "ms")
            + rng.integers(0, 10**9, n) * np.timedelta64(1, "ms")}


@pytest.mark.parametrize("n", [500, 60_000])  # Python's sort and numpy's, for the lists
def test_a_table_over_arrays_shows_what_it_shows_over_lists(n: int) -> None:
    data = table_data(n)
    tables = DataTable(data), DataTable(as_lists(data))
    for sort in ({"field": "v", "ascending": True}, {"field": "v", "ascending": False},
                 {"field": "when", "ascending": False}, {"field": "n", "ascending": False}):
        windows = []
        for table in tables:
            table.sort = sort
            table.filter = ""
            windows.append([table.fetch_rows(0, 50), table.fetch_rows(n - 50, n)])
            table.filter = "2024-01-02"
            windows.append(table.fetch_rows(0, 30))
        assert wire({"w": windows[:2]}) == wire({"w": windows[2:]})
        assert windows[1]["total"] > 0


def line_data(n: int) -> dict[str, Any]:
    t = np.datetime64("2024-01-01T00:00:00", "ms") + np.arange(n) * np.timedelta64(250, "ms")
    y = np.sin(np.arange(n) / 500.0)
    y[n // 3] = 25.0
    y[n // 2:n // 2 + 9] = np.nan  # a gap
    return {"t": t, "y": y, "s": np.cos(np.arange(n) / 50.0) * np.arange(n) % 7}


def test_a_downsampled_chart_over_arrays_draws_what_it_draws_over_lists() -> None:
    data = line_data(200_000)
    twins = []
    for source in (ColumnDataSource(data=data), ColumnDataSource(data=as_lists(data))):
        twins.append([Chart(source, x="t", x_type="datetime",
                            series=[{"y": "y", "kind": kind}, {"y": "s", "kind": "scatter"}])
                      for kind in ("line", "bar")])
    for chart, twin in zip(twins[0], twins[1], strict=True):
        assert chart.downsamples() and chart.view["rows"] == 200_000
        assert chart.view == twin.view and 25.0 in chart.view["data"]["y"]
        middle = chart.view["x_extent"][0] + 100_000 * 250
        for target in (chart, twin):
            target.x_range = [middle - 60_000, middle + 60_000]  # the gap: NaN, sent empty
            target.inner_width = 300
        assert chart.view == twin.view and None in chart.view["data"]["y"]
    unsorted = np.arange(30_000.0)
    unsorted[[10, 20]] = unsorted[[20, 10]]
    views = [Chart({"x": x, "y": np.arange(30_000.0)}, y="y").view
             for x in (unsorted, unsorted.tolist())]
    assert views[0] == views[1] and views[0]["x_extent"] == [0, 29_999]


def numpy_app(doc: Document) -> None:
    data = arrays(5000)
    source = ColumnDataSource(data=data, name="source")
    more = Button(label="More", name="more")
    more.on_click(lambda: source.stream(arrays(200), rollover=5000))
    doc.add_root(Column(more, Chart(source=source, x="t", y="y", downsample="none")))


async def test_the_page_gets_arrays_as_the_values_and_frames_of_equal_lists() -> None:
    expected = ColumnDataSource(data=as_lists(arrays(5000))).to_json()["props"]["data"]
    async with start_server(numpy_app) as server, \
            ClientSession.open(server.url + "/") as session:
        source = session.document.find(name="source")
        assert source.data == {name: list(column) for name, column in expected.items()}
        assert source.props["column_types"] == {"t": "datetime", "day": "date"}
        assert session.binary_frames == 6
        assert source.data["y"][3] is None and source.data["t"][4] is None
        await session.click(session.document.find(name="more"))
        await session.wait_for(lambda d: len(d.find(name="source").data["i"]) == 5000
                               and d.find(name="source").data["i"][-1] == 199)
        assert session.binary_frames == 12
        assert source.data["i"][:2] == [200, 201]


def nullable_app(doc: Document) -> None:
    import pandas as pd

    frame = pd.DataFrame({"n": [3, None, 1], "s": ["b", None, "nora"]}).convert_dtypes()
    source = ColumnDataSource(data=frame, name="source")
    doc.add_root(Column(DataTable(source=source, columns=["n", "s"], filterable=True,
                                name="table")))


async def test_a_page_gets_the_gaps_of_nullable_pandas_columns_as_empty_cells() -> None:
    """A DataFrame after `convert_dtypes()` is served (pd.NA was refused); its gaps are
    empty cells on the page, sort last and match no filter text ("<NA>")."""
    pytest.importorskip("pandas")
    async with start_server(nullable_app) as server, \
            ClientSession.open(server.url + "/") as session:
        assert session.document.find(name="source").data == {"n": [3, None, 1],
                                                             "s": ["b", None, "nora"]}
        table = session.document.find(name="table")
        await session.set(table, "sort", {"field": "n", "ascending": True})
        assert (await session.rows(table, 0, 3))["data"]["n"] == [1, 3, None]
        await session.set(table, "sort", None)
        await session.set(table, "filter", "n")
        assert (await session.rows(table, 0, 3))["data"]["s"] == ["nora"]


def test_an_app_that_gives_lists_never_imports_numpy() -> None:
    # (numpy thins a long scatter, and sorts 50,000 rows or more, when installed.)
    code = ("import sys\n"
            "from aioserve.models import Chart, ColumnDataSource, DataTable\n"
            "s = ColumnDataSource(data={'x': list(range(20000)), 'y': [0.5] * 20000})\n"
            "c = Chart(s, x='x', y='y', kind='line')\n"
            "t = DataTable(s, sort={'field': 'y', 'ascending': True})\n"
            "s.to_json(); t.fetch_rows(0, 10); s.stream({'x': [1], 'y': [2.0]})\n"
            "print('numpy' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "False", done.stderr


def test_nan_is_an_empty_cell_and_inf_too() -> None:
    sent = ColumnDataSource(data={"y": np.array([1.0, math.nan, -math.inf])}).to_json()
    assert sent["props"]["data"]["y"] == [1.0, None, None]


def test_a_message_json_cannot_write_fast_still_carries_the_array_values() -> None:
    column = ColumnDataSource(data={"y": np.arange(N) / 2}).to_json()["props"]["data"]["y"]
    out = encode({"huge": 2**70, "y": column})  # orjson refuses the int: all as JSON text
    assert out.buffers == () and f'"y":{[k / 2 for k in range(N)]}'.replace(" ", "") in out.text
