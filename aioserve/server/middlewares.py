"""Request middlewares, each a factory taking only its own settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from aioserve.config import Config
from aioserve.server.keys import REAL_REMOTE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def server_middlewares(config: Config) -> list[Middleware]:
    middlewares: list[Middleware] = []
    if config.use_xheaders:
        middlewares.append(xheaders_middleware())
    return middlewares


def forwarded_remote(request: web.BaseRequest) -> str | None:
    real_ip = request.headers.get("X-Real-Ip")
    if real_ip:
        return real_ip.strip()
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return None


def forwarded_scheme(request: web.BaseRequest) -> str | None:
    scheme = request.headers.get("X-Scheme") or request.headers.get("X-Forwarded-Proto")
    if scheme:
        scheme = scheme.split(",")[0].strip().lower()
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
