"""A connection writes a message's reply (patch and ok) in one socket write."""

from __future__ import annotations

import asyncio

from aiohttp import WSMsgType
from aiohttp.http_websocket import WebSocketWriter

from aioserve.sessions.connection import RAW_WRITE_LIMIT, Connection, text_frame


class FakeWebSocket:
    """The aiohttp side: what goes through `send_str` (the writer task's path)."""

    def __init__(self) -> None:
        self.closed = False
        self.sent: list[str] = []

    async def send_str(self, data: str, compress: int | None = None) -> None:
        self.sent.append(data)

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        self.closed = True
        return True


class FakeSocket:
    def __init__(self, buffered: int = 0) -> None:
        self.writes: list[bytes] = []
        self.buffered = buffered

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return self.buffered


def _frames(data: bytes) -> list[str]:
    """Decode unmasked server text frames."""
    out, i = [], 0
    while i < len(data):
        assert data[i] == 0x81
        n, i = data[i + 1], i + 2
        if n == 126:
            n, i = int.from_bytes(data[i:i + 2], "big"), i + 2
        elif n == 127:
            n, i = int.from_bytes(data[i:i + 8], "big"), i + 8
        out.append(data[i:i + n].decode())
        i += n
    return out


async def test_what_is_sent_while_corked_goes_out_in_one_write() -> None:
    ws, sock = FakeWebSocket(), FakeSocket()
    connection = Connection(ws, raw=sock)
    big = "x" * 70_000  # a 64-bit length field
    mid = "y" * 300  # a 16-bit one
    with connection.corked():
        connection.send('{"type":"patch"}')
        connection.send(mid)
        connection.send(big)
        connection.send('{"type":"ok"}')
        assert sock.writes == []  # nothing before the reply is complete
    assert len(sock.writes) == 1
    assert _frames(sock.writes[0]) == ['{"type":"patch"}', mid, big, '{"type":"ok"}']
    assert connection.messages_out == 4 and connection.bytes_out == 70_000 + 300 + 29
    await asyncio.sleep(0)
    assert ws.sent == []  # no writer task was needed


async def test_a_full_socket_buffer_or_a_busy_writer_keeps_the_ordered_task() -> None:
    ws, sock = FakeWebSocket(), FakeSocket(buffered=RAW_WRITE_LIMIT + 1)
    connection = Connection(ws, raw=sock)
    with connection.corked():
        connection.send("a")
        connection.send("b")
    await connection.flush()
    assert sock.writes == [] and ws.sent == ["a", "b"]  # aiohttp's flow control applies

    ws, sock = FakeWebSocket(), FakeSocket()
    connection = Connection(ws, raw=sock)
    connection.send("first")  # the writer task owns the socket until it is done
    with connection.corked():
        connection.send("second")
    await connection.flush()
    assert sock.writes == [] and ws.sent == ["first", "second"]


async def test_without_a_raw_socket_corking_only_batches() -> None:
    ws = FakeWebSocket()
    connection = Connection(ws)  # e.g. compression on
    with connection.corked():
        connection.send("a")
        connection.send("b")
    await connection.flush()
    assert ws.sent == ["a", "b"]


async def test_frames_are_the_bytes_aiohttp_writes() -> None:
    for size in (0, 125, 126, 65535, 65536):
        payload = ("é" * size).encode()[:size]
        sock = FakeSocket()
        writer = WebSocketWriter(None, sock, limit=1 << 30)  # type: ignore[arg-type]
        await writer.send_frame(payload, WSMsgType.TEXT)
        assert text_frame(payload) == b"".join(sock.writes)
