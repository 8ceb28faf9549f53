"""One websocket of a session: an ordered outbox so broadcasts never block."""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections import deque
from typing import Protocol

from aioserve.document.binary import Outgoing

log = logging.getLogger("aioserve.server")


class Transport(Protocol):
    """What a connection needs from aiohttp's `WebSocketResponse`."""

    @property
    def closed(self) -> bool: ...
    async def send_str(self, data: str, compress: int | None = None) -> None: ...
    async def send_bytes(self, data: bytes, compress: int | None = None) -> None: ...
    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool: ...


class RawTransport(Protocol):
    """The socket under an uncompressed websocket (asyncio's transport)."""

    def write(self, data: bytes) -> None: ...
    def is_closing(self) -> bool: ...
    def get_write_buffer_size(self) -> int: ...


# Frames written straight to the socket only while less than this waits in its
# buffer; beyond it the writer task applies aiohttp's flow control.
RAW_WRITE_LIMIT = 64 * 1024


def text_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """A final, unmasked text frame (RFC 6455 5.2), as a server sends it; opcode 0x2
    makes it a binary frame."""
    return frame_header(len(payload), opcode) + payload


_SHORT = struct.Struct("!BB")
_MEDIUM = struct.Struct("!BBH")
_LONG = struct.Struct("!BBQ")


def frame_header(n: int, opcode: int = 0x1) -> bytes:
    """The header of a final, unmasked frame of `n` payload bytes."""
    first = 0x80 | opcode
    if n < 126:
        return _SHORT.pack(first, n)
    if n < 65536:
        return _MEDIUM.pack(first, 126, n)
    return _LONG.pack(first, 127, n)


class Connection:
    """Queues frames (text, and the binary frames of numeric columns) and writes them in
    order, from one short-lived task.

    Inside `corked()` (the reply to one client message), frames wait and then go
    out together in a single socket write when nothing else is being written:
    a message's patch and its `ok` cost one write and no task.
    """

    def __init__(self, transport: Transport, *, remote: str = "",
                 raw: RawTransport | None = None) -> None:
        self.transport = transport
        self.remote = remote
        self._raw = raw  # None: compressed, or not a plain socket; always the writer task
        self._corked = False
        self._outbox: deque[str | bytes] = deque()
        self._writer: asyncio.Task[None] | None = None
        self.synced = False  # patches flow only after the client pulled or resumed
        self.bytes_out = 0
        self.messages_out = 0
        self.bytes_in = 0  # counted by the server's read loop
        self.messages_in = 0

    def send(self, message: str | Outgoing) -> None:
        """Queue a text frame, or a message with its binary frames (which go first)."""
        if self.transport.closed:
            return
        if isinstance(message, Outgoing):
            self._outbox.extend(message.buffers)
            message = message.text
        self._outbox.append(message)
        if self._writer is None and not self._corked:
            self._writer = asyncio.ensure_future(self._drain())

    def corked(self) -> _Cork:
        """Hold what is sent inside, then write it at once (see the class)."""
        return _Cork(self)

    def _uncork(self) -> None:
        if not self._outbox or self._writer is not None:
            return  # nothing held, or the writer task is running and takes it in turn
        raw = self._raw
        if (raw is None or raw.is_closing() or self.transport.closed
                or raw.get_write_buffer_size() > RAW_WRITE_LIMIT):
            self._writer = asyncio.ensure_future(self._drain())
            return
        # Headers and payloads joined once: no frame is copied on its own first.
        parts: list[bytes] = []
        texts = size = 0
        for frame in self._outbox:
            size += len(frame)
            if isinstance(frame, str):
                texts += 1
                payload = frame.encode()
                parts += (frame_header(len(payload)), payload)
            else:
                parts += (frame_header(len(frame), 0x2), frame)
        self.messages_out += texts
        self.bytes_out += size
        self._outbox.clear()
        raw.write(b"".join(parts))

    async def _drain(self) -> None:
        try:
            while self._outbox:
                frame = self._outbox.popleft()
                self.bytes_out += len(frame)
                if isinstance(frame, bytes):
                    await self.transport.send_bytes(frame)
                else:
                    self.messages_out += 1
                    await self.transport.send_str(frame)
        except (ConnectionError, RuntimeError) as exc:
            # The peer went away mid-write; the read loop sees the close and cleans up.
            log.debug("dropping %d queued messages for %s: %s", len(self._outbox), self.remote, exc)
            self._outbox.clear()
        finally:
            self._writer = None

    async def flush(self) -> None:
        """Wait until everything queued has been written."""
        while self._writer is not None:
            await asyncio.shield(self._writer)

    async def close(self, code: int, reason: str = "") -> None:
        await self.flush()
        await self.transport.close(code=code, message=reason.encode()[:120])


class _Cork:
    # A class, not @contextmanager: every client message enters one.
    __slots__ = ("_connection", "_outer")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        connection = self._connection
        self._outer = connection._corked  # nested: the outer block writes
        connection._corked = True

    def __exit__(self, *exc: object) -> None:
        if not self._outer:
            self._connection._corked = False
            self._connection._uncork()


class Subscribers:
    """A session's connections and how long it has had none: what the registry's
    reaper reads, the same for every engine's session."""

    def __init__(self) -> None:
        self.connections: set[Connection] = set()
        self.last_detached_at = time.monotonic()

    def subscribe(self, connection: Connection) -> None:
        self.connections.add(connection)

    def unsubscribe(self, connection: Connection) -> None:
        self.connections.discard(connection)
        if not self.connections:
            self.last_detached_at = time.monotonic()

    def idle_ms(self, now: float) -> float:
        """How long the session has had no connection (0 while it has one)."""
        return 0.0 if self.connections else (now - self.last_detached_at) * 1000
