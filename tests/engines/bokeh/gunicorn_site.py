"""An aiohttp site mounting a Bokeh app, for the gunicorn test: what
examples/embed/site.py does for aioserve's own apps, with an unmodified Bokeh
app (a `bokeh.application.Application`) under `add_subapp`.

`/test/hold?s=S` answers its worker's pid, then blocks that worker's loop for S
seconds, so the test can send a connection to the other worker on purpose.
"""

from __future__ import annotations

import os

from aiohttp import web
from bokeh.application import Application
from bokeh.application.handlers.function import FunctionHandler
from bokeh.document import Document
from bokeh.layouts import column
from bokeh.models import Div, Slider

import aioserve
from tests.embed.hold import hold


def dashboard(doc: Document) -> None:
    slider = Slider(title="f", start=0, end=10, step=1, value=1, name="slider")
    label = Div(text="value 1", name="label")
    # With lazy sessions, the worker that took the websocket builds the session.
    built = Div(text=str(os.getpid()), name="built_by")
    slider.on_change("value", lambda attr, old, new: setattr(label, "text", f"value {new}"))
    doc.title = "Bokeh under gunicorn"
    doc.add_root(column(slider, label, built))


async def home(request: web.Request) -> web.Response:
    return web.Response(text=f"site home {os.getpid()}")


def make_site() -> web.Application:
    site = web.Application()
    site.router.add_get("/", home)
    site.router.add_get("/test/hold", hold)
    # Lazy sessions: the page only mints a token, so the worker that receives the
    # websocket builds the session (gunicorn gives no affinity between workers).
    site.add_subapp("/dash", aioserve.create_app(Application(FunctionHandler(dashboard)),
                                                 lazy_sessions=True))
    return site


app = make_site()
