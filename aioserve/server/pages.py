"""HTTP handlers: the app pages, the index, metadata, icons and health."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from aiohttp import web
from aiohttp.typedefs import Handler

from aioserve.config import Config
from aioserve.server.dev import DEV
from aioserve.server.keys import STATE, ServerState
from aioserve.server.page_session import open_page_session
from aioserve.server.served_app import TEMPLATES, AppFailed, ServedApp, load_problem
from aioserve.sessions.context import RequestData
from aioserve.sessions.incidents import new_error_id

log = logging.getLogger("aioserve.server")

NO_STORE = {"Cache-Control": "no-store"}
APP_CHECK_TIMEOUT_S = 10.0
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


def static_url(request: web.Request) -> Callable[[str], str]:
    resource = request.app.router["aioserve-static"]

    def url(filename: str) -> str:
        return str(resource.url_for(filename=filename))

    return url


def app_page(served: ServedApp) -> Handler:
    async def page(request: web.Request) -> web.StreamResponse:
        try:
            opened = await open_page_session(request, served)
        except AppFailed as exc:
            return render(request, served, failed=exc, status=500)
        return served.engine.render_page(request, served, token=opened.token,
                                         session=opened.session)

    return page


def render(request: web.Request, served: ServedApp, *, token: str = "", title: str = "",
           failed: AppFailed | None = None, status: int = 200) -> web.Response:
    title = title or served.title_seen or served.name or "aioserve"
    if failed is None and served.engine.templates_path is None:
        html = _page_shell(request, served).replace(_TOKEN_MARK, str(markupsafe.escape(token)))
        html = html.replace(_TITLE_MARK, str(markupsafe.escape(title)))
    else:
        html = _render_page(request, served, token=token, title=title, failed=failed)
    return web.Response(text=html, content_type="text/html", status=status, headers=NO_STORE)


def _render_page(request: web.Request, served: ServedApp, *, token: str, title: str,
                 failed: AppFailed | None) -> str:
    router = request.app.router
    theme = [str(router[f"theme.{served.key}"].url_for())] if (
        served.engine.theme_path is not None) else []
    # The details only with --show-errors (or --dev); a visitor gets the id alone.
    detail = failed.detail if failed is not None and served.show_errors else None
    return served.template.render(
        title=title, token=token, app_name=served.name,
        ws_url=str(router[f"ws.{served.key}"].url_for()), static_url=static_url(request),
        theme_css=theme, error=detail or (failed is not None),
        error_id=failed.error_id if failed is not None else None,
        dev_wait_url=_dev_wait_url(request) if failed is not None else None)


# The built-in page differs between requests only in its token and title, so it is
# rendered once per app with these marks in their place (escaping leaves them
# alone), and each request fills them in: Jinja was a sixth of a page's cost.
_TOKEN_MARK = "aioserve-token-mark-7c1e9d"
_TITLE_MARK = "aioserve-title-mark-7c1e9d"
_SHELLS: weakref.WeakKeyDictionary[ServedApp, tuple[jinja2.Template, str]] = (
    weakref.WeakKeyDictionary())


def _page_shell(request: web.Request, served: ServedApp) -> str:
    cached = _SHELLS.get(served)
    if cached is not None and cached[0] is served.template:  # --dev may swap the template
        return cached[1]
    shell = _render_page(request, served, token=_TOKEN_MARK, title=_TITLE_MARK, failed=None)
    _SHELLS[served] = (served.template, shell)
    return shell


def _dev_wait_url(request: web.Request) -> str | None:
    """Under --dev, where an error page waits for the fix (see dev.py)."""
    if DEV not in request.app:
        return None
    since = request.app[DEV].generation
    return str(request.app.router["aioserve-dev-wait"].url_for().with_query(since=since))


async def index(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    config = state.config
    router = request.app.router
    # An app that failed its startup check is listed, marked: its page says why.
    links: list[dict[str, Any]] = [
        {"name": s.name, "url": str(router[f"page.{s.key}"].url_for()),
         "broken": load_problem(s.engine) is not None} for s in state.apps.values()]
    if len(links) == 1 and not config.disable_index_redirect:
        raise web.HTTPFound(links[0]["url"])
    template = _index_template(config)
    html = template.render(apps=links, items=[link["url"] for link in links],
                           prefix=config.prefix, title="aioserve", static_url=static_url(request))
    return web.Response(text=html, content_type="text/html")


def _index_template(config: Config) -> jinja2.Template:
    if config.index is None:
        return TEMPLATES.get_template("index.html")
    path = Path(config.index)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(path.parent), autoescape=True)
    return env.get_template(path.name)


def metadata_for(served: ServedApp) -> Handler:
    async def metadata(request: web.Request) -> web.StreamResponse:
        data = served.engine.metadata
        if callable(data):
            data = data()
        url = str(request.app.router[f"page.{served.key}"].url_for())
        return web.json_response({"url": url, "data": data if data is not None else {}})

    return metadata


def theme_for(served: ServedApp) -> Handler:
    async def theme(request: web.Request) -> web.StreamResponse:
        assert served.engine.theme_path is not None  # the route exists only then
        return web.FileResponse(served.engine.theme_path)

    return theme


def favicon_for(config: Config) -> Handler:
    path = Path(config.ico_path) if config.ico_path else FAVICON

    async def favicon(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(path, headers={"Cache-Control": "max-age=86400",
                                               "Content-Type": "image/x-icon"})

    return favicon


async def add_slash(request: web.Request) -> web.StreamResponse:
    query = request.rel_url.raw_query_string
    raise web.HTTPFound(request.rel_url.raw_path + "/" + (f"?{query}" if query else ""))


async def mount_point(request: web.Request) -> web.StreamResponse:
    """The bare mount point of a sub-app ("/dash") goes to "/dash/", query kept."""
    if request.path.endswith("/"):  # not mounted: this route shadows nothing at "/"
        raise web.HTTPNotFound()
    return await add_slash(request)


async def health(request: web.Request) -> web.StreamResponse:
    """Liveness; with `?app=/x`, also build one document of that app and discard it."""
    if "app" in request.query:
        return await _check_app(request, "/" + request.query["app"].strip("/"))
    return web.json_response({"status": "ok"})


async def _check_app(request: web.Request, path: str) -> web.StreamResponse:
    served = request.app[STATE].apps.get(path)
    if served is None:
        return web.json_response({"status": "unknown app", "app": path}, status=404)
    started = time.perf_counter()
    try:
        # A real session's life, never registered: the app's code and its session
        # hooks run, so a check fails where a visitor's page would.
        async with asyncio.timeout(APP_CHECK_TIMEOUT_S):
            session = await served.create_session(f"health-{secrets.token_urlsafe(8)}",
                                                  RequestData())
            await session.destroy()
    except Exception as exc:
        failed = exc if isinstance(exc, AppFailed) else AppFailed(
            f"{type(exc).__name__}: {exc}", new_error_id())
        log.warning("health check of %s failed: %s (error id %s)", path, failed.detail,
                    failed.error_id)
        body = {"status": "failing", "app": path, "error_id": failed.error_id}
        if served.show_errors:
            body["error"] = failed.detail
        return web.json_response(body, status=503)
    return web.json_response({"status": "ok", "app": path,
                              "build_ms": round((time.perf_counter() - started) * 1000, 1)})


async def ready(request: web.Request) -> web.StreamResponse:
    state: ServerState = request.app[STATE]
    if state.draining:
        return web.json_response({"status": "draining"}, status=503)
    return web.json_response({"status": "ready", "sessions": state.session_count()})


