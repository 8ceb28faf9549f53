"""Min/max downsampling keeps every extreme and bounds what it sends."""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioserve.models.downsample import (
    index_minmax_rows,
    is_clean,
    minmax_rows,
    point_rows,
    visible_rows,
)


def _bucket_extremes(xs: list[float], ys: list[float], lo: float, hi: float,
                     buckets: int) -> list[tuple[float, float]]:
    """Per pixel column of [lo, hi]: (min y, max y) of the rows inside it, by brute force."""
    width = (hi - lo) / buckets
    out: list[tuple[float, float]] = []
    for k in range(buckets):
        a, b = lo + k * width, lo + (k + 1) * width
        inside = [y for x, y in zip(xs, ys, strict=True)
                  if a <= x < b or (k == buckets - 1 and x == hi)]
        if inside:
            out.append((min(inside), max(inside)))
    return out


def test_a_million_points_come_down_to_two_a_pixel_with_every_extreme() -> None:
    rng = random.Random(7)
    n = 1_000_000
    xs = [i * 0.001 for i in range(n)]
    ys = [math.sin(i / 5000) + rng.gauss(0, 0.1) for i in range(n)]
    ys[123_456] = 40.0  # one spike and one dip the picture must not lose
    ys[876_543] = -40.0
    rows = minmax_rows(xs, [ys], xs[0], xs[-1], 1000)
    assert len(rows) <= 2 * 1000 + 4
    assert rows == sorted(set(rows))
    assert 123_456 in rows and 876_543 in rows
    assert rows[0] == 0 and rows[-1] == n - 1


def test_each_pixel_column_keeps_its_minimum_and_maximum() -> None:
    rng = random.Random(3)
    xs = sorted(rng.uniform(0, 100) for _ in range(20_000))
    ys = [rng.uniform(-1, 1) for _ in xs]
    lo, hi, buckets = 20.0, 60.0, 50
    rows = minmax_rows(xs, [ys], lo, hi, buckets)
    kept = [(xs[i], ys[i]) for i in rows]
    expected = _bucket_extremes(xs, ys, lo, hi, buckets)
    got = _bucket_extremes([x for x, _ in kept], [y for _, y in kept], lo, hi, buckets)
    assert got == expected  # the kept rows draw the same envelope, pixel by pixel
    assert len(rows) <= 2 * buckets + 4


def test_the_rows_reach_one_past_each_edge_of_the_visible_range() -> None:
    xs = [float(i) for i in range(10_000)]
    rows = minmax_rows(xs, [xs], 100.5, 9000.5, 10)
    assert rows[0] == 100 and rows[-1] == 9001  # the line runs on to the plot's edges
    assert visible_rows(xs, 100.5, 9000.5) == (100, 9002)


def test_zooming_in_gives_every_row() -> None:
    xs = [float(i) for i in range(1_000_000)]
    ys = [float(i % 97) for i in range(1_000_000)]
    rows = minmax_rows(xs, [ys], 500_000, 500_300, 1000)
    assert rows == list(range(499_999, 500_302))


def test_several_series_share_rows_and_each_keeps_its_extremes() -> None:
    xs = [float(i) for i in range(50_000)]
    a = [0.0] * 50_000
    b = [0.0] * 50_000
    a[10_001], b[30_003] = 5.0, -5.0
    rows = minmax_rows(xs, [a, b], 0, 49_999, 100)
    assert 10_001 in rows and 30_003 in rows
    assert len(rows) <= 2 * 2 * 100 + 4


def test_gaps_take_the_slow_path_and_are_skipped() -> None:
    xs = [float(i) for i in range(10_000)]
    ys: list[float | None] = [1.0] * 10_000
    ys[500] = None
    ys[600] = math.nan
    ys[700] = 9.0
    assert not is_clean(ys)
    rows = minmax_rows(xs, [ys], 0, 9_999, 20)
    assert 700 in rows and 500 not in rows and 600 not in rows


def test_cleanliness() -> None:
    assert is_clean([1, 2.5]) and not is_clean([1, "a"]) and not is_clean([math.inf])


def test_unsorted_x_keeps_extremes_of_equal_runs() -> None:
    rng = random.Random(5)
    ys = [rng.uniform(0, 1) for _ in range(10_000)]
    ys[4_321] = 10.0
    rows = index_minmax_rows([ys], list(range(10_000)), 50)
    assert 4_321 in rows and len(rows) <= 2 * 50 + 2


def test_zero_buckets_is_refused() -> None:
    with pytest.raises(ValueError, match="buckets must be at least 1"):
        minmax_rows([1.0, 2.0], [[1.0, 2.0]], 1, 2, 0)


