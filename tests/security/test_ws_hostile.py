"""Hostile websocket input: every bad message gets its documented error reply or close
code (docs/protocol.md), the document stays as it was, and other sessions never notice."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
import pytest

from aioserve.document.document import Document
from aioserve.document.model import Input
from aioserve.document.properties import String
from aioserve.models import Button, Column, Div, Select, Slider, TextInput

CLOSE_TOO_BIG = 1009
CLOSE_PROTOCOL_ERROR = 4001
CLOSE_FLOOD = 4008


def widgets(doc: Document) -> None:
    label = Div(name="label", text="0 clicks")
    button = Button(name="button", label="Add")
    clicks = []

    def clicked() -> None:
        clicks.append(1)
        label.text = f"{len(clicks)} clicks"

    button.on_click(clicked)
    doc.add_root(Column(Slider(name="slider", start=0, end=10, step=1, value=5),
                        TextInput(name="text", value="hello"),
                        Select(name="select", options=["a", "b", "c"], value="a"),
                        button, label))


class Raw:
    """One websocket, spoken to frame by frame."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, page: Any) -> None:
        self.ws = ws
        self.page = page  # the app page that gave the token
        self.ids: dict[str, str] = {}

    @classmethod
    async def open(cls, served, *, pull: bool = True, page: Any = None) -> Raw:
        """A connection to the session of `page`, or of a new page."""
        page = page or await served.page("/app")
        ws = await served.handshake(page.ws_path, page.token, origin=served.origin)
        raw = cls(ws, page)
        assert (await raw.next())["type"] == "ack"
        if pull:
            await raw.ws.send_str('{"type": "pull"}')
            doc = await raw.next()
            raw.ids = {m["props"]["name"]: mid for mid, m in doc["doc"]["models"].items()
                       if m["props"].get("name")}
        return raw

    async def next(self) -> dict[str, Any]:
        frame = await asyncio.wait_for(self.ws.receive(), 10)
        assert frame.type is aiohttp.WSMsgType.TEXT, (frame.type, frame.data, frame.extra)
        return json.loads(frame.data)  # type: ignore[no-any-return]

    async def reply(self, frame: str | bytes) -> dict[str, Any]:
        """Send one frame; the `ok` or `error` answering it (patches skipped)."""
        if isinstance(frame, bytes):
            await self.ws.send_bytes(frame)
        else:
            await self.ws.send_str(frame)
        while True:
            message = await self.next()
            if message["type"] in ("ok", "error"):
                return message

    async def closed_with(self) -> int | None:
        while True:
            frame = await asyncio.wait_for(self.ws.receive(), 10)
            if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                              aiohttp.WSMsgType.CLOSING):
                return self.ws.close_code


async def _document(served, page) -> dict[str, Any]:
    """The session's document as a fresh connection pulls it."""
    ws = await served.handshake(page.ws_path, page.token, origin=served.origin)
    try:
        assert json.loads((await ws.receive(timeout=10)).data)["type"] == "ack"
        await ws.send_str('{"type": "pull"}')
        doc = json.loads((await ws.receive(timeout=10)).data)
    finally:
        await ws.close()
    return doc["doc"]  # type: ignore[no-any-return]


@pytest.fixture
async def served(start):
    return await start({"/app": widgets}, websocket_max_message_size_bytes=256 * 1024)


