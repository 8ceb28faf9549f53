"""`/test/hold?s=S` for the gunicorn tests' sites: answers its worker's pid, then
blocks that worker's loop for S seconds (at most 5), so a test can send a
connection to the other worker on purpose."""

from __future__ import annotations

import os
import time

from aiohttp import web


async def hold(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(f"{os.getpid()}\n".encode())
    time.sleep(min(float(request.query.get("s", "1")), 5))  # noqa: ASYNC251 - on purpose
    await response.write_eof()
    return response
