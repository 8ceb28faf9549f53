"""Embedding: an app written as a function, served by your own aiohttp program.

    python examples/embed/run_app.py [PORT]      # then open http://localhost:PORT/hello

`create_app` returns a plain `aiohttp.web.Application`: run it with
`web.run_app`, mount it with `parent.add_subapp("/dash", ...)`, or hand it to
gunicorn's aiohttp worker. This folder has no main.py, so `make serve` leaves it out.
"""

import sys

from aiohttp import web

from aioserve import create_app
from aioserve.models import Button, Column, Div, TextInput


def app(doc):
    """Called once per browser tab with that session's document."""
    name = TextInput(title="Your name", value="world", name="name")
    greeting = Div(text="Hello, world!", name="greeting")
    clicks = Button(label="Clicked 0 times", name="clicks")
    count = {"n": 0}

    def greet(attr, old, new):
        greeting.text = f"Hello, {new or 'stranger'}!"

    def clicked():
        count["n"] += 1
        n = count["n"]
        clicks.label = f"Clicked {n} time{'' if n == 1 else 's'}"

    name.on_change("value", greet)
    clicks.on_click(clicked)
    doc.title = "Hello"
    doc.add_root(Column(name, greeting, clicks))


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5007
    # Keyword options are Config fields: the command line's options, spelled in Python.
    web.run_app(create_app({"/hello": app}, unused_session_lifetime_ms=60_000),
                host="127.0.0.1", port=port)
