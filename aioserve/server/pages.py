"""HTTP handlers: the app pages, the index, metadata, icons and health."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import jinja2
from aiohttp import web

from aioserve.config import Config
from aioserve.server.keys import STATE, USER, ServerState
from aioserve.server.page_session import (
    SessionIdRefused,
    mint_token,
    request_data,
    session_id_for,
)
from aioserve.server.served_app import TEMPLATES, ServedApp
from aioserve.sessions.context import RequestData

log = logging.getLogger("aioserve.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
NO_STORE = {"Cache-Control": "no-store"}
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


def static_url(request: web.Request) -> Callable[[str], str]:
    resource = request.app.router["aioserve-static"]

    def url(filename: str) -> str:
        return str(resource.url_for(filename=filename))

    return url


def app_page(served: ServedApp) -> Handler:
    async def page(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        config = state.config
        if state.draining:
            raise web.HTTPServiceUnavailable(text="server is shutting down")
        try:
            session_id = session_id_for(request, config)
        except SessionIdRefused as exc:
            raise web.HTTPForbidden(text=str(exc)) from None
        extra = request_data(request, config)
        try:
            extra.update(served.application.process_request(request))
        except Exception as exc:
            log.exception("process_request of %s failed", served.path)
            return render(request, served, error=f"process_request failed: {exc!r}", status=500)
        token = mint_token(session_id, extra, config, time.time())
        title = served.name or "aioserve"
        if not config.lazy_sessions_effective:
            user = request.get(USER, "default_user")
            try:
                session = await served.registry.get_or_create(
                    session_id, lambda: served.create_session(
                        session_id, RequestData.from_token_extra(extra), user=user,
                        logout_url=state.auth.logout_url if state.auth else None,
                        token_payload=extra))
            except Exception as exc:
                log.error("Error building a session of %s", served.path, exc_info=exc)
                return render(request, served, error=f"{type(exc).__name__}: {exc}", status=500)
            title = session.document.title
        return render(request, served, token=token, title=title)

    return page


def render(request: web.Request, served: ServedApp, *, token: str = "", title: str = "",
           error: str | None = None, status: int = 200) -> web.Response:
    router = request.app.router
    theme = [str(router[f"theme.{served.key}"].url_for())] if (
        served.application.theme_path is not None) else []
    html = served.template.render(
        title=title or served.name or "aioserve", token=token, app_name=served.name,
        ws_url=str(router[f"ws.{served.key}"].url_for()), static_url=static_url(request),
        theme_css=theme, error=error)
    return web.Response(text=html, content_type="text/html", status=status, headers=NO_STORE)


async def index(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    config = state.config
    router = request.app.router
    links = [{"name": s.name, "url": str(router[f"page.{s.key}"].url_for())}
             for s in state.apps.values()]
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
        data = served.application.metadata
        if callable(data):
            data = data()
        url = str(request.app.router[f"page.{served.key}"].url_for())
        return web.json_response({"url": url, "data": data if data is not None else {}})

    return metadata


def theme_for(served: ServedApp) -> Handler:
    async def theme(request: web.Request) -> web.StreamResponse:
        assert served.application.theme_path is not None  # the route exists only then
        return web.FileResponse(served.application.theme_path)

    return theme


def favicon_for(config: Config) -> Handler:
    path = Path(config.ico_path) if config.ico_path else FAVICON

    async def favicon(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(path, headers={"Cache-Control": "max-age=86400",
                                               "Content-Type": "image/x-icon"})

    return favicon


async def add_slash(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(request.path + "/")


async def health(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.StreamResponse:
    state: ServerState = request.app[STATE]
    if state.draining:
        return web.json_response({"status": "draining"}, status=503)
    return web.json_response({"status": "ready", "sessions": state.session_count()})


