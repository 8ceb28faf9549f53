"""Chart: zoom state as properties, downsampling of long lines, refused ranges."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from aioserve.client.session import ClientError
from aioserve.document.document import Document
from aioserve.models import Chart, Column, ColumnDataSource, DataTable
from aioserve.models.charts import CELL_PX, DOWNSAMPLE_ABOVE
from aioserve.testing import open_session

N = 1_000_000


def _big_line(n: int = N) -> tuple[ColumnDataSource, Chart]:
    xs = [i * 0.01 for i in range(n)]
    ys = [math.sin(i / 1000) for i in range(n)]
    ys[n // 3] = 25.0  # a spike every view must keep
    source = ColumnDataSource(data={"x": xs, "y": ys})
    return source, Chart(source=source, x="x", y="y", title="A million points")


def test_a_chart_fills_its_container_by_default() -> None:
    assert Chart().sizing_mode == "stretch_width"
    assert Chart(sizing_mode="fixed", width=400).sizing_mode == "fixed"
    assert Chart(width=400).sizing_mode == "fixed"  # a width given is the width wanted
    assert Chart(width=400, sizing_mode="stretch_width").sizing_mode == "stretch_width"


def test_a_short_chart_draws_its_source_and_a_long_line_a_view() -> None:
    small = Chart({"x": [1, 2], "y": [3, 4]}, y="y")
    assert small.view is None and not small.downsamples()
    source, chart = _big_line()
    assert chart.downsamples()
    view = chart.view
    assert view is not None and view["rows"] == N
    assert len(view["data"]["x"]) <= 2 * 1200 + 4  # the default until the page reports
    assert 25.0 in view["data"]["y"]


def test_the_view_follows_the_width_the_page_reports_and_the_zoom() -> None:
    _, chart = _big_line()
    chart.inner_width = 300
    assert len(chart.view["data"]["x"]) <= 2 * 300 + 4
    chart.x_range = [5000.0, 5001.0]  # 100 rows: all of them, none missing
    xs = chart.view["data"]["x"]
    assert len(xs) == 103 and xs[1] == pytest.approx(5000.0)
    chart.x_range = None
    assert chart.view["data"]["x"][0] == 0.0


def test_a_short_chart_is_drawn_whole_and_a_long_one_of_any_kind_thinned() -> None:
    xs = list(range(DOWNSAMPLE_ABOVE))
    for kind in ("line", "scatter", "bar"):
        assert Chart({"x": xs, "y": xs}, y="y", kind=kind).view is None
        assert Chart({"x": xs + [DOWNSAMPLE_ABOVE], "y": xs + [0]}, y="y",
                     kind=kind).view is not None
    off = Chart({"x": xs + [0], "y": xs + [0]}, y="y", downsample="none")
    assert off.view is None


def _cloud(n: int, *, outliers: bool = True) -> tuple[list[float], list[float]]:
    rng = random.Random(3)
    xs = [i * 0.01 for i in range(n)]
    ys = [rng.gauss(0, 1) for _ in range(n)]
    if outliers:
        ys[n // 4], ys[n // 2] = 40.0, -40.0
    return xs, ys


def test_a_long_bar_chart_keeps_each_pixel_columns_tallest_and_lowest_bar() -> None:
    xs, ys = _cloud(200_000)
    chart = Chart({"x": xs, "y": ys}, y="y", kind="bar")
    chart.inner_width = 500
    kept = chart.view["data"]
    assert len(kept["x"]) <= 2 * 500 + 4
    assert 40.0 in kept["y"] and -40.0 in kept["y"]


def test_a_long_scatter_keeps_its_cloud_and_its_outliers() -> None:
    xs, ys = _cloud(200_000)
    chart = Chart({"x": xs, "y": ys}, y="y", kind="scatter", height=240)
    chart.inner_width = 600
    kept = chart.view["data"]
    cells = (600 // CELL_PX) * (240 // CELL_PX + 2)
    assert len(kept["x"]) <= cells + 2 * 600 + 4
    assert 40.0 in kept["y"] and -40.0 in kept["y"]
    # Not just the outline min/max gives: points from inside the cloud too.
    xs, ys = _cloud(200_000, outliers=False)
    cloud = Chart({"x": xs, "y": ys}, y="y", kind="scatter", height=240, inner_width=600)
    assert sum(-0.5 < y < 0.5 for y in cloud.view["data"]["y"]) > 300
    outline = Chart({"x": xs, "y": ys}, y="y", kind="scatter", downsample="minmax",
                    inner_width=600)
    assert sum(-0.5 < y < 0.5 for y in outline.view["data"]["y"]) < 30


def test_a_long_scatter_at_one_x_keeps_its_spread() -> None:
    ys = [float(i % 1000) for i in range(DOWNSAMPLE_ABOVE + 1)]
    chart = Chart({"x": [7] * len(ys), "y": ys}, y="y", kind="scatter")
    kept = chart.view["data"]["y"]
    assert min(kept) == 0.0 and max(kept) == 999.0
    assert len(kept) <= 300 // CELL_PX + 4


def test_a_scatters_view_follows_its_y_zoom_and_height() -> None:
    xs, ys = _cloud(50_000)
    chart = Chart({"x": xs, "y": ys}, y="y", kind="scatter")
    whole = chart.view["data"]["y"]
    chart.y_range = [-0.1, 0.1]  # zoomed into the cloud's middle: finer cells there
    zoomed = chart.view["data"]["y"]
    assert sum(-0.1 <= y <= 0.1 for y in zoomed) > 2 * sum(-0.1 <= y <= 0.1 for y in whole)
    chart.y_range = None
    chart.height = 120
    assert len(chart.view["data"]["y"]) < len(whole)
    line = Chart({"x": xs, "y": ys}, y="y")
    view = line.view
    line.y_range = [-0.1, 0.1]
    assert line.view is view  # a line's view depends on x alone: not recomputed


def test_a_source_read_through_a_view_sends_no_rows() -> None:
    source, chart = _big_line(DOWNSAMPLE_ABOVE + 10)
    doc = Document()
    doc.add_root(chart)
    sent = doc.to_json()["models"][source.id]["props"]["data"]
    assert sent == {"x": [], "y": []}
    chart.downsample = "none"  # drawn from the source again: the rows go with it
    assert len(source.to_json()["props"]["data"]["x"]) == DOWNSAMPLE_ABOVE + 10


def test_the_view_follows_the_source() -> None:
    source, chart = _big_line(20_000)
    source.data = {"x": list(range(20_000)), "y": [-7.0] + [0.0] * 19_999}
    assert chart.view["data"]["y"][0] == -7.0
    source.stream({"x": [20_000], "y": [99.0]})
    assert chart.view["data"]["y"][-1] == 99.0 and chart.view["rows"] == 20_001
    source.patch({"y": [(10_000, -50.0)]})
    assert -50.0 in chart.view["data"]["y"]


@pytest.mark.parametrize(("value", "words"), [
    ([math.nan, 1], "finite"),
    ([5, 1], "start 5 is not below end 1"),
    ([1, 1], "not below"),
    ([-1e308, 1e308], "too wide"),
    ([0, 10 ** 400], "too large"),
    ([1.0, 1.0 + 1e-15], "narrower than a float"),
    ([1], "expected a [start, end] pair"),
    ("0,1", "expected a [start, end] pair"),
])
def test_a_bad_range_is_refused_in_python(value: Any, words: str) -> None:
    chart = Chart({"x": [0, 1], "y": [0, 1]}, y="y")
    with pytest.raises((TypeError, ValueError)) as caught:
        chart.x_range = value
    assert str(caught.value).startswith("Chart.x_range: ") and words in str(caught.value)
    assert chart.x_range is None


def test_a_range_far_beyond_the_data_is_refused() -> None:
    chart = Chart({"x": [0, 10], "y": [0, 1]}, y="y")
    chart.x_range = [-5000, 5000]
    with pytest.raises(ValueError, match=r"Chart.x_range: .* more than 1000 data widths"):
        chart.x_range = [0, 1e9]
    with pytest.raises(ValueError, match="a category axis does not zoom"):
        Chart({"x": ["a"], "y": [1]}, y="y", x_type="category", x_range=[0, 1])


def _app(doc: Document) -> None:
    source, chart = _big_line()
    chart.name = "chart"
    seen = DataTable(source={"range": ["none"]}, name="seen")

    def show(attr: str, old: Any, new: Any) -> None:
        seen.source.data = {"range": [repr(new)]}

    chart.on_change("x_range", show)
    doc.add_root(Column(chart, seen))


async def test_the_browser_zooms_python_sees_it_and_gets_full_detail() -> None:
    async with open_session(_app) as s:
        chart = s.find(name="chart")
        assert len(chart.view["data"]["x"]) <= 2 * 1200 + 4
        await s.set(chart, inner_width=800)
        await s.set(chart, x_range=[3330.0, 3336.0])  # 600 rows around the spike
        await s.settled()
        assert s.server_model(chart).x_range == [3330.0, 3336.0]
        assert s.find(name="seen").source  # the table exists
        table_source = s.document.models[s.find(name="seen").source["ref"]]
        assert table_source.props["data"]["range"] == ["[3330.0, 3336.0]"]
        xs = chart.view["data"]["x"]
        inside = sum(3330.0 <= i * 0.01 <= 3336.0 for i in range(332_900, 333_700))
        assert len(xs) == inside + 2  # every row in view, one beyond each edge
        assert 25.0 in chart.view["data"]["y"]


@pytest.mark.parametrize("value", [[math.nan, 5.0], [9.0, 2.0], [-1e300, 1e300], [0, 1e12]])
async def test_a_bad_zoom_from_the_browser_is_refused_and_changes_nothing(value: Any) -> None:
    async with open_session(_app) as s:
        chart = s.find(name="chart")
        await s.set(chart, x_range=[100.0, 200.0])
        await s.settled()
        view = chart.view
        with pytest.raises(ClientError) as caught:
            await s.set(chart, x_range=value)
        assert caught.value.code == "invalid_value" and "Chart.x_range" in caught.value.message
        await s.settled()
        assert s.server_model(chart).x_range == [100.0, 200.0]
        assert chart.view == view
        await s.set(chart, x_range=[150.0, 160.0])  # the session goes on
        await s.settled()
        assert s.server_model(chart).x_range == [150.0, 160.0]


def test_gaps_datetimes_and_unsorted_x_still_give_a_bounded_view() -> None:
    import datetime as dt
    n = 30_000
    start = dt.datetime(2024, 1, 1)
    times = [start + dt.timedelta(seconds=i) for i in range(n)]
    ys: list[float | None] = [float(i % 100) for i in range(n)]
    ys[5] = None
    ys[7] = math.nan
    chart = Chart({"t": times, "y": ys}, x="t", x_type="datetime", y="y")
    view = chart.view
    assert view["x_extent"] == [1704067200000.0, 1704067200000.0 + (n - 1) * 1000]
    assert None not in view["data"]["y"] and len(view["data"]["t"]) <= 2 * 1200 + 4
    shuffled = list(range(n))
    shuffled[10], shuffled[20] = shuffled[20], shuffled[10]
    unsorted = Chart({"x": shuffled, "y": [float(v) for v in range(n)]}, y="y")
    assert unsorted.view["x_extent"] == [0, n - 1]
    assert len(unsorted.view["data"]["x"]) <= 2 * 1200 + 2


def test_a_new_y_column_reuses_what_is_known_of_x_but_a_changed_x_is_read_again() -> None:
    source, chart = _big_line(20_000)
    xs = list(source.data["x"])
    source.data = {"x": xs, "y": [1.0] * 20_000}  # the same x values, a new list
    assert chart.view["x_extent"] == [0.0, 199.99]
    source.patch({"x": [(0, 500.0)]})  # changed in place: no longer in order
    assert chart.view["x_extent"] == [0.01, 500.0]
    source.data = {"x": [v * 2 for v in xs], "y": [1.0] * 20_000}
    assert chart.view["x_extent"] == [0.0, 399.98]
