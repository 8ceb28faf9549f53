"""Min/max downsampling: the points of a long series that a chart's pixels can show.

For each pixel column of the visible x range, the point with the smallest and
the one with the largest y of every series are kept (in x order), plus the
first and last visible points and one neighbour outside each edge, so the line
reaches the plot's edges. A line drawn through what is kept covers the same
pixels as the full line: peaks and troughs are never lost, whatever the zoom.
At most 2 points per pixel and series (plus 4) come out, whatever comes in.

Pure functions over Python lists; the builtins `min`, `max`, `list.index`
and `bisect` do the per-point work at C speed (about 40 ms for 1,000,000
points here), so there is no dependency on numpy.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any


def is_clean(values: Sequence[Any]) -> bool:
    """True when every value is a finite number, so `min`/`max` can run on slices."""
    try:
        return all(map(math.isfinite, values))
    except TypeError:
        return False


def visible_rows(xs: Sequence[float], lo: float, hi: float) -> tuple[int, int]:
    """The rows [start, stop) of ascending `xs` in [lo, hi], widened by one on each
    side so a line runs on to the plot's edges."""
    start = max(0, bisect_left(xs, lo) - 1)
    stop = min(len(xs), bisect_right(xs, hi) + 1)
    return start, stop


def _extremes(ys: Sequence[Any], a: int, b: int, clean: bool, keep: set[int]) -> None:
    """Add to `keep` the rows of the smallest and largest y in rows [a, b)."""
    if clean:
        segment = ys[a:b]
        low, high = min(segment), max(segment)
        keep.add(a + segment.index(low))
        keep.add(a + segment.index(high))
        return
    best_lo = best_hi = -1
    for i in range(a, b):  # the slow path, for columns with gaps (None / NaN)
        v = ys[i]
        if isinstance(v, (int, float)) and math.isfinite(v):
            if best_lo < 0 or v < ys[best_lo]:
                best_lo = i
            if best_hi < 0 or v > ys[best_hi]:
                best_hi = i
    if best_lo >= 0:
        keep.update((best_lo, best_hi))


def minmax_rows(xs: Sequence[float], columns: Sequence[Sequence[Any]], lo: float, hi: float,
                buckets: int, *, clean: Sequence[bool] | None = None) -> list[int]:
    """The rows to send for ascending `xs` shown over [lo, hi] in `buckets` pixels.

    `columns` are the y columns (one per series); `clean[k]` says column k holds
    only finite numbers (see `is_clean`), which takes the fast path.
    """
    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets}")
    start, stop = visible_rows(xs, lo, hi)
    if stop - start <= 2 * buckets + 4:
        return list(range(start, stop))  # already no more than the pixels can show
    flags = list(clean) if clean is not None else [is_clean(c) for c in columns]
    keep = {start, stop - 1}
    first = bisect_left(xs, lo, start, stop)
    last = bisect_right(xs, hi, start, stop)
    if first < last:
        keep.update((first, last - 1))
    width = (hi - lo) / buckets
    a = first
    for k in range(1, buckets + 1):
        b = last if k == buckets else bisect_left(xs, lo + k * width, a, last)
        if b > a:
            for ys, ok in zip(columns, flags, strict=True):
                _extremes(ys, a, b, ok, keep)
        a = b
    return sorted(keep)


def index_minmax_rows(columns: Sequence[Sequence[Any]], rows: Sequence[int],
                      buckets: int) -> list[int]:
    """For x that is not in order: `rows` cut into `buckets` runs of equal count,
    each run's extremes kept (a line through unsorted x is drawn in row order)."""
    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets}")
    if len(rows) <= 2 * buckets + 2:
        return list(rows)
    keep = {rows[0], rows[-1]}
    size = len(rows) / buckets
    for k in range(buckets):
        run = rows[int(k * size):int((k + 1) * size)]
        for ys in columns:
            values = [(v, i) for i in run if isinstance(v := ys[i], (int, float))
                      and math.isfinite(v)]
            if values:
                keep.add(min(values)[1])
                keep.add(max(values)[1])
    return sorted(keep)
