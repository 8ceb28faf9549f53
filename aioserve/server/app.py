"""`create_app`: a standalone aiohttp application serving aioserve apps.

It binds nothing. Use it with `web.run_app`, gunicorn's aiohttp worker, or
`parent.add_subapp("/dash", create_app(...))`; every background task it needs
is started and stopped by aiohttp through `cleanup_ctx`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from aioserve.application.application import Application, route_name
from aioserve.application.handlers import FailingHandler
from aioserve.config import Config
from aioserve.document.document import Document
from aioserve.engines.base import Engine
from aioserve.engines.choice import detect_engine, engine_for_object, engine_for_path
from aioserve.engines.native import AioserveEngine
from aioserve.errors import AppLoadError, ConfigError
from aioserve.security.origins import parse_origin_allowlist
from aioserve.server import autoload, dev, pages, websocket
from aioserve.server.auth import (
    AUTH,
    MIN_COOKIE_SECRET_BYTES,
    add_auth_routes,
    load_auth_module,
)
from aioserve.server.bad_requests import http09_refusal
from aioserve.server.error_pages import error_pages_middleware
from aioserve.server.keys import STATE, ServerState
from aioserve.server.lifecycle import lifecycle, shutdown
from aioserve.server.metrics import METRICS, ServerMetrics, metrics_context, metrics_page
from aioserve.server.middlewares import server_middlewares
from aioserve.server.served_app import ServedApp, load_problem
from aioserve.server.tls import ssl_context

# A Bokeh Application or handler is accepted too (typed Any: Bokeh is optional).
AppLike = str | os.PathLike[str] | Application | Engine | Callable[[Document], Any] | Any
Apps = AppLike | Sequence[AppLike] | Mapping[str, AppLike] | None

log = logging.getLogger("aioserve.server")

RESERVED = {"static", "_aioserve", "favicon.ico", "ws", "metadata", "autoload.js"}
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def create_app(apps: Apps = None, config: Config | None = None, **options: Any) -> web.Application:
    """Build the aiohttp application; `options` are Config fields overriding `config`."""
    if config is None:
        config = Config(**options)
    elif options:
        config = dataclasses.replace(config, **options)
    engines = resolve_apps(apps, config.args, config.engine)
    check_loaded(engines, config)
    served = {path: ServedApp(path, engine, key=f"app{i}",
                              show_errors=config.show_errors_effective,
                              slow_callback_ms=config.slow_callback_ms)
              for i, (path, engine) in enumerate(engines.items())}
    try:
        origins = parse_origin_allowlist(config.allow_websocket_origin) or None
    except ValueError as exc:
        raise ConfigError(f"--allow-websocket-origin: {exc}") from None
    check_security_options(config)
    auth = load_auth_module(config.auth_module) if config.auth_module else None
    state = ServerState(config=config, apps=served, origins=origins)
    app = web.Application(middlewares=[error_pages_middleware(),
                                       *server_middlewares(config, auth)],
                          client_max_size=config.websocket_max_message_size_bytes)
    app[STATE] = state
    _add_routes(app, state)
    if auth is not None:
        app[AUTH] = auth
        add_auth_routes(app.router, auth)
    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(shutdown)  # the drain, for hosts other than `serve` (run once)
    _add_operations(app, state)
    if not config.prefix:
        return app
    outer = web.Application(  # its own routes and 404s too
        middlewares=[http09_refusal(), error_pages_middleware(look=app)])
    outer.add_subapp(config.prefix, app)
    outer.router.add_get(config.prefix, pages.add_slash)
    if config.ico_path != "none":
        outer.router.add_get("/favicon.ico", pages.favicon_for(config))
    return outer


def _add_operations(app: web.Application, state: ServerState) -> None:
    """--metrics and --dev: their routes and background tasks."""
    if state.config.metrics:
        app[METRICS] = ServerMetrics(state)
        app.router.add_get("/_aioserve/metrics", metrics_page, name="aioserve-metrics")
        app.cleanup_ctx.append(metrics_context)
    if state.config.dev:
        dev.install(app, state)


def check_security_options(config: Config) -> None:
    """What the Config alone cannot check: the TLS files and key, the cookie secret.
    (`--num-procs` calls this in the parent, so N workers do not each fail.)"""
    ssl_context(config)
    # The secret is the key of the login cookies: a guessable one lets anyone forge a login.
    if config.cookie_secret is not None and (
            len(config.cookie_secret.encode()) < MIN_COOKIE_SECRET_BYTES):
        raise ConfigError(f"--cookie-secret must be at least {MIN_COOKIE_SECRET_BYTES} bytes; "
                          "run 'aioserve secret' for one")


def resolve_apps(apps: Apps, argv: Sequence[str] = (),
                 engine: str = "auto") -> dict[str, Engine]:
    """Routes for everything `create_app` accepts, each with the engine that serves it:
    paths, functions, Applications (aioserve's or Bokeh's), Bokeh handlers."""
    if apps is None or (isinstance(apps, (list, tuple)) and not apps):
        return {"/": engine_for_object(lambda doc: None, argv, engine)}
    if isinstance(apps, Mapping):
        items = [(_route(str(route)), _as_engine(app, argv, engine, _route(str(route))))
                 for route, app in apps.items()]
    elif not isinstance(apps, (list, tuple)):
        items = [_single(apps, argv, engine)]
    else:
        items = [_single(app, argv, engine) for app in apps]
    routes: dict[str, Engine] = {}
    for route, application in items:
        if route.strip("/") in RESERVED:
            raise ConfigError(f"an app cannot be served at {route!r}: that name is reserved")
        if route in routes:
            raise ConfigError(f"two apps would be served at {route!r}; rename one")
        routes[route] = application
    return routes


@functools.cache
def client_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


async def _cache_static(request: web.Request, response: web.StreamResponse) -> None:
    if response.status == 200 and f"/static/{client_version()}/" in request.path:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        # Another site's page that embeds an app (autoload.js) imports the client's
        # modules, and module scripts are fetched with CORS. They are public files.
        response.headers["Access-Control-Allow-Origin"] = "*"


def _route(route: str) -> str:
    route = "/" + route.strip("/")
    return route


def _single(app: AppLike, argv: Sequence[str], engine: str) -> tuple[str, Engine]:
    if isinstance(app, (str, os.PathLike)):
        path = Path(app)
        route = "/" + route_name(path)
        return route, load_checked(path, argv, engine, route)
    return "/", engine_for_object(app, argv, engine)


def _as_engine(app: AppLike, argv: Sequence[str], engine: str, route: str) -> Engine:
    if isinstance(app, (str, os.PathLike)):
        return load_checked(Path(app), argv, engine, route)
    return engine_for_object(app, argv, engine)


def load_checked(path: Path, argv: Sequence[str], engine: str, route: str) -> Engine:
    """An app loaded and checked before the server says it runs: a script compiled,
    a notebook parsed, a directory's layout and hooks loaded. A broken app is one
    ERROR line; it keeps its route, which answers with an error page (and under
    --dev comes back when its file is fixed), while the other apps serve.
    A path that is no app at all (missing, or neither .py, .ipynb nor a folder)
    still raises AppLoadError."""
    # Which engine is the user's choice to make (--engine): asking is not a broken app.
    chosen = engine if engine != "auto" or not path.exists() else detect_engine(path)
    try:
        loaded = engine_for_path(path, argv, chosen)
    except AppLoadError as exc:
        if not (path.is_dir() or path.suffix in (".py", ".ipynb")) or not path.exists():
            raise
        loaded = AioserveEngine(Application(FailingHandler(str(exc))))
    return loaded


def check_loaded(engines: Mapping[str, Engine], config: Config) -> None:
    """One ERROR line per app that does not load, before any "running at" line. When
    none loads there is nothing to serve, as `bokeh serve` decides too: AppLoadError
    (except under --dev, where saving the fix brings an app back)."""
    problems = {route: p for route, e in engines.items() if (p := load_problem(e)) is not None}
    if engines and len(problems) == len(engines) and not config.dev:
        raise AppLoadError("no app loads: " + "; ".join(f"{route}: {problem}"
                                                        for route, problem in problems.items()))
    for route, problem in problems.items():
        log.error("App %s does not load; its page answers with an error until it is fixed: "
                  "%s", route, problem)


def _add_routes(app: web.Application, state: ServerState) -> None:
    config = state.config
    router = app.router
    # The version is in the path, not the query, so the client's relative
    # module imports are cache-busted too; such URLs never change content.
    router.add_static(f"/static/{client_version()}", STATIC_DIR, name="aioserve-static")
    app.on_response_prepare.append(_cache_static)
    if "/" not in state.apps and not config.disable_index:
        router.add_get("/", pages.index, name="aioserve-index")
    if config.ico_path != "none" and not config.prefix:
        router.add_get("/favicon.ico", pages.favicon_for(config), name="aioserve-favicon")
    router.add_get("/_aioserve/health", pages.health, name="aioserve-health")
    router.add_get("/_aioserve/ready", pages.ready, name="aioserve-ready")
    for served in state.apps.values():
        page = pages.app_page(served)
        router.add_get(served.route(""), page, name=f"page.{served.key}")
        if served.path != "/":
            router.add_get(served.route("/"), page)
        router.add_get(served.route("/ws"), websocket.handler_for(served), name=f"ws.{served.key}")
        router.add_get(served.route("/metadata"), pages.metadata_for(served))
        router.add_get(served.route("/autoload.js"), autoload.autoload_for(served),
                       name=f"autoload.{served.key}")
        router.add_route("OPTIONS", served.route("/autoload.js"), autoload.autoload_options)
        if served.engine.static_path is not None:
            static_route = served.route("/static") if served.path != "/" else "/app-static"
            router.add_static(static_route, served.engine.static_path)
        if served.engine.theme_path is not None:
            router.add_get(served.route("/theme.css"), pages.theme_for(served),
                           name=f"theme.{served.key}")
    # Once per kind of engine (the bokeh engine's BokehJS files, say).
    for engine in {type(s.engine): s.engine for s in state.apps.values()}.values():
        engine.add_routes(app)
    # Last, so "/" keeps its own route: mounted with `parent.add_subapp("/dash", app)`
    # this becomes "/dash", which redirects to "/dash/" (the index or the root app).
    router.add_get("", pages.mount_point)
