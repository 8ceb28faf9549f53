"""The access log line of each request."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from aioserve.server.bad_requests import UNPARSED_METHOD, unparsed_cause
from aioserve.server.keys import REAL_REMOTE


class AccessLogger(AbstractAccessLogger):
    """`200 GET /sliders (127.0.0.1) 3.21ms`, as Tornado writes it.

    aiohttp calls this with the request its protocol made, not the clone
    our X-headers middleware passes on, so the forwarded address is read
    from request state the middleware set before cloning.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        remote = request.get(REAL_REMOTE) or request.remote
        if request.method == UNPARSED_METHOD:  # not HTTP: `400 Bad Request: <why> (<remote>)`
            self.logger.info("%d %s: %s (%s)", response.status, response.reason,
                             unparsed_cause(response), remote)
            return
        self.logger.info("%d %s %s (%s) %.2fms", response.status, request.method,
                         request.path_qs, remote, time * 1000)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


ACCESS_LOG = logging.getLogger("aioserve.access")
