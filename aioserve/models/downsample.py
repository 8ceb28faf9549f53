"""Min/max downsampling: the points of a long series that a chart's pixels can show.

For each pixel column of the visible x range, the point with the smallest and
the one with the largest y of every series are kept (in x order), plus the
first and last visible points and one neighbour outside each edge, so the line
reaches the plot's edges. A line drawn through what is kept covers the same
pixels as the full line: peaks and troughs are never lost, whatever the zoom.
At most 2 points per pixel and series (plus 4) come out, whatever comes in.

Scatters keep a point per occupied cell instead, and each cell column's
extremes (`point_rows`).

Pure functions over Python lists. For lines and bars the builtins `min`, `max`,
`list.index` and `bisect` do the per-point work at C speed (about 40 ms for
1,000,000 points here). A scatter needs a cell per point: numpy works them out
when it is installed (it is not a dependency of aioserve), with the same rows
kept as the pure-Python path that runs without it. Columns may also be float64
numpy arrays (a source's numpy columns, NaN for gaps: charts.py): then numpy
does the per-point work on them as they are.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import compress
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
    if type(ys) is not list and hasattr(ys, "argmax"):  # a float64 numpy array
        _array_extremes(ys[a:b], a, clean, keep)
        return
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


def _array_extremes(segment: Any, a: int, clean: bool, keep: set[int]) -> None:
    """`_extremes` of a float64 array: the first smallest and largest, NaN skipped."""
    if clean:
        keep.update((a + int(segment.argmin()), a + int(segment.argmax())))
        return
    import numpy as np

    low, high = np.fmin.reduce(segment), np.fmax.reduce(segment)  # NaN only when all are
    if low == low:
        keep.update((a + int((segment == low).argmax()), a + int((segment == high).argmax())))


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


def point_rows(xs: Sequence[Any], columns: Sequence[Sequence[Any]], rows: Sequence[int],
               x_bounds: tuple[float, float], y_bounds: tuple[float, float] | None,
               cells: tuple[int, int], *, clean: Sequence[bool] | None = None) -> list[int]:
    """The rows to send for a scatter of `rows` (the visible ones, in any x order;
    a `range` when they are consecutive).

    The plot is cut into `cells` (columns, rows) of about a marker's size and one
    point per occupied cell is kept, so a cloud keeps its shape and density (the
    marker drawn in each occupied cell covers it). `y_bounds` is the visible y
    range; points above or below it share one cell per column. With `y_bounds`
    None the axes fit the points, so each cell column also keeps its exact lowest
    and highest point: no outlier or extreme is lost. At most
    cells[0] * (cells[1] + 2) + 2 * cells[0] rows per series (and 2 past the
    x edges) come out, whatever comes in.
    """
    if min(cells) < 1:
        raise ValueError(f"cells must be at least 1 by 1, got {cells}")
    flags = list(clean) if clean is not None else [is_clean(c) for c in columns]
    keep: set[int] = set()
    for ys, ok in zip(columns, flags, strict=True):
        fast = _numpy_point_rows(xs, ys, rows, ok, x_bounds, y_bounds, cells)
        keep.update(_point_rows(xs, ys, rows, ok, x_bounds, y_bounds, cells)
                    if fast is None else fast)
    return sorted(keep)


def _point_rows(xs: Sequence[Any], ys: Sequence[Any], rows: Sequence[int], clean: bool,
                x_bounds: tuple[float, float], y_bounds: tuple[float, float] | None,
                cells: tuple[int, int]) -> set[int]:
    """One series' rows (see `point_rows`) in pure Python: comprehensions and C-speed
    builtins, about 0.25-0.35 s for 1,000,000 points here."""
    shown: Sequence[int]
    if clean:
        shown = rows
        if isinstance(rows, range) and rows.step == 1:  # slices: C speed
            x_values, values = xs[rows.start:rows.stop], ys[rows.start:rows.stop]
        else:
            x_values, values = [xs[i] for i in rows], [ys[i] for i in rows]
    else:
        shown = [i for i in rows if _finite(ys[i])]
        x_values, values = [xs[i] for i in shown], [ys[i] for i in shown]
    if not shown:
        return set()
    lo = x_bounds[0]
    y_lo, y_hi = y_bounds if y_bounds is not None else (min(values), max(values))
    x_scale, y_scale = _scales(x_bounds, y_lo, y_hi, cells)
    # Cell row floor(v) + 1 (int(v + 1) floors v >= -1); rows 0 and `top` are the
    # cells below and above the y range. Columns likewise, shifted by one. The
    # comparisons clamp at half the cost of min() and max() calls.
    top, span = cells[1] + 1, cells[1] + 2
    try:
        keys = [int((x - lo) * x_scale + 1) * span
                + (r if 0 <= (r := int((y - y_lo) * y_scale + 1)) <= top else 0 if r < 0 else top)
                for x, y in zip(x_values, values, strict=True)]
    except (OverflowError, ValueError):  # a cell past a float's range: 1e308 beside a narrow zoom
        keys = [_clamped((x - lo) * x_scale + 1, -1, cells[0] + 1) * span
                + _clamped((y - y_lo) * y_scale + 1, 0, top)
                for x, y in zip(x_values, values, strict=True)]
    occupied = dict(zip(keys, shown, strict=True))  # the last row met per cell
    keep = set(occupied.values())
    if y_bounds is not None:
        return keep
    # The extremes of a column lie in its lowest and highest occupied cells: look
    # only at the points there, sorted by value; the last one a dict keeps per
    # column is then the highest, and in reverse the lowest.
    low: dict[int, int] = {}
    high: dict[int, int] = {}
    for key in occupied:
        column, row = divmod(key, span)
        if row < low.get(column, span):
            low[column] = row
        if row > high.get(column, -1):
            high[column] = row
    edges = {c * span + r for c, r in low.items()} | {c * span + r for c, r in high.items()}
    picked = compress(zip(values, shown, keys, strict=True), map(edges.__contains__, keys))
    candidates = sorted((v, i, k // span) for v, i, k in picked)
    keep.update(dict((c, i) for _, i, c in candidates).values())
    keep.update(dict((c, i) for _, i, c in reversed(candidates)).values())
    return keep


def _numpy_point_rows(xs: Sequence[Any], ys: Sequence[Any], rows: Sequence[int], clean: bool,
                      x_bounds: tuple[float, float], y_bounds: tuple[float, float] | None,
                      cells: tuple[int, int]) -> list[int] | None:
    """`_point_rows` with numpy when it is installed (about 0.1 s for 1,000,000
    points, most of it turning the lists into arrays); None to work in Python:
    without numpy, or for values numpy would not treat exactly as Python does
    (ints past 2**53, non-finite cells)."""
    points = _numpy_points(xs, ys, rows, clean)
    if points is None:
        return None
    index, x, y = points
    if not len(index):
        return []
    import numpy as np

    exact = 2.0**53  # Python subtracts and compares ints exactly; float64 does not past this
    if (not all(abs(b) <= exact for b in (*x_bounds, *(y_bounds or ())))
            or max(np.abs(x).max(), np.abs(y).max()) > exact):
        return None
    if y_bounds is None:  # the objects Python's min() and max() return: the first of equals
        y_lo, y_hi = ys[int(index[y.argmin()])], ys[int(index[y.argmax()])]
    else:
        y_lo, y_hi = y_bounds
    x_scale, y_scale = _scales(x_bounds, y_lo, y_hi, cells)
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        x_cells = (x - x_bounds[0]) * x_scale + 1
        y_cells = (y - y_lo) * y_scale + 1
    if not (np.isfinite(x_cells).all() and np.isfinite(y_cells).all()):
        return None  # Python's int() fails on these
    if np.abs(x_cells).max() >= 2.0**62:
        return None
    column = x_cells.astype(np.int64)  # truncated toward zero, as int() does
    row = np.clip(y_cells, 0, cells[1] + 1).astype(np.int64)
    return _numpy_kept(index, column, row, y if y_bounds is None else None, cells[1] + 2)


def _numpy_points(xs: Any, ys: Any, rows: Sequence[int],
                  clean: bool) -> tuple[Any, Any, Any] | None:
    """The rows of a series with a finite y, and their x and y as float64 arrays
    (`xs` and `ys`: lists, or float64 arrays taken as they are);
    None without numpy or when the values are not all plain numbers (or None)."""
    try:
        import numpy as np
    except ImportError:
        return None
    arrays = type(xs) is np.ndarray and type(ys) is np.ndarray  # no list to turn into one
    if isinstance(rows, range) and rows.step == 1:
        index = np.arange(rows.start, rows.stop, dtype=np.int64)
        x_values, values = xs[rows.start:rows.stop], ys[rows.start:rows.stop]
    elif arrays:
        index = np.asarray(rows, dtype=np.int64)
        x_values, values = xs[index], ys[index]
    else:
        index = np.asarray(rows, dtype=np.int64)
        x_values, values = [xs[i] for i in rows], [ys[i] for i in rows]
    if not clean and not arrays and not set(map(type, values)) <= {int, float, type(None)}:
        return None  # bools, text, ...: `_finite` decides
    try:
        x = np.asarray(x_values)
        y = np.asarray(values, dtype=None if clean else np.float64)  # None: NaN
    except (OverflowError, TypeError, ValueError):
        return None
    if not (x.dtype.kind in "biuf" and y.dtype.kind in "biuf" and len(x) == len(y) == len(index)):
        return None
    x, y = x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    if clean:
        return index, x, y
    finite = np.isfinite(y)
    return index[finite], x[finite], y[finite]


def _numpy_kept(index: Any, column: Any, row: Any, y: Any, span: int) -> list[int]:
    """The last of `index` met in each cell (as Python's dict keeps it) and, given
    `y`, each cell column's highest and lowest point: the last and the first of
    equals, as Python's sort of (value, row) pairs picks them."""
    import numpy as np

    first, last = int(column.min()), int(column.max())
    if (last - first + 1) * span <= 4 * len(index) + 65_536:
        column = column - first
        width = last - first + 1
    else:  # a few points far past the x range: number the occupied columns instead
        occupied, column = np.unique(column, return_inverse=True)
        width = len(occupied)
    latest = np.full(width * span, -1, dtype=np.int64)
    np.maximum.at(latest, column * span + row, np.arange(len(index)))
    kept = [index[latest[latest >= 0]]]
    if y is not None:
        high = np.full(width, -np.inf)
        np.maximum.at(high, column, y)
        low = np.full(width, np.inf)
        np.minimum.at(low, column, y)
        present = np.isfinite(high)
        ends = np.iinfo(np.int64)
        for extreme, pick, start in ((high, np.maximum, ends.min), (low, np.minimum, ends.max)):
            tie = y == extreme[column]
            best = np.full(width, start, dtype=np.int64)
            pick.at(best, column[tie], index[tie])
            kept.append(best[present])
    result: list[int] = np.concatenate(kept).tolist()
    return result


def _scales(x_bounds: tuple[float, float], y_lo: float, y_hi: float,
            cells: tuple[int, int]) -> tuple[float, float]:
    """Cells per unit of x and of y: 0 when all y are equal, or when a range is too
    narrow for a float to tell its cells apart (a width of 1e-311: no finite scale)."""
    lo, hi = x_bounds
    x_scale = cells[0] / (hi - lo) if hi > lo else 0.0
    y_scale = cells[1] / (y_hi - y_lo) if y_hi > y_lo else 0.0
    return (x_scale if math.isfinite(x_scale) else 0.0,
            y_scale if math.isfinite(y_scale) else 0.0)


def _clamped(cell: float, low: int, high: int) -> int:
    """int(cell) within [low, high]; infinities go to the nearer end, NaN to `low`."""
    return low if not cell >= low else high if cell >= high + 1 else int(cell)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
