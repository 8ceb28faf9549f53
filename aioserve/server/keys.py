"""Typed keys for what the server keeps on its aiohttp application and requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from aioserve.config import Config
    from aioserve.security.origins import OriginPattern
    from aioserve.server.auth import AuthProvider
    from aioserve.server.metrics import ServerMetrics
    from aioserve.server.served_app import ServedApp
    from aioserve.sessions.connection import Connection


@dataclass(eq=False)
class ServerState:
    """What one aioserve application (one `create_app` call) owns at run time."""

    config: Config
    apps: dict[str, ServedApp]
    origins: tuple[OriginPattern, ...] | None  # None: the default for the arrival port
    connections: set[Connection] = field(default_factory=set)
    draining: bool = False
    auth: AuthProvider | None = None  # from --auth-module
    metrics: ServerMetrics | None = None  # with --metrics

    def session_count(self) -> int:
        return sum(len(a.registry) for a in self.apps.values())


STATE = web.AppKey("aioserve_state", ServerState)
# The client's real address under --use-xheaders, set on the original request
# so our access logger (which sees that request, not a clone) can report it.
REAL_REMOTE = web.RequestKey("aioserve_real_remote", str)
USER = web.RequestKey("aioserve_user", object)
# This request's raw XSRF token under --enable-xsrf-cookies (see xsrf_middleware.py).
XSRF_TOKEN = web.RequestKey("aioserve_xsrf_token", bytes)
