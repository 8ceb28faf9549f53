"""Bokeh's wire protocol from a test: a real websocket, Bokeh's own message classes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSMsgType
from bokeh.protocol import Protocol
from bokeh.protocol.message import Message
from bokeh.protocol.receiver import Receiver

APP = """\
from bokeh.io import curdoc
from bokeh.layouts import column
from bokeh.models import Div, Slider
from bokeh.plotting import figure

slider = Slider(title="f", start=0, end=10, step=1, value=1, name="slider")
label = Div(text="value 1", name="label")
plot = figure(height=200, width=300, title="line")
plot.line([1, 2, 3], [1, 4, 9])
slider.on_change("value", lambda attr, old, new: setattr(label, "text", f"value {new}"))
curdoc().title = "Bokeh test app"
curdoc().add_root(column(slider, label, plot))
"""


def write_app(folder: Path, name: str = "app.py", source: str = APP) -> Path:
    path = folder / name
    path.write_text(source)
    return path


async def token_of_page(http: aiohttp.ClientSession, url: str) -> str:
    """The session token Bokeh's page script carries."""
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        html = await response.text()
    marker = '"token":"'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


class BokehWire:
    """One websocket speaking Bokeh's protocol (header, metadata, content frames)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.protocol = Protocol()
        self.receiver = Receiver(self.protocol)

    async def send(self, message: Message[Any]) -> None:
        for frame in (message.header_json, message.metadata_json, message.content_json):
            await self.ws.send_str(frame)

    async def send_frames(self, *frames: str) -> None:
        for frame in frames:
            await self.ws.send_str(frame)

    async def receive(self, within_s: float = 5) -> Message[Any]:
        while True:
            frame = await asyncio.wait_for(self.ws.receive(), within_s)
            if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                raise ConnectionError(f"websocket closed: {frame.type!r} {self.ws.close_code}")
            message = await self.receiver.consume(frame.data)
            if message is not None:
                return message

    async def closed_with(self, within_s: float = 5) -> int | None:
        """Read until the server closes; the close code."""
        while True:
            frame = await asyncio.wait_for(self.ws.receive(), within_s)
            if frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
                return self.ws.close_code

    async def pull(self) -> dict[str, Any]:
        await self.send(self.protocol.create("PULL-DOC-REQ"))
        reply = await self.receive()
        assert reply.msgtype == "PULL-DOC-REPLY", reply.content
        return dict(reply.content["doc"])


def model_id(doc_json: dict[str, Any], name: str) -> str:
    """The id of the model named `name` in a pulled document."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("name") == name and "id" in value and value.get("type") == "object":
                found.append(value["id"])
            if value.get("attributes", {}).get("name") == name and "id" in value:
                found.append(value["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(doc_json)
    assert found, f"no model named {name!r}"
    return found[0]


def patch_frames(model: str, attr: str, value: Any, msgid: str = "p1") -> tuple[str, str, str]:
    """A PATCH-DOC setting one attribute, as BokehJS sends it."""
    header = json.dumps({"msgid": msgid, "msgtype": "PATCH-DOC"})
    content = json.dumps({"events": [{"kind": "ModelChanged",
                                      "model": {"id": model}, "attr": attr, "new": value}]})
    return header, "{}", content
