"""`/<app>/autoload.js`: an app inside an element of another site's page.

What Bokeh's `server_document()` script tag asks for: a script that creates a
session (exactly as the page does), adds the client's CSS and module with
absolute URLs, and mounts the app into the element named by
`?bokeh-autoload-element=ID` (or `?target=ID`). CORS as Bokeh sends it: `*`,
or the request's Origin with credentials allowed when cookies came along.
The embedding site's origin must also pass the websocket's Origin check
(`--allow-websocket-origin`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from aioserve.server.page_session import open_page_session
from aioserve.server.pages import NO_STORE, static_url
from aioserve.server.served_app import TEMPLATES, AppFailed, ServedApp

ELEMENT_PARAMS = ("bokeh-autoload-element", "target")
ABSOLUTE_URL_PARAM = "bokeh-absolute-url"
_ELEMENT_ID = re.compile(r"[^\s]{1,200}")
JS_TYPE = "application/javascript; charset=utf-8"


def autoload_for(served: ServedApp) -> Handler:
    async def autoload(request: web.Request) -> web.StreamResponse:
        cors = cors_headers(request)
        element_id = _element_id(request)
        base = _base_url(request)
        try:
            opened = await open_page_session(request, served)
        except AppFailed as exc:
            # 200, so the browser runs the script and the error shows in the element.
            body = served.engine.autoload_script(request, served, element_id=element_id,
                                                 base_url=base, token="",
                                                 error=exc.public(served.show_errors))
        except web.HTTPException as exc:
            exc.headers.update(cors)
            raise
        else:
            body = served.engine.autoload_script(request, served, element_id=element_id,
                                                 base_url=base, token=opened.token, error=None)
        return web.Response(text=body, headers={**cors, **NO_STORE, "Content-Type": JS_TYPE})

    return autoload


async def autoload_options(request: web.Request) -> web.StreamResponse:
    """The CORS preflight a `fetch()` of autoload.js may send first."""
    headers = cors_headers(request, preflight=True)
    headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    asked = request.headers.get("Access-Control-Request-Headers")
    if asked:
        headers["Access-Control-Allow-Headers"] = asked
    headers["Access-Control-Max-Age"] = "600"
    return web.Response(status=204, headers=headers)


def cors_headers(request: web.Request, *, preflight: bool = False) -> dict[str, str]:
    """`*`, unless the request carries cookies (or may, for a preflight): then the
    Origin itself, since browsers refuse `*` on a credentialed response."""
    origin = request.headers.get("Origin")
    if origin and (request.cookies or preflight):
        return {"Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}
    return {"Access-Control-Allow-Origin": "*"}


def _element_id(request: web.Request) -> str:
    given = [request.query[p] for p in ELEMENT_PARAMS if p in request.query]
    if not given or not _ELEMENT_ID.fullmatch(given[0]):
        raise web.HTTPBadRequest(text="autoload.js needs ?bokeh-autoload-element=ID (or "
                                 "?target=ID): the id of the element to put the app in")
    return given[0]


def _base_url(request: web.Request) -> str:
    """scheme://host[:port] as the browser reaches this server.

    From `?bokeh-absolute-url=` when given (as Bokeh's server_document sends
    it), else from the request: its Host header and its scheme, which
    --use-xheaders takes from X-Forwarded-Proto / X-Scheme.
    """
    absolute = request.query.get(ABSOLUTE_URL_PARAM)
    if absolute:
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise web.HTTPBadRequest(text=f"{ABSOLUTE_URL_PARAM} must be an http(s) URL")
        return f"{parts.scheme}://{parts.netloc}"
    return f"{request.scheme}://{request.host}"


def aioserve_script(request: web.Request, served: ServedApp, element_id: str, base: str, *,
                    token: str = "", error: str | None = None) -> str:
    """The aioserve engine's autoload script: CSS, then the client's embed module."""
    router = request.app.router
    static = static_url(request)
    css = [base + static("aioserve.css")]
    if served.engine.theme_path is not None:
        css.append(base + str(router[f"theme.{served.key}"].url_for()))
    if request.query.get("resources") == "none":
        css = []
    ws_base = "wss" + base[len("https"):] if base.startswith("https:") else "ws" + base[4:]
    config: dict[str, Any] = {
        "app": served.path,
        "elementId": element_id,
        "token": token,
        "wsUrl": ws_base + str(router[f"ws.{served.key}"].url_for()),
        "module": base + static("embed.js"),
        "css": css,
        "error": error,
    }
    return TEMPLATES.get_template("autoload.js").render(config=config)
