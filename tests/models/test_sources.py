"""ColumnDataSource: stream, patch and rollover, checked before anything changes."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from typing import Any

import pytest

from aioserve import Document
from aioserve.models import Column, ColumnDataSource, DataTable


class Recorder:
    """A document listener that keeps each batch of events."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.revisions: list[int] = []  # `revision` sets, kept apart from the data's events

    def document_changed(self, events: list[tuple[dict[str, Any], object]]) -> None:
        self.revisions += [e["value"] for e, _ in events if e.get("attr") == "revision"]
        self.batches.append([event for event, _ in events if event.get("attr") != "revision"])

    def callback_failed(self, exc: BaseException, callback: Any) -> None:
        raise AssertionError(f"callback failed: {exc!r}")


async def live_source(data: dict[str, list[Any]]) -> tuple[ColumnDataSource, Recorder]:
    source = ColumnDataSource(data=data)
    doc = Document()
    doc.add_root(Column(DataTable(source=source)))
    recorder = Recorder()
    doc.go_live(recorder, asyncio.get_running_loop())
    return source, recorder


async def settle() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def test_stream_sends_only_the_new_rows() -> None:
    source, recorder = await live_source({"x": [1, 2], "y": [10, 20]})
    source.stream({"x": [3], "y": [30]})
    await settle()
    assert source.data == {"x": [1, 2, 3], "y": [10, 20, 30]}
    assert recorder.batches == [[{"kind": "stream", "model": source.id,
                                  "data": {"x": [3], "y": [30]}, "rollover": None}]]


async def test_rollover_keeps_the_last_rows_here_and_in_the_message() -> None:
    source, recorder = await live_source({"x": [1, 2, 3], "y": [1, 2, 3]})
    source.stream({"x": [4, 5], "y": [4, 5]}, rollover=3)
    await settle()
    assert source.data == {"x": [3, 4, 5], "y": [3, 4, 5]}
    assert source.length == 3
    assert recorder.batches[0][0]["rollover"] == 3
    source.stream({"x": range(10, 20), "y": [0] * 10}, rollover=2)  # more than the rollover
    assert source.data == {"x": [18, 19], "y": [0, 0]}


async def test_patch_sends_only_the_replaced_cells() -> None:
    source, recorder = await live_source({"x": [0, 1, 2, 3], "y": [0.0, 1.0, 2.0, 3.0]})
    source.patch({"y": [(0, -1.5), (slice(2, 4), [20, 30])], "x": [(1, 100)]})
    await settle()
    assert source.data == {"x": [0, 100, 2, 3], "y": [-1.5, 1.0, 20, 30]}
    assert recorder.batches == [[{"kind": "patch", "model": source.id, "patches": {
        "y": [[0, -1.5], [2, 20], [3, 30]], "x": [[1, 100]]}}]]


async def test_stream_and_patch_in_one_turn_go_out_together_in_order() -> None:
    source, recorder = await live_source({"x": [1]})
    source.stream({"x": [2]})
    source.patch({"x": [(0, 5)]})
    source.stream({"x": [3]}, rollover=2)
    await settle()
    assert [e["kind"] for e in recorder.batches[0]] == ["stream", "patch", "stream"]
    assert len(recorder.batches) == 1
    assert source.data == {"x": [2, 3]}


BAD_STREAMS: list[tuple[dict[str, Any], Any, type[Exception], str]] = [
    ({"x": [1]}, None, ValueError, "columns ['x'] differ from the source's ['x', 'y']"),
    ({"x": [1], "y": [2], "z": [3]}, None, ValueError, "differ"),
    ({"x": [1, 2], "y": [3]}, None, ValueError, "equal lengths (x=2, y=1)"),
    ({"x": 1, "y": 2}, None, TypeError, "column 'x' must be a list"),
    ({"x": [1], "y": [2]}, 0, ValueError, "rollover must be a positive int, got 0"),
    ({"x": [1], "y": [2]}, -3, ValueError, "rollover must be a positive int"),
    ({"x": [1], "y": [2]}, 2.5, ValueError, "rollover must be a positive int, got 2.5"),
    ({"x": [1], "y": [2]}, True, ValueError, "rollover must be a positive int"),
    ({"x": [object()], "y": [2]}, None, TypeError, "cannot send a object value"),
]


@pytest.mark.parametrize(("rows", "rollover", "error", "words"), BAD_STREAMS)
async def test_a_refused_stream_changes_nothing(rows: dict[str, Any], rollover: Any,
                                                error: type[Exception], words: str) -> None:
    source, recorder = await live_source({"x": [0], "y": [0]})
    with pytest.raises(error) as caught:
        source.stream(rows, rollover=rollover)
    assert words in str(caught.value)
    await settle()
    assert source.data == {"x": [0], "y": [0]}
    assert recorder.batches == []


BAD_PATCHES: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"z": [(0, 1)]}, ValueError, "no column 'z'"),
    ({"x": [(5, 1)]}, ValueError, "index 5 out of range for column 'x'"),
    ({"x": [(-1, 1)]}, ValueError, "index -1 out of range"),
    ({"x": [(True, 1)]}, ValueError, "index True out of range"),
    ({"x": [("0", 1)]}, ValueError, "index '0' out of range"),
    ({"x": [(slice(0, 2), [1])]}, ValueError, "1 values for 2 cells"),
    ({"x": [(slice(0, 2), 7)]}, TypeError, "must be a list"),
    ({"x": [(0, 1)], "y": [(9, 1)]}, ValueError, "index 9 out of range for column 'y'"),
    ({"x": [(0, object())]}, TypeError, "cannot send"),
]


