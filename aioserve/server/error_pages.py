"""Error pages (404, 403, 500, 503 while draining, ...) in the look of the index.

A middleware turns an HTTP error that a handler raised, or an exception that
nothing caught (a 500, logged with its traceback and an error id), into a page
for browsers (requests that accept text/html); other clients get one line of
text. The page never shows a server path or a traceback; with --show-errors
(or --dev) a 500 shows the traceback.

Mounted with `parent.add_subapp(...)`, the middleware sees only the requests
routed into aioserve's sub-app: the host application's own 404s stay its own.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware

from aioserve.server.keys import STATE
from aioserve.server.served_app import TEMPLATES
from aioserve.sessions.incidents import new_error_id

log = logging.getLogger("aioserve.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# status: (title, what it means to a visitor)
EXPLAINED: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The server could not make sense of this request."),
    401: ("Sign-in required", "This page needs you to sign in first."),
    403: ("Access denied", "You are not allowed to open this page."),
    404: ("Page not found", "There is nothing at this address. Check the link, or pick an "
          "app from the start page."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "The request was larger than the server accepts."),
    500: ("Server error", "Something went wrong on the server while answering this request."),
    503: ("Unavailable for a moment", "The server is restarting or shutting down. Try "
          "again in a moment."),
}
_NOT_COPIED = {hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH, hdrs.CONTENT_ENCODING}


def error_pages_middleware(look: web.Application | None = None) -> Middleware:
    """`look`: the aioserve application whose static files and index the pages link
    to; None for that application itself (with --prefix the outer app passes it)."""

    @web.middleware
    async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400 or not wants_html(request):
                raise
            headers = {k: v for k, v in exc.headers.items() if k not in _NOT_COPIED}
            # A 503 says all there is to say (the server drains); others add their reason.
            reason = _custom_text(exc) if exc.status != 503 else None
            return error_page(request, look or request.app, exc.status, reason=reason,
                              headers=headers)
        except Exception as exc:
            if request.writer is not None and request.writer.output_size > 0:
                raise  # the response (or a websocket) has started: nothing to replace
            error_id = new_error_id()
            log.error("Error handling %s %s (error id %s)", request.method, request.path,
                      error_id, exc_info=exc)
            app = look or request.app
            detail = ("".join(traceback.format_exception(exc))
                      if STATE in app and app[STATE].config.show_errors_effective else None)
            if not wants_html(request):
                return web.Response(status=500, text=f"500 Internal Server Error (error id "
                                    f"{error_id})\n" + (detail or ""))
            return error_page(request, app, 500, error_id=error_id, detail=detail)

    return error_pages


def wants_html(request: web.BaseRequest) -> bool:
    """A browser loading a page says so; fetch(), curl and websockets do not."""
    return "text/html" in request.headers.get(hdrs.ACCEPT, "")


def error_page(request: web.BaseRequest, app: web.Application, status: int, *,
               reason: str | None = None, error_id: str | None = None,
               detail: str | None = None,
               headers: dict[str, str] | None = None) -> web.Response:
    """The styled page for `status`; `app` is the aioserve application (its look)."""
    title, meaning = EXPLAINED.get(status, ("Error", "The server could not answer this "
                                            "request."))
    router = app.router
    static = router.named_resources().get("aioserve-static")
    html = TEMPLATES.get_template("error.html").render(
        status=status, title=title, meaning=meaning, reason=reason, error_id=error_id,
        detail=detail, home=_home(app),
        static_url=(lambda name: str(static.url_for(filename=name))) if static else None)
    return web.Response(text=html, status=status, content_type="text/html",
                        headers={**(headers or {}), "Cache-Control": "no-store"})


def _custom_text(exc: web.HTTPException) -> str | None:
    """The handler's own explanation ("Invalid token or session ID"), not aiohttp's
    default body ("404: Not Found"), as a sentence."""
    text = (exc.text or "").strip()
    if not text or text == f"{exc.status}: {exc.reason}":
        return None
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else text + "."


def _home(app: web.Application) -> str | None:
    """The start page of the aioserve application: its index, or its root app."""
    router = app.router
    if "aioserve-index" in router:
        return str(router["aioserve-index"].url_for())
    if STATE in app:
        root = app[STATE].apps.get("/")
        if root is not None and f"page.{root.key}" in router:
            return str(router[f"page.{root.key}"].url_for())
    return None