def _cell(x: float, y: float, x_bounds: tuple[float, float], y_bounds: tuple[float, float],
          cells: tuple[int, int]) -> tuple[int, int]:
    """The plot's cell holding (x, y); one row below and one above the y range take
    everything beyond it."""
    (x0, x1), (y0, y1) = x_bounds, y_bounds
    column = math.floor((x - x0) * (cells[0] / (x1 - x0)))
    return column, min(cells[1], max(-1, math.floor((y - y0) * (cells[1] / (y1 - y0)))))


def _occupied(xs: list[float], ys: list[float], x_bounds: tuple[float, float],
              y_bounds: tuple[float, float], cells: tuple[int, int]) -> set[tuple[int, int]]:
    return {_cell(x, y, x_bounds, y_bounds, cells) for x, y in zip(xs, ys, strict=True)}


def _column_extremes(xs: list[float], ys: list[float], x_bounds: tuple[float, float],
                     y_bounds: tuple[float, float],
                     cells: tuple[int, int]) -> dict[int, tuple[float, float]]:
    """{cell column: (lowest y, highest y)}, by brute force."""
    out: dict[int, tuple[float, float]] = {}
    for x, y in zip(xs, ys, strict=True):
        column = _cell(x, y, x_bounds, y_bounds, cells)[0]
        low, high = out.get(column, (y, y))
        out[column] = (min(low, y), max(high, y))
    return out


