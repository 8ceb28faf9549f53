"""A lean HTTP/1.1 + websocket client on a bare asyncio Protocol.

The load generator must cost far less CPU than the servers it drives, so
this skips everything aiohttp's client does that a benchmark does not need:
one TCP connection is one `Wire`; it does keep-alive GETs (Content-Length or
chunked bodies), then may upgrade to a websocket, after which it parses
frames, answers pings by itself (recording when they came) and queues the
text/binary messages for `recv()`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from collections import deque

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WireClosed(Exception):
    """The connection closed (or the server sent a close frame)."""

    def __init__(self, code: int | None = None, reason: str = "") -> None:
        super().__init__(f"closed: code={code} {reason}".strip())
        self.code = code


class Wire(asyncio.Protocol):
    def __init__(self, host: str) -> None:
        self.host = host
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.ws = False
        self.messages: deque[bytes | str] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.closed: WireClosed | None = None
        self.pings: list[float] | None = None  # arrival times, when asked for
        self._frag: bytearray | None = None
        self._frag_op = 0
        self._mask = os.urandom(4)
        self._mask_int = int.from_bytes(self._mask * 64, "big")  # 256 bytes of key

    # ---- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.ws:
            self._parse_frames()
        self._wake()

    def eof_received(self) -> bool | None:
        self._lost(WireClosed(None, "eof"))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost(WireClosed(None, str(exc or "")))

    def _lost(self, closed: WireClosed) -> None:
        if self.closed is None:
            self.closed = closed
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def _wait(self, deadline: float) -> None:
        if self.closed is not None:
            raise self.closed
        self.waiter = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(self.waiter, max(0.0, deadline - time.monotonic()))
        finally:
            self.waiter = None

    # ---- HTTP

    def _send_request(self, path: str, headers: dict[str, str]) -> None:
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        assert self.transport is not None
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def _read_head(self, deadline: float) -> tuple[int, dict[str, str]]:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            await self._wait(deadline)
        head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        del self.buf[:end + 4]
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    async def get(self, path: str, headers: dict[str, str] | None = None,
                  timeout: float = 30) -> tuple[int, bytes]:
        deadline = time.monotonic() + timeout
        self._send_request(path, headers or {})
        status, head = await self._read_head(deadline)
        if "content-length" in head:
            size = int(head["content-length"])
            while len(self.buf) < size:
                await self._wait(deadline)
            body = bytes(self.buf[:size])
            del self.buf[:size]
        elif head.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked(deadline)
        else:
            raise ValueError(f"GET {path}: response without a length")
        return status, body

    async def _read_chunked(self, deadline: float) -> bytes:
        body = bytearray()
        while True:
            while (end := self.buf.find(b"\r\n")) < 0:
                await self._wait(deadline)
            size = int(bytes(self.buf[:end]).split(b";")[0], 16)
            while len(self.buf) < end + 2 + size + 2:
                await self._wait(deadline)
            body += self.buf[end + 2:end + 2 + size]
            del self.buf[:end + 2 + size + 2]
            if size == 0:
                return bytes(body)

    async def upgrade(self, path: str, protocols: tuple[str, ...] = (),
                      headers: dict[str, str] | None = None, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        request = {"Upgrade": "websocket", "Connection": "Upgrade",
                   "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
                   "Sec-WebSocket-Version": "13", **(headers or {})}
        if protocols:
            request["Sec-WebSocket-Protocol"] = ", ".join(protocols)
        self._send_request(path, request)
        status, _ = await self._read_head(deadline)
        if status != 101:
            raise WireClosed(status, "upgrade refused")
        self.ws = True
        if self.buf:
            self._parse_frames()

    # ---- websocket

    def _parse_frames(self) -> None:
        buf = self.buf
        pos = 0
        n = len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if n - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2:pos + 4], "big")
                head = 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2:pos + 10], "big")
                head = 10
            if n - pos < head + length:
                break
            payload = bytes(buf[pos + head:pos + head + length])
            pos += head + length
            self._frame(b0 & 0x80, b0 & 0x0F, payload)
        if pos:
            del buf[:pos]

    def _frame(self, fin: int, op: int, payload: bytes) -> None:
        if op == OP_PING:
            if self.pings is not None:
                self.pings.append(time.monotonic())
            self.send_frame(OP_PONG, payload)
        elif op == OP_CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            if self.closed is None:
                self.send_frame(OP_CLOSE, payload[:2])
                self.closed = WireClosed(code, payload[2:].decode(errors="replace"))
        elif op in (OP_TEXT, OP_BINARY) and fin:
            self.messages.append(payload.decode() if op == OP_TEXT else payload)
        elif op in (OP_TEXT, OP_BINARY):
            self._frag, self._frag_op = bytearray(payload), op
        elif op == OP_CONT and self._frag is not None:
            self._frag += payload
            if fin:
                data = bytes(self._frag)
                self.messages.append(data.decode() if self._frag_op == OP_TEXT else data)
                self._frag = None

    def send_frame(self, op: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        n = len(payload)
        if n < 126:
            head = bytes((0x80 | op, 0x80 | n))
        elif n < 65536:
            head = bytes((0x80 | op, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x80 | op, 0x80 | 127)) + n.to_bytes(8, "big")
        if n <= 256:
            key = self._mask_int >> (8 * (256 - n))
            masked = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big") if n else b""
        else:
            mask = (self._mask * (n // 4 + 1))[:n]
            masked = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(
                n, "big")
        self.transport.write(head + self._mask + masked)

    def send(self, text: str) -> None:
        self.send_frame(OP_TEXT, text.encode())

    async def recv(self, timeout: float = 30) -> bytes | str:
        deadline = time.monotonic() + timeout
        while not self.messages:
            await self._wait(deadline)
        return self.messages.popleft()

    async def close(self, timeout: float = 5) -> None:
        """Close handshake (when open), then the socket."""
        if self.ws and self.closed is None:
            self.send_frame(OP_CLOSE, (1000).to_bytes(2, "big"))
            deadline = time.monotonic() + timeout
            try:
                while self.closed is None:
                    await self._wait(deadline)
            except (WireClosed, TimeoutError):
                pass
        if self.transport is not None:
            self.transport.close()


async def connect(host: str, port: int) -> Wire:
    loop = asyncio.get_running_loop()
    _, wire = await loop.create_connection(lambda: Wire(f"{host}:{port}"), host, port)
    return wire
