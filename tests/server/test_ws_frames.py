"""RFC 6455 at the frame level, through raw sockets: a client frame without a mask
closes the connection with 1002; masked frames, however they are cut, are read."""

from __future__ import annotations

import asyncio
import base64
import html
import json
import os
import re
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from aioserve import create_app
from aioserve.models import Div
from aioserve.server.ws_frames import MaskedFramesOnly

CLOSE = 0x8
PULL = b'{"type": "pull"}'


def hello(doc: Any) -> None:
    doc.add_root(Div(name="hello", text="hello"))


def frame(payload: bytes, *, opcode: int = 0x1, masked: bool = True) -> bytes:
    n = len(payload)
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head = bytes([0x80 | opcode, mask_bit | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, mask_bit | 126]) + struct.pack("!H", n)
    else:
        head = bytes([0x80 | opcode, mask_bit | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class RawSocket:
    """A websocket spoken byte by byte: what a broken or hostile client sends."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def read_frame(self) -> tuple[int, bytes]:
        head = await asyncio.wait_for(self.reader.readexactly(2), 10)
        assert not head[1] & 0x80, "a server frame must not be masked"
        n = head[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        return head[0] & 0x0F, await asyncio.wait_for(self.reader.readexactly(n), 10)

    async def message(self) -> dict[str, Any]:
        opcode, data = await self.read_frame()
        assert opcode == 0x1, (opcode, data)
        return json.loads(data)  # type: ignore[no-any-return]

    async def close_code(self) -> int:
        """The code of the server's close frame, skipping messages before it."""
        while True:
            opcode, data = await self.read_frame()
            if opcode == CLOSE:
                return int(struct.unpack("!H", data[:2])[0])

    def close(self) -> None:
        self.writer.close()


@pytest.fixture
async def raw_ws(aiohttp_server: Any) -> AsyncIterator[Any]:
    server = await aiohttp_server(create_app({"/app": hello}), host="127.0.0.1", port=0)
    sockets: list[RawSocket] = []

    async def open_ws(first_frames: bytes = b"", ack: bool = True) -> RawSocket:
        """Load the page, then send the handshake (and `first_frames` in the same write)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /app HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        page = (await asyncio.wait_for(reader.read(), 10)).decode()
        writer.close()
        token = html.unescape(re.search(r'name="aioserve-token" content="([^"]*)"', page)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(f"GET /app/ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                     f"Sec-WebSocket-Protocol: aioserve, {token}\r\n\r\n".encode() + first_frames)
        status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert status.startswith(b"HTTP/1.1 101"), status
        ws = RawSocket(reader, writer)
        sockets.append(ws)
        if ack:
            assert (await ws.message())["type"] == "ack"
        return ws

    yield open_ws
    for ws in sockets:
        ws.close()


async def test_an_unmasked_frame_closes_with_1002(raw_ws: Any) -> None:
    ws = await raw_ws()
    ws.writer.write(frame(PULL, masked=False))
    assert await ws.close_code() == 1002


async def test_an_unmasked_frame_after_pull_closes_with_1002(raw_ws: Any) -> None:
    ws = await raw_ws()
    ws.writer.write(frame(PULL))
    assert (await ws.message())["type"] == "doc"
    ws.writer.write(frame(b'{"type": "set", "id": 1}', masked=False))
    assert await ws.close_code() == 1002


async def test_an_unmasked_frame_sent_with_the_handshake_closes_with_1002(raw_ws: Any) -> None:
    ws = await raw_ws(first_frames=frame(PULL, masked=False), ack=False)
    assert await ws.close_code() == 1002


async def test_masked_frames_cut_anywhere_are_read(raw_ws: Any) -> None:
    """A masked pull sent with the handshake, then frames of every length form
    (7-bit, 16-bit, 64-bit) cut into single bytes and across frame boundaries."""
    ws = await raw_ws(first_frames=frame(PULL))
    doc = await ws.message()
    assert doc["type"] == "doc"
    hello_id = next(iter(doc["doc"]["models"]))
    messages = [json.dumps({"type": "set", "id": i, "model": hello_id, "attr": "text",
                            "value": "x" * size}).encode() for i, size in
                enumerate((1, 200, 70_000))]
    stream = b"".join(frame(m) for m in messages)
    for cut in range(0, 40):  # the first 40 bytes one at a time: every header byte alone
        ws.writer.write(stream[cut:cut + 1])
        await ws.writer.drain()
    ws.writer.write(stream[40:])
    replies = [await ws.message() for _ in messages]
    assert [r["type"] for r in replies] == ["error"] * 3  # read and answered: read_only text
    assert [r["reply_to"] for r in replies] == [0, 1, 2]


class _Reader:
    def __init__(self) -> None:
        self.fed = b""

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        self.fed += data
        return False, b""

    def feed_eof(self) -> None:
        pass


class _Queue:
    def __init__(self) -> None:
        self.exception: BaseException | None = None

    def set_exception(self, exc: BaseException) -> None:
        self.exception = exc


@pytest.mark.parametrize("chunk", [1, 3, 7, 1000])
def test_the_scanner_passes_masked_frames_and_stops_at_the_first_unmasked(chunk: int) -> None:
    good = frame(b"a") + frame(b"b" * 300) + frame(b"c" * 70_000, opcode=0x2) + frame(
        b"", opcode=0x9)
    bad = frame(b"evil", masked=False)
    reader, queue = _Reader(), _Queue()
    scanner = MaskedFramesOnly(reader, queue)
    stream = good + bad + frame(b"after")
    results = [scanner.feed_data(stream[i:i + chunk]) for i in range(0, len(stream), chunk)]
    assert reader.fed.startswith(good) and b"evil" not in reader.fed
    assert queue.exception is not None and getattr(queue.exception, "code", None) == 1002
    assert any(eof for eof, _ in results) and results[-1] == (True, b"")


def test_web_socket_response_still_has_what_the_scanner_needs() -> None:
    """The two private attributes of aiohttp's request handler that ws_frames.py uses."""
    from aiohttp.web_protocol import RequestHandler

    assert {"_message_tail", "_payload_parser"} <= set(RequestHandler.__slots__)
    assert hasattr(web.WebSocketResponse, "_post_start")