def test_a_million_point_cloud_keeps_its_shape_and_every_extreme() -> None:
    rng = random.Random(11)
    n = 1_000_000
    xs = [i * 0.001 for i in range(n)]
    ys = [rng.gauss(0, 1) * (1 + (i // 100_000) % 3) for i in range(n)]
    ys[333_333], ys[666_666] = 30.0, -30.0  # outliers a thinned cloud must not lose
    cells = (200, 50)
    rows = point_rows(xs, [ys], range(n), (0.0, xs[-1]), None, cells)
    assert len(rows) <= cells[0] * (cells[1] + 2) + 2 * cells[0] + 2
    assert len(rows) < n / 50
    assert 333_333 in rows and 666_666 in rows
    kept_x, kept_y = [xs[i] for i in rows], [ys[i] for i in rows]
    # Every cell of the plot that holds a point still holds one: the cloud looks the same.
    box = (0.0, xs[-1]), (min(ys), max(ys))
    assert _occupied(kept_x, kept_y, *box, cells) == _occupied(xs, ys, *box, cells)
    # And each cell column keeps its lowest and highest point.
    assert _column_extremes(kept_x, kept_y, *box, cells) == _column_extremes(xs, ys, *box, cells)


def test_an_unsorted_cloud_with_gaps_is_thinned_the_same_way() -> None:
    rng = random.Random(13)
    n = 50_000
    xs = [rng.uniform(0, 100) for _ in range(n)]
    ys: list[float | None] = [rng.uniform(-1, 1) for _ in range(n)]
    ys[10], ys[20] = None, math.nan
    xs[30], ys[30] = 40.0, 8.0
    lo, hi, cells = 20.0, 60.0, (40, 20)
    visible = [i for i, x in enumerate(xs) if lo <= x <= hi]
    rows = point_rows(xs, [ys], visible, (lo, hi), None, cells)
    assert set(rows) <= set(visible) - {10, 20} and 30 in rows
    assert len(rows) <= cells[0] * (cells[1] + 2) + 2 * cells[0]
    shown = [i for i in visible if i not in (10, 20)]
    all_x, all_y = [xs[i] for i in shown], [float(ys[i] or 0) for i in shown]
    kept_x, kept_y = [xs[i] for i in rows], [float(ys[i] or 0) for i in rows]
    box = (lo, hi), (min(all_y), max(all_y))
    assert _occupied(kept_x, kept_y, *box, cells) == _occupied(all_x, all_y, *box, cells)
    assert _column_extremes(kept_x, kept_y, *box, cells) == \
        _column_extremes(all_x, all_y, *box, cells)


def test_points_beyond_a_zoomed_y_range_share_a_cell_per_column() -> None:
    rng = random.Random(17)
    n = 100_000
    xs = [i * 0.01 for i in range(n)]
    ys = [rng.uniform(-100, 100) for _ in range(n)]
    cells, box = (100, 40), ((0.0, xs[-1]), (-1.0, 1.0))
    rows = point_rows(xs, [ys], range(n), *box, cells)
    assert len(rows) <= cells[0] * (cells[1] + 2) + 2 * cells[0]
    assert _occupied([xs[i] for i in rows], [ys[i] for i in rows], *box, cells) == \
        _occupied(xs, ys, *box, cells)


def test_no_cells_is_refused() -> None:
    with pytest.raises(ValueError, match="cells must be at least 1 by 1"):
        point_rows([1.0, 2.0], [[1.0, 2.0]], range(2), (1.0, 2.0), None, (0, 5))


def _without_numpy(*args: Any) -> list[int]:
    """point_rows as it runs where numpy is not installed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "numpy", None)  # `import numpy` raises ImportError
        return point_rows(*args)


_NUMBERS = st.one_of(st.floats(-1e6, 1e6), st.integers(-10**6, 10**6))
_GAPS = st.sampled_from([None, math.nan, math.inf, -math.inf])


@st.composite
def _scatters(draw: st.DrawFn) -> tuple[Any, ...]:
    """point_rows' arguments as a chart gives them: epoch-ms or plain x, sorted
    (a range of rows) or not (the rows inside the x range), y with or without gaps,
    the y range fitted or zoomed, and one point, none or many."""
    n = draw(st.integers(0, 80))
    offset = draw(st.sampled_from([0, 1_700_000_000_000]))  # datetimes as epoch ms
    xs = [offset + x for x in draw(st.lists(_NUMBERS, min_size=n, max_size=n))]
    gaps = draw(st.booleans())
    y_values = st.one_of(_NUMBERS, _GAPS) if gaps else _NUMBERS
    columns = draw(st.lists(st.lists(y_values, min_size=n, max_size=n), min_size=1, max_size=2))
    lo, hi = sorted(offset + v for v in draw(st.tuples(_NUMBERS, _NUMBERS)))
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5  # one x value: as charts.py widens it
    rows: Sequence[int]
    if draw(st.booleans()):
        xs.sort()
        rows = range(*visible_rows(xs, lo, hi))
    else:
        rows = [i for i, x in enumerate(xs) if lo <= x <= hi]
    y_bounds = draw(st.none() | st.tuples(_NUMBERS, _NUMBERS).map(sorted).map(tuple))
    cells = draw(st.tuples(st.integers(1, 40), st.integers(1, 20)))
    return xs, columns, rows, (lo, hi), y_bounds, cells


@settings(max_examples=300, deadline=None)
@given(_scatters())
def test_numpy_keeps_the_same_points_as_pure_python_and_every_extreme(
        args: tuple[Any, ...]) -> None:
    pytest.importorskip("numpy")
    xs, columns, rows, (lo, hi), y_bounds, cells = args
    kept = point_rows(*args)
    assert kept == _without_numpy(*args)
    if y_bounds is not None:
        return
    # Each cell column (as point_rows numbers them) keeps its lowest and highest y.
    scale = cells[0] / (hi - lo)
    scale = scale if math.isfinite(scale) else 0.0  # too narrow a range: one column
    for ys in columns:
        shown = [i for i in rows if isinstance(ys[i], (int, float)) and math.isfinite(ys[i])]
        for column in {int((xs[i] - lo) * scale + 1) for i in shown}:
            inside = [ys[i] for i in shown if int((xs[i] - lo) * scale + 1) == column]
            kept_inside = [ys[i] for i in kept if i in shown
                           and int((xs[i] - lo) * scale + 1) == column]
            assert min(inside) in kept_inside and max(inside) in kept_inside


def test_a_range_too_narrow_for_floats_keeps_its_points() -> None:
    """A zoom 1e-311 wide has no finite cells per unit, and a neighbour at 1e308 beside
    it lands past a float's range: both are thinned, not an error (which would refuse
    the zoom)."""
    assert point_rows([0.0], [[0.0]], [0], (0.0, 2.2e-311), None, (1, 1)) == [0]
    assert point_rows([0.0], [[0.0]], [0], (-2.2e-311, 0.0), None, (1, 1)) == [0]
    xs, ys = [-1.0, 0.0, 0.5, 1e308], [[1.0, 2.0, 3.0, 4.0]]
    for args in [(xs, ys, range(4), (0.0, 1.0), None, (10, 5)),
                 (xs, ys, range(4), (0.0, 1e-300), None, (10, 5))]:
        assert point_rows(*args) == _without_numpy(*args) == [0, 1, 2, 3]


def test_a_long_cloud_is_thinned_the_same_with_numpy_and_without() -> None:
    """Past what hypothesis draws: 200,000 points, unsorted and sorted, zoomed in with
    a neighbour far past each edge, gaps in y, a zoomed y range."""
    pytest.importorskip("numpy")
    rng = random.Random(19)
    n = 200_000
    xs = [rng.uniform(0, 1000) for _ in range(n)]
    ys: list[float | None] = [rng.gauss(0, 1) for _ in range(n)]
    ys[5], ys[6] = None, math.nan
    cells = (200, 50)
    visible = [i for i, x in enumerate(xs) if 100 <= x <= 600]
    for args in [(xs, [ys], visible, (100.0, 600.0), None, cells),
                 (xs, [ys], visible, (100.0, 600.0), (-1.0, 1.0), cells)]:
        assert point_rows(*args) == _without_numpy(*args)
    xs.sort()
    xs[0], xs[-1] = -1e12, 1e12  # neighbours far past the x range
    for x_range in [(xs[1], xs[-2]), (400.0, 400.5)]:
        args = (xs, [ys], range(*visible_rows(xs, *x_range)), x_range, None, cells)
        assert point_rows(*args) == _without_numpy(*args)
