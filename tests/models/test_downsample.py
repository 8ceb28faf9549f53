"""Min/max downsampling keeps every extreme and bounds what it sends."""

from __future__ import annotations

import math
import random

import pytest

from aioserve.models.downsample import (
    index_minmax_rows,
    is_clean,
    minmax_rows,
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