def _bad_frames(ids: dict[str, str]) -> list[tuple[str | bytes, str]]:
    slider, text, select, label, button = (ids[n] for n in
                                           ("slider", "text", "select", "label", "button"))

    def set_(model: str, attr: str, value: str) -> str:
        return f'{{"type": "set", "id": 7, "model": "{model}", "attr": "{attr}", "value": {value}}}'

    return [
        ("not json", "bad_json"),
        ("", "bad_json"),
        ("[1, 2, 3]", "bad_json"),
        ('"a string"', "bad_json"),
        ("[" * 30_000 + "]" * 30_000, "bad_json"),  # nested past the parser's recursion limit
        ('{"id": 1}', "bad_message"),
        ('{"type": "explode", "id": 1}', "bad_message"),
        ('{"type": "set", "model": "m1", "attr": "value", "value": 1}', "bad_message"),
        ('{"type": "set", "id": true, "model": "m1", "attr": "value", "value": 1}',
         "bad_message"),
        ('{"type": "set", "id": 1.5, "model": "m1", "attr": "value", "value": 1}',
         "bad_message"),
        ('{"type": "set", "id": 1, "attr": "value", "value": 1}', "bad_message"),
        ('{"type": "set", "id": 1, "model": 3, "attr": "value", "value": 1}', "bad_message"),
        (f'{{"type": "set", "id": 1, "model": "{slider}", "attr": "value"}}', "bad_message"),
        (f'{{"type": "set", "id": 1, "model": "{slider}", "attr": ["value"], "value": 1}}',
         "bad_message"),
        (set_("m999999", "value", "1"), "unknown_model"),
        (set_("../" + slider, "value", "1"), "unknown_model"),
        (set_(slider, "value", '"seven"'), "invalid_value"),
        (set_(slider, "value", "true"), "invalid_value"),
        (set_(slider, "value", "null"), "invalid_value"),
        (set_(slider, "value", "[5]"), "invalid_value"),
        (set_(slider, "value", "11"), "invalid_value"),
        (set_(slider, "value", "-0.5"), "invalid_value"),
        (set_(slider, "value", "NaN"), "invalid_value"),
        (set_(slider, "value", "Infinity"), "invalid_value"),
        (set_(slider, "value", "1e400"), "invalid_value"),
        (set_(slider, "value", "1" + "0" * 400), "invalid_value"),  # too big for a float
        (set_(slider, "value", "1" + "0" * 5000), "bad_json"),  # too many digits for Python
        (set_(text, "value", "5"), "invalid_value"),
        (set_(text, "value", json.dumps("x" * 100_001)), "invalid_value"),
        (set_(select, "value", '"d"'), "invalid_value"),
        (set_(slider, "start", "1"), "read_only"),
        (set_(slider, "__class__", "1"), "read_only"),
        (set_(slider, "_document", "null"), "read_only"),
        (set_(label, "text", '"<script>alert(1)</script>"'), "read_only"),
        (set_(button, "label", '"hijacked"'), "read_only"),
        (f'{{"type": "event", "id": 1, "model": "{slider}", "event": "click"}}',
         "unknown_event"),
        (f'{{"type": "event", "id": 1, "model": "{button}", "event": "click", "data": 3}}',
         "unknown_event"),
        (f'{{"type": "event", "id": 1, "model": "{button}", "event": "__init__"}}',
         "unknown_event"),
        (b"\x00\x01binary", "bad_message"),
    ]


