"""A server websocket that refuses unmasked client frames, as RFC 6455 (5.1) requires.

aiohttp's frame reader is shared by its client and its server, so it takes
frames with or without a mask. `MaskedWebSocketResponse` puts a small scanner
in front of it that reads only the frame headers: the first client frame
without the mask bit closes the connection with 1002 (protocol error), the way
aiohttp closes on its own protocol errors. Payloads pass through untouched,
so the scanner costs a few operations per frame.

It reaches into two private attributes of aiohttp's request handler
(`_message_tail`, `_payload_parser`); tests/server/test_ws_frames.py fails
if an aiohttp release changes them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import WSCloseCode, web
from aiohttp.http_websocket import WebSocketError, WebSocketWriter
from aiohttp.web_request import BaseRequest

_EXTENDED = {126: 2, 127: 8}  # 7-bit length codes that announce a longer length field


class MaskedFramesOnly:
    """Stands where aiohttp's WebSocketReader stood and feeds it only masked frames."""

    def __init__(self, reader: Any, queue: Any) -> None:
        self._reader = reader  # aiohttp's WebSocketReader: feed_data / feed_eof
        self._queue = queue  # the response's WebSocketDataQueue, to fail the next receive
        self._header = bytearray()  # the current frame's header bytes read so far
        self._payload_left = 0  # payload bytes of the current frame still to pass
        self._failed = False

    def feed_eof(self) -> None:
        self._reader.feed_eof()

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        if self._failed:
            return True, b""
        position, end = 0, len(data)
        while position < end:
            if self._payload_left:
                step = min(self._payload_left, end - position)
                self._payload_left -= step
                position += step
                continue
            if not self._header and end - position >= 2:
                # The usual case: a whole header in this chunk, read at once.
                second = data[position + 1]
                if not second & 0x80:
                    return self._fail(data[:position])
                length = second & 0x7F
                extended = _EXTENDED.get(length, 0)
                if end - position >= 2 + extended + 4:
                    if extended:
                        length = int.from_bytes(data[position + 2:position + 2 + extended], "big")
                    position += 2 + extended + 4
                    self._payload_left = length
                    continue
            frame_start = position - len(self._header)  # may be in an earlier chunk
            self._header.append(data[position])
            position += 1
            if len(self._header) == 2 and not self._header[1] & 0x80:
                return self._fail(data[:max(frame_start, 0)])
            if self._header_complete():
                self._payload_left = self._payload_length()
                self._header.clear()
        return self._reader.feed_data(data)  # type: ignore[no-any-return]

    def _header_complete(self) -> bool:
        if len(self._header) < 2:
            return False
        extended = _EXTENDED.get(self._header[1] & 0x7F, 0)
        return len(self._header) == 2 + extended + 4  # the 4-byte mask key ends it

    def _payload_length(self) -> int:
        length = self._header[1] & 0x7F
        if length in _EXTENDED:
            length = int.from_bytes(self._header[2:2 + _EXTENDED[length]], "big")
        return length

    def _fail(self, before: bytes) -> tuple[bool, bytes]:
        if before:  # the whole frames ahead of the bad one are still read
            self._reader.feed_data(before)
        self._failed = True
        self._queue.set_exception(WebSocketError(WSCloseCode.PROTOCOL_ERROR,
                                                 "client frames must be masked (RFC 6455)"))
        return True, b""


class MaskedWebSocketResponse(web.WebSocketResponse):
    """`web.WebSocketResponse` that closes with 1002 on an unmasked client frame."""

    def _post_start(self, request: BaseRequest, protocol: str | None,
                    writer: WebSocketWriter) -> None:
        handler: Any = request.protocol
        # Bytes that came with the handshake would reach the reader unchecked.
        tail, handler._message_tail = handler._message_tail, b""
        super()._post_start(request, protocol, writer)
        guard = MaskedFramesOnly(handler._payload_parser, self._reader)
        handler._payload_parser = guard
        if tail and guard.feed_data(tail)[0]:
            handler.close()
