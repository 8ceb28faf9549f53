"""Numeric and datetime columns travel as binary frames and aioserve.client reads
them: the whole document, streams and resumes, with patches still incremental."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aioserve import Document
from aioserve.client import ClientSession
from aioserve.document.binary import BINARY_MIN_LENGTH
from aioserve.models import Button, Chart, Column, ColumnDataSource
from aioserve.models.sources import column_json
from aioserve.testing import start_server

POINTS = 5000
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def data(start: int, count: int) -> dict[str, list[object]]:
    return {"i": list(range(start, start + count)),
            "y": [None if i % 97 == 0 else i / 7 for i in range(start, start + count)],
            "t": [START + dt.timedelta(minutes=i) for i in range(start, start + count)],
            "label": [f"p{i}" for i in range(start, start + count)]}


def chart_app(doc: Document) -> None:
    source = ColumnDataSource(data=data(0, POINTS), name="source")
    more = Button(label="More", name="more")
    more.on_click(lambda: source.stream(data(source.length, 200), rollover=POINTS))
    fix = Button(label="Fix", name="fix")
    fix.on_click(lambda: source.patch({"y": [(0, -1.0)]}))
    doc.add_root(Column(more, fix, Chart(source=source, x="t", y="y", downsample="none")))


def expected(start: int, count: int) -> dict[str, list[object]]:
    return {name: column_json(values) for name, values in data(start, count).items()}


async def test_the_document_arrives_with_its_numbers_in_binary_frames() -> None:
    async with start_server(chart_app) as server, \
            ClientSession.open(server.url + "/") as session:
        source = session.document.find(name="source")
        assert source.data == expected(0, POINTS)  # ints, floats, empty cells, datetimes
        assert session.binary_frames == 3  # i, y, t; the labels stay JSON
        # The numbers cost their bytes, not their digits: far less than as JSON text.
        as_json = len(json.dumps(session.messages[1]).encode())
        assert session.bytes_received < as_json * 0.7


async def test_streams_stay_incremental_and_binary_and_patches_stay_cells() -> None:
    async with start_server(chart_app) as server, \
            ClientSession.open(server.url + "/") as session:
        frames = session.binary_frames
        await session.click(session.document.find(name="more"))
        await session.wait_for(lambda d: d.find(name="source").data["i"][-1] == POINTS + 199)
        (patch,) = [m for m in session.messages if m["type"] == "patch"
                    and any(e["kind"] == "stream" for e in m["events"])]
        (stream,) = [e for e in patch["events"] if e["kind"] == "stream"]
        assert stream["data"] == expected(POINTS, 200)  # only the new rows
        assert stream["rollover"] == POINTS
        assert session.binary_frames == frames + 3
        source = session.document.find(name="source")
        assert source.data == expected(200, POINTS)  # rolled over, here as on the server

        frames = session.binary_frames
        await session.click(session.document.find(name="fix"))
        await session.wait_for(lambda d: d.find(name="source").data["y"][0] == -1.0)
        assert session.binary_frames == frames  # a patch is a few cells: JSON


async def test_a_resume_replays_streams_with_their_frames() -> None:
    async with start_server(chart_app) as server, \
            ClientSession.open(server.url + "/") as session, \
            ClientSession.open(server.url + "/", session_id=session.id) as other:
        await session.ws.close()
        await other.click(other.document.find(name="more"))
        await other.wait_for(lambda d: d.find(name="source").data["i"][-1] == POINTS + 199)
        await session.reconnect()
        kinds = [m["type"] for m in session.messages]
        assert kinds[-2:] == ["patch", "resumed"] and "doc" not in kinds[2:]
        assert session.document.find(name="source").data == \
            other.document.find(name="source").data == expected(200, POINTS)


def short_app(doc: Document) -> None:
    doc.add_root(Chart(source={"x": list(range(BINARY_MIN_LENGTH - 1)),
                               "y": [0.5] * (BINARY_MIN_LENGTH - 1)}, x="x", y="y"))


async def test_short_columns_stay_in_the_json() -> None:
    async with start_server(short_app) as server, \
            ClientSession.open(server.url + "/") as session:
        assert session.binary_frames == 0
        assert session.document.find(type="ColumnDataSource").data["y"] == [0.5] * 15


VIEW_ROWS = 50_000
SPIKE = VIEW_ROWS // 3


def view_app(charts: list[Chart]) -> Any:
    """A line long enough to be downsampled: the page draws the chart's `view`."""

    def app(doc: Document) -> None:
        ys: list[float | None] = [(i % 101) / 7 for i in range(VIEW_ROWS)]
        ys[SPIKE] = 500.0
        ys[SPIKE + 7] = None  # a gap
        chart = Chart(source={"t": [START + dt.timedelta(seconds=i) for i in range(VIEW_ROWS)],
                              "y": ys}, x="t", y="y", x_type="datetime", name="chart")
        charts.append(chart)
        doc.add_root(chart)

    return app