async def test_each_bad_message_gets_its_error_and_changes_nothing(served, caplog) -> None:
    caplog.set_level(logging.INFO)
    page = await served.page("/app")
    before = await _document(served, page)
    other = await Raw.open(served)  # another session, watching
    attacker = await Raw.open(served)
    for frame, code in _bad_frames(attacker.ids):
        reply = await attacker.reply(frame)
        assert reply["type"] == "error", (frame[:80], reply)
        assert reply["code"] == code, (frame[:80], reply)
        assert reply["reply_to"] in (None, 1, 7)
    # Still connected, and still served: a valid message works.
    good = await attacker.reply(f'{{"type": "set", "id": 99, "model": "{attacker.ids["slider"]}",'
                                ' "attr": "value", "value": 7}')
    assert good == {"type": "ok", "reply_to": 99}
    assert await _document(served, page) == before  # a session the attacker never reached
    assert await other.reply(f'{{"type": "event", "id": 1, "model": "{other.ids["button"]}",'
                             ' "event": "click"}') == {"type": "ok", "reply_to": 1}
    for raw in (other, attacker):
        await raw.ws.close()
    tracebacks = [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


async def test_the_attacked_session_holds_only_the_valid_change(served) -> None:
    attacker = await Raw.open(served)
    before = await _document(served, attacker.page)
    for frame, _ in _bad_frames(attacker.ids):
        await attacker.reply(frame)
    slider = attacker.ids["slider"]
    reply = await attacker.reply(f'{{"type": "set", "id": 5, "model": "{slider}", '
                                 '"attr": "value", "value": 3}')
    assert reply == {"type": "ok", "reply_to": 5}
    # A second "pull" or "resume" is not a message type once synced.
    assert (await attacker.reply('{"type": "resume", "id": 6, "since": 0}'))["code"] == (
        "bad_message")
    after = await _document(served, attacker.page)
    before["models"][slider]["props"]["value"] = 3
    assert after == before
    await attacker.ws.close()


@pytest.mark.parametrize("first", [
    '{"type": "set", "id": 1, "model": "m1", "attr": "value", "value": 1}',
    b"\x00\x01binary", b'{"type": "pull"}',  # binary frames, even one holding a pull
    "not json", "[1, 2]", '{"type": "resume"}', '{"type": "resume", "since": "5"}', ""])
async def test_anything_but_pull_or_resume_first_closes_4001(served, first: str | bytes) -> None:
    """docs/protocol.md: nothing else is accepted before pull / resume."""
    raw = await Raw.open(served, pull=False)
    if isinstance(first, bytes):
        await raw.ws.send_bytes(first)
    else:
        await raw.ws.send_str(first)
    assert await raw.closed_with() == CLOSE_PROTOCOL_ERROR
    assert raw.ws.close_code == CLOSE_PROTOCOL_ERROR


async def test_an_oversized_message_closes_1009(served) -> None:
    raw = await Raw.open(served)
    before = await _document(served, raw.page)
    await raw.ws.send_str(json.dumps({"type": "set", "id": 1, "model": raw.ids["text"],
                                      "attr": "value", "value": "x" * 300_000}))
    assert await raw.closed_with() == CLOSE_TOO_BIG
    assert await _document(served, raw.page) == before
    # The session lives on: its page reconnects and goes on working.
    again = await Raw.open(served, page=raw.page)
    assert (await again.reply(f'{{"type": "set", "id": 1, "model": "{again.ids["slider"]}", '
                              '"attr": "value", "value": 2}'))["type"] == "ok"
    await again.ws.close()


async def test_a_flood_closes_4008_and_spares_other_sessions(served) -> None:
    other = await Raw.open(served)
    raw = await Raw.open(served)
    frame = json.dumps({"type": "event", "id": 1, "model": raw.ids["button"], "event": "click"})
    for _ in range(3000):  # past the burst of 2000, at once
        await raw.ws.send_str(frame)
    assert await raw.closed_with() == CLOSE_FLOOD
    reply = await other.reply(f'{{"type": "set", "id": 3, "model": "{other.ids["slider"]}",'
                              ' "attr": "value", "value": 9}')
    assert reply == {"type": "ok", "reply_to": 3}
    await other.ws.close()


class Fragile(Input):
    """An app's own model whose check breaks in a way it should not."""

    value = String("", settable=True)

    def validate_client(self, attr: str, value: object) -> None:
        raise KeyError(value)


async def test_a_broken_model_check_refuses_the_message_and_keeps_the_socket(start,
                                                                            caplog) -> None:
    served = await start({"/app": lambda doc: doc.add_root(Fragile(name="fragile"))})
    raw = await Raw.open(served)
    before = await _document(served, raw.page)
    frame = f'{{"type": "set", "id": 4, "model": "{raw.ids["fragile"]}", "attr": "value", ' \
            '"value": "boom"}'
    assert (await raw.reply(frame))["code"] == "internal_error"
    assert (await raw.reply('{"type": "nope", "id": 5}'))["code"] == "bad_message"  # still open
    assert await _document(served, raw.page) == before
    assert "Error handling a message of session" in caplog.text  # with its traceback
    await raw.ws.close()
