"""Request middlewares, each a factory taking only its own settings."""

from __future__ import annotations

import ipaddress
import time

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp_session import session_middleware

from aioserve.config import Config
from aioserve.server.auth import AuthProvider, auth_middleware, cookie_storage
from aioserve.server.bad_requests import http09_refusal
from aioserve.server.keys import REAL_REMOTE
from aioserve.server.xsrf_middleware import xsrf_middleware


def server_middlewares(config: Config, auth: AuthProvider | None = None) -> list[Middleware]:
    """Outermost first: HTTP/0.9 is refused before anything, the forwarded address
    and scheme are settled before the cookie session loads, XSRF is checked before
    the auth module sees a request."""
    middlewares: list[Middleware] = [http09_refusal()]
    if config.use_xheaders:
        middlewares.append(xheaders_middleware())
    if config.cookie_secret is not None:
        middlewares.append(session_middleware(
            cookie_storage(config.cookie_secret, secure=config.ssl_certfile is not None)))
    if config.enable_xsrf_cookies:
        middlewares.append(xsrf_middleware(time.time))
    if auth is not None:
        middlewares.append(auth_middleware(auth))
    return middlewares


def forwarded_remote(request: web.BaseRequest) -> str | None:
    """The client address a proxy reports, as Tornado reads it: X-Real-Ip, else the
    last X-Forwarded-For entry (the one our proxy added; a client can forge any
    entry before it). Not an IP address: ignored."""
    address = request.headers.get("X-Real-Ip")
    if address is None and "X-Forwarded-For" in request.headers:
        address = request.headers["X-Forwarded-For"].split(",")[-1]
    if address is None:
        return None
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def forwarded_scheme(request: web.BaseRequest) -> str | None:
    scheme = request.headers.get("X-Scheme") or request.headers.get("X-Forwarded-Proto")
    if scheme:
        scheme = scheme.split(",")[-1].strip().lower()
        if scheme in ("http", "https"):
            return scheme
    return None


def xheaders_middleware() -> Middleware:
    """Trust X-Real-Ip / X-Forwarded-For / X-Scheme / X-Forwarded-Proto.

    Only for a server behind a proxy that sets them: facing the internet
    directly, any client could claim any address.
    """

    @web.middleware
    async def xheaders(request: web.Request, handler: Handler) -> web.StreamResponse:
        remote, scheme = forwarded_remote(request), forwarded_scheme(request)
        if remote is None and scheme is None:
            return await handler(request)
        if remote is not None:
            request[REAL_REMOTE] = remote  # before clone(), which copies this state
        changes: dict[str, str] = {}
        if remote is not None:
            changes["remote"] = remote
        if scheme is not None:
            changes["scheme"] = scheme
        return await handler(request.clone(**changes))  # type: ignore[arg-type]

    return xheaders