async def test_a_downsampled_chart_view_travels_in_binary_frames() -> None:
    charts: list[Chart] = []
    async with start_server(view_app(charts)) as server, \
            ClientSession.open(server.url + "/") as session:
        (chart,) = charts
        view = session.document.find(name="chart").view
        assert view["rows"] == VIEW_ROWS
        assert view["data"] == chart.view["data"]  # epoch ms, floats
        assert 500.0 in view["data"]["y"]
        # The held source sends no rows; the view's two columns come as frames.
        assert session.binary_frames == 2
        assert session.messages[1]["type"] == "doc"
        as_json = len(json.dumps(session.messages[1]).encode())
        assert session.bytes_received < as_json * 0.7

        frames = session.binary_frames
        spike_ms = (START + dt.timedelta(seconds=SPIKE)).timestamp() * 1000
        await session.set(session.document.find(name="chart"), "x_range",
                          [spike_ms - 300_000, spike_ms + 300_000])
        await session.wait_for(lambda d: d.find(name="chart").view["data"] == chart.view["data"])
        zoomed = session.document.find(name="chart").view["data"]
        assert zoomed["t"][0] < spike_ms < zoomed["t"][-1] and 500.0 in zoomed["y"]
        assert None in zoomed["y"]  # the gap: a NaN in the frame
        assert len(zoomed["t"]) == 603  # every row in view (and one past each edge)
        assert session.binary_frames == frames + 2  # the new view, again binary


def redraw_app(doc: Document) -> None:
    """The usual slider callback: the same x list with a new y, every time; and a
    button that changes x in place before giving it again."""
    xs = [i / 4 for i in range(64)]
    source = ColumnDataSource(data={"x": xs, "y": [0.0] * 64}, name="source")
    step = Button(label="Step", name="step")
    shift = Button(label="Shift", name="shift")
    steps = [0]

    def on_step() -> None:
        steps[0] += 1
        source.data = {"x": xs, "y": [x * steps[0] for x in xs]}

    def on_shift() -> None:
        xs[0] = -5.0  # in place: the next assignment must carry it
        source.data = {"x": xs, "y": list(source.data["y"])}

    step.on_click(on_step)
    shift.on_click(on_shift)
    doc.add_root(Column(step, shift, Chart(source=source, x="x", y="y")))


async def test_a_column_given_again_arrives_whole_and_a_changed_one_with_its_change() -> None:
    """Converting an unchanged column is skipped on the server, never what is sent."""
    async with start_server(redraw_app) as server, \
            ClientSession.open(server.url + "/") as session:
        source = session.document.find(name="source")
        for step in (1, 2):
            await session.click(session.document.find(name="step"))
            await session.wait_for(lambda d, s=step: d.find(name="source").data["y"][1] == s / 4)
            assert source.data["x"] == [i / 4 for i in range(64)]
        await session.click(session.document.find(name="shift"))
        await session.wait_for(lambda d: d.find(name="source").data["x"][0] == -5.0)
        assert source.data["x"][1:] == [i / 4 for i in range(1, 64)]
        assert source.data["y"] == [x * 2 for x in [i / 4 for i in range(64)]]
