"""`--auth-module`: Bokeh's auth hooks on aiohttp, and the middleware that applies them.

The module defines exactly one of `get_user(request)` / `async get_user_async(request)`
(None means nobody is logged in), exactly one of `login_url` (a relative one may
come with a `LoginHandler` view) or `get_login_url(request)`, and optionally
`logout_url` with a `LogoutHandler` view. Handlers are aiohttp class-based views,
routed under the prefix. docs/security.md is the user guide.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import inspect
import re
import secrets
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from aioserve.errors import ConfigError
from aioserve.server.keys import USER

LOGIN_ROUTE = "aioserve-login"
LOGOUT_ROUTE = "aioserve-logout"
# Routes anyone may reach: the client's JS and CSS (a login page may use them),
# the icon, the login and logout views, and the operational endpoints.
PUBLIC_ROUTES = frozenset({"aioserve-static", "aioserve-favicon", "aioserve-health",
                           "aioserve-ready", "aioserve-metrics", LOGIN_ROUTE, LOGOUT_ROUTE})
SESSION_COOKIE = "aioserve_session"
MIN_COOKIE_SECRET_BYTES = 32
_FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=?")


@dataclass(frozen=True, slots=True)
class AuthProvider:
    """The hooks of one auth module, checked; `user_of` hides sync versus async."""

    user_of: Callable[[web.Request], Awaitable[Any]]
    login_url: str | None = None
    get_login_url: Callable[[web.Request], str] | None = None
    login_handler: type[web.View] | None = None
    logout_url: str | None = None
    logout_handler: type[web.View] | None = None


# With --auth-module, create_app keeps the loaded hooks here.
AUTH = web.AppKey("aioserve_auth", AuthProvider)


def load_auth_module(path: str | Path) -> AuthProvider:
    """Run the module file and check its hooks; ConfigError names the broken rule."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--auth-module: no such file: {path}")
    name = "aioserve_auth_" + secrets.token_hex(8)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"--auth-module {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # so dataclasses and pickling inside it work
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ConfigError(f"--auth-module {path} failed to load{_where(exc, path)}: "
                          f"{type(exc).__name__}: {exc}") from None
    return auth_provider_from(vars(module), str(path))


def auth_provider_from(hooks: dict[str, Any], where: str) -> AuthProvider:
    """Check the rules of an auth module's namespace (see the module docstring)."""
    def refuse(rule: str) -> ConfigError:
        return ConfigError(f"--auth-module {where}: {rule}")

    get_user, get_user_async = hooks.get("get_user"), hooks.get("get_user_async")
    if (get_user is None) == (get_user_async is None):
        raise refuse("define exactly one of get_user(request) or async get_user_async(request)")
    if get_user is not None and (not callable(get_user)
                                 or inspect.iscoroutinefunction(get_user)):
        raise refuse("get_user must be a plain function; name a coroutine get_user_async")
    if get_user_async is not None and not inspect.iscoroutinefunction(get_user_async):
        raise refuse("get_user_async must be an async def function")

    login_url, get_login_url = hooks.get("login_url"), hooks.get("get_login_url")
    if (login_url is None) == (get_login_url is None):
        raise refuse("define exactly one of login_url or get_login_url(request)")
    if login_url is not None and (not isinstance(login_url, str) or not login_url.strip()):
        raise refuse("login_url must be a non-empty string")
    if get_login_url is not None and not callable(get_login_url):
        raise refuse("get_login_url must be a function of the request")
    login_handler = _view(hooks, "LoginHandler", refuse)
    if login_handler is not None:
        if login_url is None:
            raise refuse("LoginHandler needs login_url; it cannot be used with get_login_url")
        if not is_relative(login_url):
            raise refuse("LoginHandler can only be used with a relative login_url")

    logout_url = hooks.get("logout_url")
    if logout_url is not None and (not isinstance(logout_url, str) or not logout_url.strip()):
        raise refuse("logout_url must be a non-empty string")
    logout_handler = _view(hooks, "LogoutHandler", refuse)
    if logout_handler is not None:
        if logout_url is None:
            raise refuse("LogoutHandler needs logout_url")
        if not is_relative(logout_url):
            raise refuse("LogoutHandler can only be used with a relative logout_url")

    return AuthProvider(user_of=_as_async(get_user, get_user_async), login_url=login_url,
                        get_login_url=get_login_url, login_handler=login_handler,
                        logout_url=logout_url, logout_handler=logout_handler)


def is_relative(url: str) -> bool:
    """Bokeh's test: a URL of this server, to be put under the prefix."""
    return not url.startswith(("http://", "https://", "//"))


