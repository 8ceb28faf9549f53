"""Bokeh's websocket protocol on an aiohttp websocket the core has accepted.

Bokeh's own transport-free parts do the work (`Protocol`, `Receiver`,
`ProtocolHandler`, `ServerConnection`, `ServerSession`); this module is the
socket they write to and the read loop that feeds them.

Close codes are Bokeh's: 10000 (internal error) and 10001 (protocol error).
They lie past RFC 6455's 4999, but aiohttp sends and reads them and Chromium
hands them to the page unchanged (checked; docs/choices.md, "Bokeh engine").
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web
from bokeh.protocol import Protocol
from bokeh.protocol.message import Message
from bokeh.protocol.receiver import Receiver
from bokeh.server.connection import ServerConnection
from bokeh.server.protocol_handler import ProtocolHandler
from tornado import locks

from aioserve.sessions.protocol import CLOSE_FLOOD, FloodGuard

if TYPE_CHECKING:
    from aioserve.engines.base import Timing
    from aioserve.engines.bokeh.session import BokehSession
    from aioserve.sessions.connection import Connection

log = logging.getLogger("aioserve.server")

CLOSE_INTERNAL_ERROR = 10000  # as Bokeh's server
CLOSE_PROTOCOL_ERROR = 10001


class BokehSocket:
    """What Bokeh's `Message.send` and `ServerConnection` expect of Tornado's
    `WSHandler`: `write_lock` (a Tornado lock: `with await lock.acquire()`),
    `write_message` and `send_message`."""

    def __init__(self, ws: web.WebSocketResponse, connection: Connection) -> None:
        self.ws = ws
        self.connection = connection
        self.write_lock = locks.Lock()

    async def send_message(self, message: Message[Any]) -> None:
        try:
            await message.send(self)  # type: ignore[arg-type]
        except (ConnectionError, RuntimeError) as exc:
            # The peer went away mid-write; the read loop sees the close and cleans up.
            log.debug("dropping a %s for %s: %s", message.msgtype, self.connection.remote, exc)

    async def write_message(self, data: str | bytes, binary: bool = False,
                            locked: bool = True) -> None:
        if locked:
            with await self.write_lock.acquire():
                await self._write(data, binary)
        else:
            await self._write(data, binary)

    async def _write(self, data: str | bytes, binary: bool) -> None:
        if self.ws.closed:
            return
        if isinstance(data, bytes):
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(data)
        self.connection.messages_out += 1
        self.connection.bytes_out += len(data)

    def ping(self, data: bytes) -> None:
        """Keep-alive is aiohttp's heartbeat (--keep-alive); Bokeh's own pings are not used."""


async def converse(ws: web.WebSocketResponse, connection: Connection,
                   session: BokehSession, timing: Timing | None) -> None:
    """ACK, then each client message through Bokeh's receiver and handler."""
    protocol = Protocol()
    receiver = Receiver(protocol)
    handler = ProtocolHandler()
    socket = BokehSocket(ws, connection)
    bokeh_connection = ServerConnection(protocol, socket,  # type: ignore[arg-type]
                                        None, session.bokeh)  # type: ignore[arg-type]
    guard = FloodGuard()
    try:
        await socket.send_message(protocol.create("ACK"))
        async for frame in ws:
            if frame.type is WSMsgType.TEXT:
                fragment: str | bytes = frame.data
            elif frame.type is WSMsgType.BINARY:
                fragment = frame.data
            else:
                break
            connection.messages_in += 1
            connection.bytes_in += len(fragment)
            if not guard.allow():  # each frame counts: a Bokeh message is three or more
                log.warning("closing a websocket of session %s: message flood", session.id)
                await connection.close(CLOSE_FLOOD, "too many messages")
                break
            started = time.perf_counter()
            try:
                message = await receiver.consume(fragment)
            except Exception as exc:  # bad JSON, unknown type, a frame out of order
                log.warning("Bokeh protocol error from session %s: %s; closing its websocket",
                            session.id, exc)
                await connection.close(CLOSE_PROTOCOL_ERROR, f"protocol error: {exc}")
                break
            if message is None:
                continue  # more frames of this message to come
            if not await _handle(handler, message, bokeh_connection, socket, connection,
                                 session.id):
                break
            if timing is not None:
                timing(time.perf_counter() - started)
    finally:
        bokeh_connection.detach_session()
        # Both keep bound methods of their own (the next frame's consumer, the
        # handler table): a cycle per connection, left to a full collection.
        handler._handlers.clear()
        receiver._current_consumer = receiver._message = None  # type: ignore[assignment]
        receiver._partial = None
        if not session.bokeh.destroyed:
            session.bokeh.notify_connection_lost()


async def _handle(handler: ProtocolHandler, message: Message[Any],
                  bokeh_connection: ServerConnection, socket: BokehSocket,
                  connection: Connection, session_id: str) -> bool:
    """Run one message; False when the connection had to be closed."""
    try:
        # A message the session fails to apply (a patch naming a model that is not
        # there, a value of the wrong type) comes back as Bokeh's ERROR reply.
        work = await handler.handle(message, bokeh_connection)  # type: ignore[no-untyped-call]
    except Exception as exc:  # a message type the server does not take
        log.warning("Bokeh protocol error from session %s: %s; closing its websocket",
                    session_id, exc)
        await connection.close(CLOSE_PROTOCOL_ERROR, f"protocol error: {exc}")
        return False
    if isinstance(work, Message):
        await socket.send_message(work)
    elif work is not None:
        log.error("Bokeh handler returned %r, not a message; closing the websocket", work)
        await connection.close(CLOSE_INTERNAL_ERROR, "internal error")
        return False
    return True
