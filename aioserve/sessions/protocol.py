"""The aioserve wire protocol in one place (docs/protocol.md): the encoder, the
close codes and the builders of the messages the server sends.

The bokeh engine speaks Bokeh's protocol instead (engines/bokeh/protocol.py).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import orjson

from aioserve.document.binary import Outgoing, encode

SUBPROTOCOL = "aioserve"
VERSION = 1

CLOSE_NORMAL = 1000  # also: --dev reloaded the app; the page reloads
CLOSE_GOING_AWAY = 1001  # the server drains for shutdown
CLOSE_TOO_BIG = 1009  # over --websocket-max-message-size (aiohttp closes)
CLOSE_PROTOCOL_ERROR = 4001
CLOSE_SESSION_EXPIRED = 4004
CLOSE_FLOOD = 4008
CLOSE_APP_ERROR = 4011

# Names this server process in every ack: a page whose session was rebuilt tells a
# restart (another process answers) from a session that ended on a running server.
SERVER_INSTANCE = secrets.token_urlsafe(8)

FLOOD_BURST = 2000  # messages a client may send at once...
FLOOD_RATE = 1000.0  # ...and per second on average; a slider sends far fewer


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON text of an outgoing message.

    orjson writes floats about ten times faster than the standard library,
    which is most of the cost of a chart's patch (bench/RESULTS.md). What it
    refuses (integers past 64 bits) goes through the standard library.
    """
    try:
        return orjson.dumps(message).decode()
    except orjson.JSONEncodeError:
        return json.dumps(message, separators=(",", ":"), allow_nan=False)


def ack_message(session_id: str, seq: int, instance: str,
                max_message_bytes: int | None = None) -> str:
    ack: dict[str, Any] = {"type": "ack", "protocol": VERSION, "session": session_id,
                           "seq": seq, "instance": instance, "server": SERVER_INSTANCE}
    if max_message_bytes is not None:  # so a page can refuse an upload before sending
        ack["max_message_bytes"] = max_message_bytes
    return dumps(ack)


def doc_message(seq: int, doc_json: dict[str, Any]) -> Outgoing:
    """The `doc` message, its columns of numbers as binary frames ("Binary columns")."""
    return encode({"type": "doc", "seq": seq, "doc": doc_json})


def patch_message(seq: int, events: list[dict[str, Any]]) -> Outgoing:
    """A `patch`: its events, their columns of numbers as binary frames."""
    return encode({"type": "patch", "seq": seq, "events": events})


def error_message(reply_to: int | None, code: str, message: str) -> str:
    return dumps({"type": "error", "reply_to": reply_to, "code": code, "message": message})


def reply_message(reply_to: int, reply: dict[str, Any] | None = None) -> Outgoing:
    """`ok`, or another reply (such as table rows) to the message `reply_to`."""
    if reply is None:
        return Outgoing(f'{{"type":"ok","reply_to":{int(reply_to)}}}')
    return encode({**reply, "reply_to": reply_to})


def resumed_message(seq: int) -> str:
    return dumps({"type": "resumed", "seq": seq})


def reload_message() -> str:
    return dumps({"type": "reload"})


class FloodGuard:
    """A token bucket: bursts are fine, a sustained flood closes the socket
    (CLOSE_FLOOD). Both engines' read loops use one per connection."""

    def __init__(self) -> None:
        self.tokens = float(FLOOD_BURST)
        self.at = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(FLOOD_BURST, self.tokens + (now - self.at) * FLOOD_RATE)
        self.at = now
        self.tokens -= 1
        return self.tokens >= 0
