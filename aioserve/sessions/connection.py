"""One websocket of a session: an ordered outbox so broadcasts never block."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Protocol

log = logging.getLogger("aioserve.server")


class Transport(Protocol):
    """What a connection needs from aiohttp's `WebSocketResponse`."""

    @property
    def closed(self) -> bool: ...
    async def send_str(self, data: str, compress: int | None = None) -> None: ...
    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool: ...


class Connection:
    """Queues text frames and writes them in order, from one short-lived task."""

    def __init__(self, transport: Transport, *, remote: str = "") -> None:
        self.transport = transport
        self.remote = remote
        self._outbox: deque[str] = deque()
        self._writer: asyncio.Task[None] | None = None
        self.synced = False  # patches flow only after the client pulled or resumed
        self.bytes_out = 0
        self.messages_out = 0
        self.bytes_in = 0  # counted by the server's read loop
        self.messages_in = 0

    def send(self, text: str) -> None:
        if self.transport.closed:
            return
        self._outbox.append(text)
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        try:
            while self._outbox:
                text = self._outbox.popleft()
                self.messages_out += 1
                self.bytes_out += len(text)
                await self.transport.send_str(text)
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
