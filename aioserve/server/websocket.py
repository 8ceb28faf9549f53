"""The session websocket: handshake checks, then the app's engine speaks its protocol
(for the aioserve engine, `converse` below: docs/protocol.md)."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler

from aioserve.engines.base import EngineSession
from aioserve.errors import ProtocolError
from aioserve.security.admission import check_token
from aioserve.security.origins import (
    OriginPattern,
    default_allowlist,
    origin_allowed,
    parse_origin_allowlist,
)
from aioserve.security.tokens import TokenError, TokenPayload
from aioserve.server.collector import release_websocket
from aioserve.server.keys import REAL_REMOTE, STATE, ServerState
from aioserve.server.metrics import METRICS
from aioserve.server.page_session import open_session
from aioserve.server.served_app import AppFailed, ServedApp
from aioserve.server.ws_frames import MaskedWebSocketResponse
from aioserve.sessions.connection import Connection
from aioserve.sessions.incidents import new_error_id
from aioserve.sessions.protocol import (
    CLOSE_APP_ERROR,
    CLOSE_FLOOD,
    CLOSE_PROTOCOL_ERROR,
    CLOSE_SESSION_EXPIRED,
    SUBPROTOCOL,
    FloodGuard,
    error_message,
    reply_message,
    resumed_message,
)
from aioserve.sessions.session import ServerSession

log = logging.getLogger("aioserve.server")




def handler_for(served: ServedApp) -> Handler:
    async def ws_handler(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        if state.draining:
            raise web.HTTPServiceUnavailable(text="server is shutting down")
        _check_origin(request, state)
        payload = _check_token(request, state, served.path, served.engine.subprotocol)
        session, refusal = await _find_session(request, state, served, payload)
        config = state.config
        ws = MaskedWebSocketResponse(
            protocols=(served.engine.subprotocol,),
            heartbeat=config.keep_alive_ms / 1000 or None,
            max_msg_size=config.websocket_max_message_size_bytes,
            compress=config.websocket_compression_level is not None)
        await ws.prepare(request)
        if session is None:
            code, reason = refusal
            await ws.close(code=code, message=reason.encode()[:120])
            release_websocket(request)
            return ws
        remote = request.get(REAL_REMOTE) or request.remote or ""
        # Uncompressed frames may go straight to the socket (Connection.corked).
        raw = None if config.websocket_compression_level is not None else request.transport
        connection = Connection(ws, remote=remote, raw=raw)
        session.subscribe(connection)  # it counts from the moment the upgrade completed
        metrics = request.app.get(METRICS)
        timing = None
        if metrics is not None:
            metrics.connection_opened(served.path, connection)
            timing = metrics.handling.labels(served.path).observe
        log.info("WebSocket connection opened")
        try:
            await served.engine.converse(
                ws, connection, session,
                max_message_bytes=config.websocket_max_message_size_bytes, timing=timing)
        finally:
            session.unsubscribe(connection)
            if metrics is not None:
                metrics.connection_closed(served.path, connection)
            log.info("WebSocket connection closed: code=%s, reason=%r", ws.close_code, None)
            release_websocket(request)
        return ws

    return ws_handler


def _check_origin(request: web.Request, state: ServerState) -> None:
    patterns = state.origins
    scheme = None  # given entries name other sites too, whose scheme may differ from ours
    if patterns is None:
        patterns = _default_patterns(_default_origins(request))
        # The default is this server itself, so its scheme too: https under TLS or
        # when --use-xheaders says so (the request is then a clone with that scheme).
        scheme = request.scheme
    origin = request.headers.get("Origin")
    # Browsers always send Origin on a websocket; a client without one is not a
    # browser, so no page of another site is acting for it (as Tornado treats it).
    if origin is not None and not origin_allowed(origin, patterns, scheme=scheme):
        allowed = ", ".join(f"{scheme + '://' if scheme else ''}{p.host}:{p.port}"
                            for p in patterns)
        log.warning("Refusing websocket connection from Origin %r; use "
                    "--allow-websocket-origin=HOST[:PORT] or set AIOSERVE_ALLOW_WS_ORIGIN to "
                    "permit it; currently allowed: %s", origin, allowed)
        raise web.HTTPForbidden(text=f"origin {origin!r} is not allowed")


@functools.lru_cache(maxsize=16)  # one entry per port the server listens on
def _default_patterns(entries: tuple[str, ...]) -> tuple[OriginPattern, ...]:
    """Parsed once, not on every websocket (it cost about 20 µs of each)."""
    return parse_origin_allowlist(entries)


def _default_origins(request: web.Request) -> tuple[str, ...]:
    """localhost on the port the request arrived on, read from the socket."""
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    if isinstance(sockname, tuple) and len(sockname) >= 2:
        return default_allowlist(int(sockname[1]))
    return ("localhost:*", "127.0.0.1:*", "[::1]:*")  # a unix socket has no port


def _check_token(request: web.Request, state: ServerState, app_path: str,
                 subprotocol: str = SUBPROTOCOL) -> TokenPayload:
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    if len(offered) != 2 or offered[0] != subprotocol:
        raise web.HTTPForbidden(text=f"expected subprotocols [{subprotocol!r}, <token>]")
    config = state.config
    try:  # the page's check of a requested id, and the app binding (security/admission.py)
        return check_token(offered[1], app_path=app_path, signed=config.signed_sessions,
                           secret_key=config.secret_key)
    except TokenError as exc:
        log.warning("Refusing websocket: invalid token or session ID (%s)", exc)
        raise web.HTTPForbidden(text="Invalid token or session ID") from None


async def _find_session(request: web.Request, state: ServerState, served: ServedApp,
                        payload: TokenPayload) -> tuple[EngineSession | None, tuple[int, str]]:
    """The live session, or a new one if the token may still create it."""
    session = served.registry.get(payload.session_id)
    if session is not None:
        return session, (0, "")
    if payload.expired(state.clock()):
        return None, (CLOSE_SESSION_EXPIRED, "Token is expired; reload the page for a new "
                      "session (or raise --session-token-expiration)")
    try:
        session = await open_session(request, served, payload.session_id, payload.extra)
    except AppFailed as exc:  # logged with its error id where it was built
        return None, (CLOSE_APP_ERROR, exc.public(served.show_errors))
    except Exception as exc:
        error_id = new_error_id()
        log.error("Error building a session of %s (error id %s)", served.path, error_id,
                  exc_info=exc)
        return None, (CLOSE_APP_ERROR, AppFailed(f"{type(exc).__name__}: {exc}",
                                                 error_id).public(served.show_errors))
    return session, (0, "")


async def converse(ws: web.WebSocketResponse, connection: Connection,
                   session: ServerSession, timing: Callable[[float], None] | None = None,
                   ) -> None:
    """The aioserve engine's read loop; `timing` (--metrics) receives the seconds
    each `receive` took."""
    guard = FloodGuard()
    async for frame in ws:
        if frame.type is WSMsgType.TEXT:
            connection.messages_in += 1
            text = frame.data
            connection.bytes_in += len(text) if text.isascii() else len(text.encode())
        elif frame.type is WSMsgType.BINARY:
            connection.messages_in += 1
            connection.bytes_in += len(frame.data)
        if frame.type is WSMsgType.BINARY and connection.synced:
            connection.send(error_message(None, "bad_message", "binary frames are not part of the "
                                   "protocol"))
            continue
        if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            break
        if not guard.allow():
            log.warning("closing a websocket of session %s: message flood", session.id)
            await connection.close(CLOSE_FLOOD, "too many messages")
            break
        message = _parse(frame.data) if frame.type is WSMsgType.TEXT else None
        if not connection.synced:  # anything but a pull or resume first: 4001
            with connection.corked():  # the document (or the missed patches) in one write
                synced = message is not None and _start(connection, session, message)
            if not synced:
                await connection.close(CLOSE_PROTOCOL_ERROR, "expected pull or resume first")
                break
            continue
        if message is None:
            connection.send(error_message(None, "bad_json", "each message must be a JSON object"))
            continue
        msg_id = message.get("id")
        if not isinstance(msg_id, int) or isinstance(msg_id, bool):
            connection.send(error_message(None, "bad_message", "a message needs an integer 'id'"))
            continue
        started = time.perf_counter()
        try:
            answer(connection, session, msg_id, message)
        finally:
            if timing is not None:
                timing(time.perf_counter() - started)


def answer(connection: Connection, session: ServerSession, msg_id: int,
           message: dict[str, object]) -> None:
    """Apply one client message; send its patch and its ok (or the error) in one
    write, with no loop turn between."""
    with connection.corked(), session.document.flushed_by_caller():
        try:
            reply = session.receive(connection, message)
        except ProtocolError as exc:
            connection.send(error_message(msg_id, exc.code, exc.message))
        except Exception as exc:  # a model's own check broke: refuse it, keep going
            error_id = new_error_id()
            log.exception("Error handling a message of session %s (error id %s)",
                          session.id, error_id)
            public = session.incidents.public_message(
                exc, error_id, "The server failed to handle this message.")
            connection.send(error_message(msg_id, "internal_error", public))
        else:
            session.flush()  # its patch goes before its ok
            connection.send(reply_message(msg_id, reply))


# json's own C scanner, without the Python around it in json.loads (a third of the
# time of parsing a small message); text it does not read whole goes to json.loads.
_scan: Callable[[str, int], tuple[object, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _parse(text: str) -> dict[str, object] | None:
    message: object = None
    try:
        message, end = _scan(text, 0)
    except (StopIteration, ValueError, RecursionError):
        end = -1
    if end != len(text):  # whitespace around it, text after it, or not JSON: decided
        try:  # by json.loads, exactly as before
            message = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            return None
    return message if isinstance(message, dict) else None


def _start(connection: Connection, session: ServerSession, message: dict[str, object]) -> bool:
    """Answer `pull` or `resume`; from then on the connection receives patches."""
    kind = message.get("type")
    if kind == "pull":
        connection.send(session.doc_message())
    elif kind == "resume" and isinstance(message.get("since"), int):
        missed = session.replay_since(message["since"])  # type: ignore[arg-type]
        if missed is None:
            connection.send(session.doc_message())
        else:
            for text in missed:
                connection.send(text)
            connection.send(resumed_message(session.seq))
    else:
        return False
    connection.synced = True
    return True


