"""One websocket of a session: an ordered outbox so broadcasts never block."""

from __future__ import annotations

import asyncio
import logging
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


class Connection:
    """Queues frames (text, and the binary frames of numeric columns) and writes them in
    order, from one short-lived task."""

    def __init__(self, transport: Transport, *, remote: str = "") -> None:
        self.transport = transport
        self.remote = remote
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
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._drain())

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
