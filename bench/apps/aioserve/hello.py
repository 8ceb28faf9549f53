"""The one-Div hello app, for aioserve (bench/apps/bokeh/hello.py is its twin)."""

import os

from aioserve import curdoc
from aioserve.models import Div

doc = curdoc()
if os.environ.get("BENCH_RUN_LOG"):  # measure 7: which worker ran the app, once per session
    with open(os.environ["BENCH_RUN_LOG"], "a") as log:
        log.write(f"{os.getpid()} {doc.session_context.id}\n")
doc.title = "Hello"
doc.add_root(Div(text=f"Hello from pid {os.getpid()}"))
