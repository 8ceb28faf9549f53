"""Typed keys for what the server keeps on its aiohttp application and requests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from aioserve.config import Config
    from aioserve.security.origins import OriginPattern
    from aioserve.server.served_app import ServedApp
    from aioserve.sessions.connection import Connection


@dataclass(eq=False)
class ServerState:
    """What one aioserve application (one `create_app` call) owns at run time."""

    config: Config
    apps: dict[str, ServedApp]
    origins: tuple[OriginPattern, ...] | None  # None: the default for the arrival port
    # True once new work is refused (readiness and pages answer 503); tests set it to
    # see a draining server. The drain itself (lifecycle.drain) runs once: this task.
    draining: bool = False
    drain_task: asyncio.Task[None] | None = None
    # Wall-clock seconds for token expiry (minting and checking); tests put a clock they move.
    clock: Callable[[], float] = time.time

    def session_count(self) -> int:
        return sum(len(a.registry) for a in self.apps.values())

    @property
    def connections(self) -> set[Connection]:
        """The open session websockets, read from the sessions (the one count that
        drain, stats and metrics use)."""
        return {c for a in self.apps.values() for s in a.registry.sessions for c in s.connections}


STATE = web.AppKey("aioserve_state", ServerState)
# The client's real address under --use-xheaders, set on the original request
# so our access logger (which sees that request, not a clone) can report it.
REAL_REMOTE = web.RequestKey("aioserve_real_remote", str)
# The user the auth module (or an embedding site's middleware) found for this request.
USER = web.RequestKey("aioserve_user", object)
# This request's raw XSRF token under --enable-xsrf-cookies (see xsrf_middleware.py).
XSRF_TOKEN = web.RequestKey("aioserve_xsrf_token", bytes)


def states_of(app: web.Application) -> list[ServerState]:
    """The state of every aioserve application in an aiohttp application tree: `app`
    itself when `create_app` made it, and every sub-app mounted with `add_subapp` or
    `add_domain` (--prefix, a site embedding several apps), in route order."""
    return [found[STATE] for found in aioserve_apps(app)]


def aioserve_apps(app: web.Application) -> Iterator[web.Application]:
    """`app` and its mounted sub-apps that `create_app` made (those holding a state)."""
    if STATE in app:
        yield app
    for resource in app.router.resources():
        sub = resource.get_info().get("app")  # a mounted sub-application
        if isinstance(sub, web.Application):
            yield from aioserve_apps(sub)