@pytest.mark.parametrize(("patches", "error", "words"), BAD_PATCHES)
async def test_a_refused_patch_changes_nothing(patches: dict[str, Any],
                                               error: type[Exception], words: str) -> None:
    source, recorder = await live_source({"x": [0, 1, 2], "y": [0, 1, 2]})
    with pytest.raises(error, match=None) as caught:
        source.patch(patches)
    assert words in str(caught.value)
    await settle()
    assert source.data == {"x": [0, 1, 2], "y": [0, 1, 2]}
    assert recorder.batches == []


async def test_stream_and_patch_from_another_thread_are_refused_before_any_change() -> None:
    source, _ = await live_source({"x": [0]})
    errors: list[BaseException] = []

    def worker() -> None:
        for call in (lambda: source.stream({"x": [1]}), lambda: source.patch({"x": [(0, 9)]})):
            try:
                call()
            except RuntimeError as exc:
                errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert len(errors) == 2 and "add_next_tick_callback" in str(errors[0])
    assert source.data == {"x": [0]}


def test_a_source_not_in_a_document_streams_quietly() -> None:
    source = ColumnDataSource(data={"x": []})
    source.stream({"x": [1, 2, 3]}, rollover=2)
    source.patch({"x": [(0, 7)]})
    assert source.data == {"x": [7, 3]}


def test_replacing_data_is_a_set_of_the_whole_property() -> None:
    source = ColumnDataSource(data={"x": [1]})
    source.data = {"x": [1, 2], "label": ["a", "b"]}
    assert source.length == 2
    assert ColumnDataSource().length == 0


async def test_rollover_moves_the_selection_with_its_rows() -> None:
    source, recorder = await live_source({"x": [10, 11, 12, 13]})
    seen: list[tuple[list[int], list[int]]] = []
    source.on_change("selected", lambda attr, old, new: seen.append((old, new)))
    source.selected = [0, 2, 3]  # rows 10, 12 and 13
    await settle()
    recorder.batches.clear()
    source.stream({"x": [14, 15]}, rollover=4)  # 10 and 11 roll off
    await settle()
    assert source.data == {"x": [12, 13, 14, 15]}
    assert source.selected == [0, 1]  # still rows 12 and 13; row 10 rolled off
    assert [source.data["x"][i] for i in source.selected] == [12, 13]
    assert seen[-1] == ([0, 2, 3], [0, 1])  # the app's callbacks see it as any change
    # Pages get it as a plain set of `selected`, after the stream it follows.
    (batch,) = recorder.batches
    assert [e["kind"] for e in batch] == ["stream", "set"]
    assert batch[1] == {"kind": "set", "model": source.id, "attr": "selected", "value": [0, 1]}


async def test_a_stream_without_rows_rolling_off_keeps_the_selection() -> None:
    source, recorder = await live_source({"x": [1, 2]})
    source.selected = [1]
    await settle()
    source.stream({"x": [3]}, rollover=5)
    source.stream({"x": [4]})
    await settle()
    assert source.selected == [1]
    assert [e["kind"] for e in recorder.batches[-1]] == ["stream", "stream"]


async def test_when_every_selected_row_rolls_off_nothing_is_selected() -> None:
    source, _ = await live_source({"x": [1, 2, 3]})
    source.selected = [0, 1]
    source.stream({"x": [4, 5, 6, 7]}, rollover=3)
    assert source.selected == []
    source.stream({"x": [8]}, rollover=3)  # nothing selected: no change, no set
    assert source.selected == []


def test_a_source_says_which_columns_held_dates() -> None:
    source = ColumnDataSource(data={
        "when": [None, dt.datetime(2024, 3, 5, 14, 30)], "day": [None, dt.date(2024, 3, 5)],
        "n": [1, 2], "name": ["x", None]})
    assert source.column_types == {"when": "datetime", "day": "date"}
    assert source.to_json()["props"]["column_types"] == {"when": "datetime", "day": "date"}
    assert source.to_json()["props"]["data"]["when"] == [None, 1709649000000.0]
    source.data = {"n": [1]}
    assert source.column_types == {}


def test_a_dataframes_datetime_columns_are_marked() -> None:
    pd = pytest.importorskip("pandas")
    table = DataTable(pd.DataFrame({"when": pd.to_datetime(["2024-03-05 14:30"]), "v": [1.5]}))
    assert table.source.column_types == {"when": "datetime"}


async def test_column_types_follow_streams_as_a_set_after_the_rows() -> None:
    source, recorder = await live_source({"t": [], "v": []})
    assert source.column_types == {}
    source.stream({"t": [dt.datetime(2024, 3, 5, 14, 30)], "v": [1]})
    await settle()
    assert source.column_types == {"t": "datetime"}
    assert [e["kind"] for e in recorder.batches[-1]] == ["stream", "set"]
    assert recorder.batches[-1][1]["attr"] == "column_types"
    source.stream({"t": [dt.datetime(2024, 3, 6)], "v": [2]})  # no change: no set
    await settle()
    assert [e["kind"] for e in recorder.batches[-1]] == ["stream"]


async def test_every_change_of_the_data_raises_the_revision_the_page_sees() -> None:
    source, recorder = await live_source({"x": [1]})
    source.stream({"x": [2]})
    source.patch({"x": [(0, 5)]})
    source.data = {"x": [7]}
    await settle()
    assert source.revision == 4
    assert recorder.revisions == [2, 3, 4]
    with pytest.raises(TypeError, match="read-only"):
        source.revision = 9  # type: ignore[misc]
