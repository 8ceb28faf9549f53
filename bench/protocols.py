"""The three dialects the load generator speaks, over `bench.wire`.

- aioserve: one JSON text frame per message (docs/protocol.md).
- Bokeh: each message is three text frames, header / metadata / content,
  then a (buffer header, payload) pair per buffer the header announces
  (`bokeh/protocol/message.py`); ACK, PULL-DOC-REQ/REPLY, PATCH-DOC, OK.
- floor: a bare aiohttp server (bench/floor.py) speaking aioserve's opening
  handshake with a canned document, plus an echo socket.

Each gives a full session (page GET on a kept-alive connection, websocket,
whole document received) and a slider round trip (send the change, wait for
the patch whose Div text shows the new value).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from dataclasses import dataclass

from bench.wire import Wire, connect

_AIO_TOKEN = re.compile(rb'<meta name="aioserve-token" content="([^"]+)"')
_BOKEH_TOKEN = re.compile(rb'"token": ?"([^"]+)"')
_BOKEH_SLIDER = re.compile(r'"name":"Slider","id":"([^"]+)"')


class BenchError(Exception):
    """The server answered something the benchmark did not expect."""


@dataclass
class Opened:
    ws: Wire
    doc: str  # the document message (the content frame for Bokeh)
    session_id: str
    opened_at: float = 0.0  # time.monotonic() when the document had arrived


def label_text(value: float) -> str:
    """What both dashboard apps put in their Div for a slider value."""
    return f"frequency {value:.2f}"


class Dialect:
    name = ""
    subprotocol = ""
    _ids = itertools.count(1)

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def token(self, page: bytes) -> str:
        raise NotImplementedError

    def ws_path(self, app: str, session_id: str) -> str:
        return f"/{app}/ws"

    async def pull(self, ws: Wire, timeout: float) -> str:
        raise NotImplementedError

    def slider_id(self, doc: str) -> str:
        raise NotImplementedError

    def send_slider(self, ws: Wire, slider: str, value: float) -> None:
        raise NotImplementedError

    async def page(self, page: Wire, app: str, timeout: float = 30) -> str:
        status, body = await page.get(f"/{app}", timeout=timeout)
        if status != 200:
            raise BenchError(f"GET /{app}: {status}")
        return self.token(body)

    async def open(self, page: Wire, app: str, timeout: float = 30) -> Opened:
        """A full session: the page (on `page`, kept alive), a websocket, the document."""
        token = await self.page(page, app, timeout)
        session_id = session_id_of(token)
        ws = await connect(self.host, self.port)
        try:
            await ws.upgrade(self.ws_path(app, session_id), (self.subprotocol, token),
                             timeout=timeout)
            doc = await self.pull(ws, timeout)
        except BaseException:
            if ws.transport is not None:
                ws.transport.close()
            raise
        return Opened(ws, doc, session_id, time.monotonic())

    async def round_trip(self, ws: Wire, slider: str, value: float, timeout: float = 10) -> None:
        """Move the slider; return when the patch carrying the new label arrives."""
        self.send_slider(ws, slider, value)
        want = label_text(value)
        deadline = time.monotonic() + timeout
        while True:
            message = await ws.recv(max(0.001, deadline - time.monotonic()))
            if isinstance(message, str) and want in message:
                return


class Aioserve(Dialect):
    name = "aioserve"
    subprotocol = "aioserve"

    def token(self, page: bytes) -> str:
        found = _AIO_TOKEN.search(page)
        if found is None:
            raise BenchError("no aioserve-token in the page")
        return found.group(1).decode()

    def ws_path(self, app: str, session_id: str) -> str:
        return f"/{app}/ws?session={session_id}"

    async def pull(self, ws: Wire, timeout: float) -> str:
        ack = await ws.recv(timeout)
        if not isinstance(ack, str) or not ack.startswith('{"type":"ack"'):
            raise BenchError(f"expected an ack, got {ack!r:.80}")
        ws.send('{"type":"pull"}')
        doc = await ws.recv(timeout)
        while isinstance(doc, bytes):  # numeric columns come as binary frames before it
            doc = await ws.recv(timeout)
        if not isinstance(doc, str) or not doc.startswith('{"type":"doc"'):
            raise BenchError(f"expected the document, got {doc!r:.80}")
        json.loads(doc)  # the whole document, as a client would read it
        return doc

    def slider_id(self, doc: str) -> str:
        models = json.loads(doc)["doc"]["models"]
        return next(k for k, m in models.items() if m["type"] == "Slider")

    def send_slider(self, ws: Wire, slider: str, value: float) -> None:
        ws.send(json.dumps({"type": "set", "id": next(self._ids), "model": slider,
                            "attr": "value", "value": value}))


class Floor(Aioserve):
    """bench/floor.py speaks aioserve's opening with a canned document."""

    name = "floor"


class Bokeh(Dialect):
    name = "bokeh"
    subprotocol = "bokeh"

    def token(self, page: bytes) -> str:
        found = _BOKEH_TOKEN.search(page)
        if found is None:
            raise BenchError("no token in the Bokeh page")
        return found.group(1).decode()

    def _send(self, ws: Wire, msgtype: str, content: str = "{}") -> None:
        ws.send(f'{{"msgid":"{next(self._ids)}","msgtype":"{msgtype}"}}')
        ws.send("{}")
        ws.send(content)

    async def _receive(self, ws: Wire, timeout: float) -> tuple[dict[str, object], str]:
        header = json.loads(await ws.recv(timeout))
        await ws.recv(timeout)  # metadata
        content = await ws.recv(timeout)
        for _ in range(2 * int(header.get("num_buffers", 0))):
            await ws.recv(timeout)
        assert isinstance(content, str)
        return header, content

    async def pull(self, ws: Wire, timeout: float) -> str:
        header, _ = await self._receive(ws, timeout)
        if header.get("msgtype") != "ACK":
            raise BenchError(f"expected ACK, got {header}")
        self._send(ws, "PULL-DOC-REQ")
        header, content = await self._receive(ws, timeout)
        if header.get("msgtype") != "PULL-DOC-REPLY":
            raise BenchError(f"expected PULL-DOC-REPLY, got {header}")
        json.loads(content)
        return content

    def slider_id(self, doc: str) -> str:
        found = _BOKEH_SLIDER.search(doc)
        if found is None:
            raise BenchError("no Slider in the Bokeh document")
        return found.group(1)

    def send_slider(self, ws: Wire, slider: str, value: float) -> None:
        event = {"kind": "ModelChanged", "model": {"id": slider}, "attr": "value", "new": value}
        self._send(ws, "PATCH-DOC", json.dumps({"events": [event]}))


def session_id_of(token: str) -> str:
    first = token.split(".", 1)[0]
    return str(json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))["session_id"])


DIALECTS: dict[str, type[Dialect]] = {"aioserve": Aioserve, "bokeh": Bokeh, "floor": Floor,
                                      "aioserve-bokeh": Bokeh, "bokeh-stock": Bokeh}
