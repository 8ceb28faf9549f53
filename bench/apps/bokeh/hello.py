"""The one-Div hello app, for bokeh serve (bench/apps/aioserve/hello.py is its twin)."""

import os

from bokeh.io import curdoc
from bokeh.models import Div

doc = curdoc()
if os.environ.get("BENCH_RUN_LOG"):
    with open(os.environ["BENCH_RUN_LOG"], "a") as log:
        log.write(f"{os.getpid()} {doc.session_context.id}\n")
doc.title = "Hello"
doc.add_root(Div(text=f"Hello from pid {os.getpid()}"))
