"""examples/embed/site.py plus one test-only route, for the gunicorn test.

`/test/hold?s=S` answers its worker's pid at once, then blocks that worker's
event loop for S seconds: while it is blocked, the kernel can only hand new
connections to the other worker. That makes "this request reaches the other
worker" deterministic instead of up to the kernel's whims.
"""

from __future__ import annotations

import os
import time

from aiohttp import web

from examples.embed.site import app


async def hold(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(f"{os.getpid()}\n".encode())
    time.sleep(min(float(request.query.get("s", "1")), 5))  # noqa: ASYNC251 - on purpose
    await response.write_eof()
    return response


app.router.add_get("/test/hold", hold)
