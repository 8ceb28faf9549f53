"""Requests that are not HTTP we serve: one short line each, never a traceback.

aiohttp answers a request it cannot parse (`BadHttpMessage`, `LineTooLong`,
...) with 400 and logs "Error handling request" with a traceback through its
request handler's logger: 12 lines for a 50-byte junk request, so the log
amplifies an attack. `serve()` gives aiohttp's request handler our
`SERVER_LOG`, whose `BadRequestFilter` keeps those tracebacks for
`--log-level debug`; the access line (access_log.py) then names the status,
the reason and the remote address, once. Embedding in your own runner:
`web.AppRunner(app, logger=quiet_server_log())`.

HTTP/0.9 (`GET /app` with no version) is refused with 400 by
`http09_refusal`, answered with an HTTP/1.0 status line: HTTP/0.9 has none.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler, Middleware

SERVER_LOG = logging.getLogger("aioserve.http")
UNPARSED_METHOD = "UNKNOWN"  # aiohttp's method for its stand-in of an unparsable request
_CAUSE_CHARS = 100


class BadRequestFilter(logging.Filter):
    """Lets through a record about an unparsable request only at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, HttpProcessingError):
            return True
        # The access line says it; the traceback is for someone debugging aiohttp.
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def quiet_server_log() -> logging.Logger:
    """The logger to give aiohttp's request handler (`AppRunner(logger=...)`)."""
    if not any(isinstance(f, BadRequestFilter) for f in SERVER_LOG.filters):
        SERVER_LOG.addFilter(BadRequestFilter())
    return SERVER_LOG


def unparsed_cause(response: web.StreamResponse) -> str:
    """The first line of aiohttp's 400 body ("Invalid header token"), printable and short."""
    text = response.text if isinstance(response, web.Response) else None
    first = (text or "").strip().split("\n", 1)[0].strip().rstrip(":")
    printable = "".join(c if " " <= c <= "~" else "?" for c in first)
    if len(printable) > _CAUSE_CHARS:
        printable = printable[:_CAUSE_CHARS - 3] + "..."
    return printable or "unparsable request"


class _Http10Response(web.Response):
    """Writes an HTTP/1.0 status line whatever version the request named."""

    async def _write_headers(self) -> None:
        assert self._payload_writer is not None
        await self._payload_writer.write_headers(f"HTTP/1.0 {self.status} {self.reason}",
                                                 self.headers)


def http09_refusal() -> Middleware:
    """400 for a request without an HTTP version (HTTP/0.9), before any handler runs."""

    @web.middleware
    async def refuse_http09(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.version >= (1, 0):
            return await handler(request)
        response = _Http10Response(status=400, text="HTTP/0.9 is not served; send HTTP/1.0 "
                                   "or later\n")
        response.force_close()
        return response

    return refuse_http09
