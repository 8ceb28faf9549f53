"""`bokeh serve` with TCP_NODELAY on its websockets, run by the bench-only venv.

Tornado, unlike asyncio's transports, leaves Nagle's algorithm on; Bokeh
writes each message as three or more frames, so without this a round trip
can wait for a delayed ACK (40 ms) and the comparison would measure Nagle,
not Bokeh. Everything else is `bokeh serve` untouched:

    bench/.venv-bokeh/bin/python bench/bokeh_serve.py [bokeh serve arguments]
"""

import sys

from bokeh.command.bootstrap import main
from bokeh.server.views.ws import WSHandler

_open = WSHandler.open


def _open_nodelay(self):  # type: ignore[no-untyped-def]
    self.set_nodelay(True)
    return _open(self)


WSHandler.open = _open_nodelay

if __name__ == "__main__":
    main(["bokeh", "serve", *sys.argv[1:]])
