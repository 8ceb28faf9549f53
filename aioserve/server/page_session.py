"""From a page request to a session id and a token (DESIGN 2.2, BOKEH_NOTES 1.4)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from aioserve.config import Config
from aioserve.security.admission import BadSessionId, check_session_id
from aioserve.security.tokens import (
    TokenError,
    TokenTooLarge,
    fit_request_data,
    generate_session_id,
    generate_token,
)
from aioserve.server.auth import logout_url_for
from aioserve.server.keys import STATE, USER
from aioserve.server.served_app import AppFailed
from aioserve.sessions.context import RequestData
from aioserve.sessions.incidents import new_error_id

if TYPE_CHECKING:
    from aioserve.engines.base import EngineSession
    from aioserve.server.served_app import ServedApp

log = logging.getLogger("aioserve.server")

ID_PARAMS = ("aioserve-session-id", "bokeh-session-id")
ID_HEADERS = ("Aioserve-Session-Id", "Bokeh-Session-Id")


class SessionIdRefused(Exception):
    """The page request names a session it may not have; the message says why."""


def requested_session_id(request: web.Request) -> str | None:
    given = [request.query[p] for p in ID_PARAMS if p in request.query]
    given += [request.headers[h] for h in ID_HEADERS if h in request.headers]
    if len(given) > 1:
        raise SessionIdRefused("give the session id once, in one place")
    return given[0] if given else None


def session_id_for(request: web.Request, config: Config) -> str:
    """The requested id, checked for the --session-ids mode, or a new one."""
    session_id = requested_session_id(request)
    signed = config.signed_sessions
    if session_id is None:
        if config.session_ids == "external-signed":
            raise SessionIdRefused("No aioserve-session-id provided (this server only accepts"
                                   " session ids signed by another service)")
        return generate_session_id(config.secret_key, signed=signed)
    try:
        return check_session_id(session_id, signed=signed, secret_key=config.secret_key)
    except BadSessionId as exc:  # the websocket's check too (security/admission.py)
        raise SessionIdRefused(str(exc)) from None
    except TokenError:
        raise SessionIdRefused("Invalid token or session ID") from None


def _filtered(items: dict[str, str], include: Iterable[str] | None,
              exclude: Iterable[str] | None) -> dict[str, str]:
    if include is not None:
        wanted = {name.lower() for name in include}
        return {k: v for k, v in items.items() if k.lower() in wanted}
    if exclude is not None:
        unwanted = {name.lower() for name in exclude}
        return {k: v for k, v in items.items() if k.lower() not in unwanted}
    return items


def request_data(request: web.Request, config: Config) -> dict[str, Any]:
    """Headers, cookies and query arguments the app may see, as the token carries them."""
    cookies = _filtered(dict(request.cookies), config.include_cookies, config.exclude_cookies)
    headers = {k: v for k, v in request.headers.items() if k.lower() != "cookie"}
    headers = _filtered(headers, config.include_headers, config.exclude_headers)
    arguments: dict[str, list[bytes]] = {}
    for name, value in request.query.items():
        arguments.setdefault(name, []).append(value.encode())
    return {"headers": headers, "cookies": cookies, "arguments": arguments}


def mint_token(session_id: str, extra: dict[str, Any], config: Config, now: float,
               app_path: str | None = None) -> str:
    fitted, dropped = fit_request_data(extra)
    if dropped:
        log.warning("request data too large for the session token; dropped %s",
                    ", ".join(dropped))
    return generate_token(session_id, secret_key=config.secret_key, signed=config.signed_sessions,
                          expiry_s=config.session_token_expiration_s, now=now, extra=fitted,
                          app_path=app_path)


@dataclass(frozen=True, slots=True)
class PageSession:
    """What a page (or autoload.js) embeds: the token, and the session (None
    under lazy sessions, where the websocket's process builds it)."""

    token: str
    session: EngineSession | None

    @property
    def title(self) -> str:
        return self.session.title if self.session is not None else ""


async def open_page_session(request: web.Request, served: ServedApp) -> PageSession:
    """Everything the page and autoload.js do before rendering, in one place.

    Refuses while draining (503) and ids the mode forbids (403), runs the app's
    `process_request`, mints the token and, unless sessions are lazy, builds
    the session now so its errors show on the page.
    """
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
        extra.update(served.engine.process_request(request))
    except Exception as exc:
        error_id = new_error_id()
        log.exception("process_request of %s failed (error id %s)", served.path, error_id)
        raise AppFailed(f"process_request failed: {exc!r}", error_id) from exc
    try:
        token = mint_token(session_id, extra, config, state.clock(), app_path=served.path)
    except TokenTooLarge as exc:  # what process_request returned cannot be dropped
        error_id = new_error_id()
        log.error("The session token of %s is too large: %s (error id %s)", served.path, exc,
                  error_id)
        raise AppFailed(f"process_request returned too much data for the session token "
                        f"({exc}); return less, or keep it on the server", error_id) from None
    if config.lazy_sessions_effective:
        return PageSession(token, None)
    try:
        session = await open_session(request, served, session_id, extra)
    except AppFailed:
        raise  # create_session logged it, with its error id
    except Exception as exc:  # not the app's code: still private, still in the log
        error_id = new_error_id()
        log.error("Error building a session of %s (error id %s)", served.path, error_id,
                  exc_info=exc)
        raise AppFailed(f"{type(exc).__name__}: {exc}", error_id) from exc
    return PageSession(token, session)


async def open_session(request: web.Request, served: ServedApp, session_id: str,
                       extra: dict[str, Any]) -> EngineSession:
    """The one place a session is opened, for the page and the websocket alike:
    the live one with this id, or a new one built (once) from the token's data."""
    return await served.registry.get_or_create(
        session_id, lambda: served.create_session(
            session_id, RequestData.from_token_extra(extra),
            user=request.get(USER, "default_user"),
            logout_url=logout_url_for(request), token_payload=extra))
