"""The rows of bench/measure_table.py's table, built once per server process.

Both table twins (bench/apps/aioserve/table.py, bench/apps/bokeh/table.py) import
this module (the servers run with PYTHONPATH=bench/apps), so the dataset is loaded
once, as an app reads a file at start, and each session gets a source over it.
The values are those of `bench.measure_table.table_data`.
"""

import datetime as dt
import functools
import os

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def rows() -> int:
    return int(os.environ.get("BENCH_TABLE_ROWS", "1000000"))


@functools.cache
def as_lists(count: int) -> dict[str, list]:
    """Plain lists, as aioserve's ColumnDataSource takes them."""
    return {"n": list(range(count)),
            "name": [f"item {i}" for i in range(count)],
            "value": [(i * 7919 % 100_003) / 100 for i in range(count)],
            "when": [START + dt.timedelta(seconds=i) for i in range(count)]}


@functools.cache
def as_arrays(count: int) -> dict[str, object]:
    """NumPy arrays for the number and time columns, as a Bokeh user with a million
    rows passes them (Bokeh sends arrays as binary buffers, lists as JSON text);
    text stays a list of str, as in a DataFrame's object column."""
    import numpy as np

    index = np.arange(count, dtype=np.int32)
    start = np.datetime64(START.replace(tzinfo=None), "ms")
    return {"n": index,
            "name": [f"item {i}" for i in range(count)],
            "value": (index.astype(np.int64) * 7919 % 100_003) / 100,
            "when": start + index.astype(np.int64) * np.timedelta64(1000, "ms")}