def _view(hooks: dict[str, Any], name: str,
          refuse: Callable[[str], ConfigError]) -> type[web.View] | None:
    view = hooks.get(name)
    if view is not None and not (inspect.isclass(view) and issubclass(view, web.View)):
        raise refuse(f"{name} must be an aiohttp class-based view (a subclass of "
                     "aiohttp.web.View)")
    return view


def _as_async(get_user: Any, get_user_async: Any) -> Callable[[web.Request], Awaitable[Any]]:
    if get_user_async is not None:
        return get_user_async  # type: ignore[no-any-return]

    async def user_of(request: web.Request) -> Any:
        return get_user(request)

    return user_of


def _where(exc: BaseException, path: Path) -> str:
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__)
             if Path(frame.filename).resolve() == path.resolve()]
    return f" (line {lines[-1]})" if lines else ""


def add_auth_routes(router: web.UrlDispatcher, provider: AuthProvider) -> None:
    if provider.login_handler is not None and provider.login_url is not None:
        router.add_view(_route_path(provider.login_url), provider.login_handler,
                        name=LOGIN_ROUTE)
    if provider.logout_handler is not None and provider.logout_url is not None:
        router.add_view(_route_path(provider.logout_url), provider.logout_handler,
                        name=LOGOUT_ROUTE)


def _route_path(url: str) -> str:
    return "/" + url.split("?", 1)[0].lstrip("/")


def mounted_url(request: web.Request, url: str) -> str:
    """A relative hook URL under the prefix the app is served at; others unchanged."""
    if not is_relative(url):
        return url
    health = str(request.app.router["aioserve-health"].url_for())
    return health.removesuffix("/_aioserve/health") + "/" + url.lstrip("/")


def login_redirect(request: web.Request, provider: AuthProvider) -> str:
    """Where an unauthenticated request goes, with `next` as Tornado adds it."""
    if provider.get_login_url is not None:
        url = provider.get_login_url(request)
    else:
        assert provider.login_url is not None  # checked when loaded
        url = mounted_url(request, provider.login_url)
    if "?" in url:
        return url
    # An absolute login URL (another service) needs an absolute way back; its scheme
    # and host are the forwarded ones under --use-xheaders.
    back = request.path_qs if is_relative(url) else str(request.url)
    return url + "?" + urlencode({"next": back})


def logout_url_for(request: web.Request) -> str | None:
    """`session_context.logout_url`: the module's logout_url, under the prefix."""
    provider = request.app.get(AUTH)
    if provider is None or provider.logout_url is None:
        return None
    return mounted_url(request, provider.logout_url)


def auth_middleware(provider: AuthProvider) -> Middleware:
    """Every route but the public ones needs a user: pages, index, metadata and app
    files redirect to the login URL; a websocket or an unsafe request gets 403."""

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        # A CORS preflight (OPTIONS) never carries credentials and reveals nothing.
        if (request.match_info.http_exception is not None or request.method == "OPTIONS"
                or _public(request)):
            return await handler(request)
        user = await provider.user_of(request)
        if user is None:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                raise web.HTTPForbidden(text="not logged in")
            if request.method not in ("GET", "HEAD"):
                raise web.HTTPForbidden(text="not logged in")
            raise web.HTTPFound(login_redirect(request, provider),
                                headers={"Cache-Control": "no-store"})
        request[USER] = user
        return await handler(request)

    return authenticate


def _public(request: web.Request) -> bool:
    resource = request.match_info.route.resource
    return resource is not None and resource.name in PUBLIC_ROUTES


def cookie_key(secret: str) -> bytes:
    """The 32-byte Fernet key of --cookie-secret.

    URL-safe base64 of 32 bytes (a Fernet key, or what `aioserve secret` prints)
    is decoded and used as it is; any other text is hashed with SHA-256 into a
    key, so it must carry the entropy itself (create_app wants 32 bytes at least).
    """
    text = secret.strip()
    if _FERNET_KEY.fullmatch(text):
        raw = base64.urlsafe_b64decode(text.rstrip("=") + "=")
        if len(raw) == 32:
            return raw
    return hashlib.sha256(secret.encode("utf-8")).digest()


def cookie_storage(secret: str, *, secure: bool) -> EncryptedCookieStorage:
    """aiohttp-session storage for auth modules: encrypted, HTTP-only, SameSite=Lax."""
    return EncryptedCookieStorage(cookie_key(secret), cookie_name=SESSION_COOKIE,
                                  httponly=True, samesite="Lax", secure=secure or None)
