"""`--enable-xsrf-cookies`: Tornado's XSRF protection as an aiohttp middleware.

A GET without a usable `_xsrf` cookie gets one. POST, PUT, PATCH and DELETE
must echo the token in the `_xsrf` form field or an `X-XSRFToken` /
`X-CSRFToken` header, else 403. Forms get the field from `xsrf_form_html`.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from aioserve.security.xsrf import (
    XSRF_COOKIE,
    XSRF_FORM_FIELD,
    XSRF_HEADERS,
    decode_xsrf,
    encode_xsrf_cookie,
    masked_form_value,
    new_xsrf_token,
    xsrf_matches,
)
from aioserve.server.keys import XSRF_TOKEN

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def xsrf_token(request: web.Request) -> str:
    """A freshly masked XSRF value for a form field or header; "" when XSRF is off."""
    raw = request.get(XSRF_TOKEN)
    return masked_form_value(raw) if raw else ""


def xsrf_form_html(request: web.Request) -> str:
    """`<input type="hidden" name="_xsrf" value="...">` for a form; "" when XSRF is off."""
    value = xsrf_token(request)
    if not value:
        return ""
    return (f'<input type="hidden" name="{XSRF_FORM_FIELD}" '
            f'value="{html.escape(value, quote=True)}">')


def xsrf_middleware(now: Callable[[], float]) -> Middleware:
    """`now` gives the creation time recorded in new cookies, as Tornado does."""

    @web.middleware
    async def xsrf(request: web.Request, handler: Handler) -> web.StreamResponse:
        cookie = request.cookies.get(XSRF_COOKIE)
        raw = decode_xsrf(cookie) if cookie else None
        fresh = raw is None
        request[XSRF_TOKEN] = raw if raw is not None else new_xsrf_token()
        if request.method in UNSAFE_METHODS:
            await _check(request, cookie)
        if not (fresh and request.method == "GET") or _cacheable(request):
            return await handler(request)
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # a redirect to the login page, say
            _set_cookie(request, exc, now())
            raise
        if not response.prepared:  # a websocket's headers are gone already
            _set_cookie(request, response, now())
        return response

    return xsrf


async def _check(request: web.Request, cookie: str | None) -> None:
    submitted = next((request.headers[h] for h in XSRF_HEADERS if h in request.headers), None)
    if submitted is None and request.content_type in _FORMS:
        value = (await request.post()).get(XSRF_FORM_FIELD)
        submitted = value if isinstance(value, str) else None
    if not submitted:
        raise web.HTTPForbidden(text=f"'{XSRF_FORM_FIELD}' argument missing from "
                                f"{request.method}")
    if not xsrf_matches(cookie, submitted):
        raise web.HTTPForbidden(text=f"XSRF cookie does not match {request.method} argument")


def _cacheable(request: web.Request) -> bool:
    # A Set-Cookie on a file a shared cache keeps would hand one token to everyone.
    return isinstance(request.match_info.route.resource, web.StaticResource)


def _set_cookie(request: web.Request, response: web.StreamResponse, now: float) -> None:
    # Not HttpOnly: page scripts read it to send X-XSRFToken, as with Tornado.
    response.set_cookie(XSRF_COOKIE, encode_xsrf_cookie(request[XSRF_TOKEN], now), path="/",
                        samesite="Lax", secure=request.secure or None)
