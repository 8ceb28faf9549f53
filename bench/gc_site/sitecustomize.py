"""Only for `python -m bench --server-gc-threshold A,B,C`: an experiment, not aioserve.

Python imports `sitecustomize` at start-up when its folder is on PYTHONPATH;
the bench puts this folder there for the aioserve server alone, so a run can
show what a different garbage-collector policy would change (bench/RESULTS.md).
"""

import gc
import os

_threshold = os.environ.get("BENCH_GC_THRESHOLD")
if _threshold:
    gc.set_threshold(*(int(part) for part in _threshold.split(",")))
