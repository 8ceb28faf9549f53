"""Logging set-up, and the access log line of each request."""

from __future__ import annotations

import logging
import sys

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from aioserve.config import Config
from aioserve.server.keys import REAL_REMOTE

TRACE = 5
logging.addLevelName(TRACE, "TRACE")


def configure_logging(config: Config) -> None:
    """Send aioserve's and aiohttp's records, and those of app code (the root
    logger, as `bokeh serve` sets it up), to --log-file or stderr."""
    handler: logging.Handler = (logging.FileHandler(config.log_file) if config.log_file
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter(config.log_format))
    level = TRACE if config.log_level == "trace" else getattr(logging, config.log_level.upper())
    for name in ("aioserve", "aiohttp"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # App code logs through its own loggers (`logging.getLogger(__name__)`); they
    # reach the root logger, which gets the same handler (replacing one we set before).
    handler.set_name("aioserve")
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "aioserve"] + [handler]
    root.setLevel(level)


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
        self.logger.info("%d %s %s (%s) %.2fms", response.status, request.method,
                         request.path_qs, remote, time * 1000)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


ACCESS_LOG = logging.getLogger("aioserve.access")
