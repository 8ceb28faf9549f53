"""A property test: at least 10,000 generated messages, good and bad, at one live session.

After every batch the server must still answer, each frame must have had exactly
one reply (`ok` for the valid, `error` for the rest), the session's document must
equal what the valid messages alone produce, and nothing may log a traceback.
Hypothesis runs in a worker thread; the server and the client run on the test's
event loop. Frames are paced below the flood limit, so no close is expected.
It takes about 20 s.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aioserve.document.document import Document
from aioserve.models import Button, Column, Div, Select, Slider, TextInput

MESSAGES = 10_000
RATE_PER_S = 900  # the flood guard allows 1000 a second, in bursts of up to 2000
OPTIONS = ["a", "b", "c"]


def widgets(doc: Document) -> None:
    label = Div(name="label", text="0 clicks")
    button = Button(name="button", label="Add")
    clicks = [0]

    def clicked() -> None:
        clicks[0] += 1
        label.text = f"{clicks[0]} clicks"

    button.on_click(clicked)
    doc.add_root(Column(Slider(name="slider", start=0, end=10, step=1, value=5),
                        TextInput(name="text", value=""),
                        Select(name="select", options=OPTIONS, value="a"), button, label))


@dataclass(frozen=True)
class Spec:
    """One frame to send, with the model it names given by role; `effect` is what a
    correct server does with it: (role, attr, value), "click", or None (an error)."""

    build: Any  # (ids) -> str | bytes
    effect: Any


@dataclass
class Expected:
    values: dict[str, Any] = field(default_factory=lambda: {
        "slider": 5, "text": "", "select": "a"})
    clicks: int = 0

    def apply(self, effect: Any) -> None:
        if effect == "click":
            self.clicks += 1
        elif effect is not None:
            role, _, value = effect
            self.values[role] = value


def _set(role: str, value_json: str, attr: str = "value") -> Any:
    def build(ids: dict[str, str]) -> str:
        model = ids.get(role, role)
        return (f'{{"type": "set", "id": 1, "model": {json.dumps(model)}, '
                f'"attr": {json.dumps(attr)}, "value": {value_json}}}')

    return build


_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
_json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text
_json = st.recursive(_json_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_text, inner, max_size=4), max_leaves=4)

valid = st.one_of(
    st.integers(0, 10).map(lambda v: Spec(_set("slider", json.dumps(v)), ("slider", "value", v))),
    st.floats(0, 10).map(lambda v: Spec(_set("slider", json.dumps(v)), ("slider", "value", v))),
    _text.map(lambda v: Spec(_set("text", json.dumps(v)), ("text", "value", v))),
    st.sampled_from(OPTIONS).map(lambda v: Spec(_set("select", json.dumps(v)),
                                                ("select", "value", v))),
    st.just(Spec(lambda ids: json.dumps({"type": "event", "id": 1, "model": ids["button"],
                                         "event": "click", "data": {}}), "click")),
)


def _out_of_range(value: Any) -> bool:
    return not (isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.isfinite(value) and 0 <= value <= 10)


invalid = st.one_of(
    # Wrong types and out-of-range values for each settable property.
    _json.filter(_out_of_range).map(lambda v: Spec(_set("slider", json.dumps(v)), None)),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "1" + "0" * 400])
    .map(lambda raw: Spec(_set("slider", raw), None)),
    _json.filter(lambda v: not isinstance(v, str))
    .map(lambda v: Spec(_set("text", json.dumps(v)), None)),
    _json.filter(lambda v: v not in OPTIONS).map(lambda v: Spec(_set("select", json.dumps(v)),
                                                                None)),
    # Read-only or made-up properties, unknown models.
    st.tuples(st.sampled_from(["slider", "text", "select", "button", "label"]),
              _text.filter(lambda a: a != "value"), _json)
    .map(lambda t: Spec(_set(t[0], json.dumps(t[2]), attr=t[1]), None)),
    st.tuples(_text, _json).map(lambda t: Spec(_set("m0-" + t[0], json.dumps(t[1])), None)),
    # Unknown events and malformed messages.
    _text.filter(lambda e: e != "click").map(lambda e: Spec(
        lambda ids: json.dumps({"type": "event", "id": 1, "model": ids["button"], "event": e}),
        None)),
    st.dictionaries(_text, _json, max_size=5).filter(lambda d: "model" not in d)
    .map(lambda d: Spec(lambda ids: json.dumps({"id": 1, **d} if "id" not in d else d), None)),
    _json.filter(lambda v: not isinstance(v, dict)).map(lambda v: Spec(
        lambda ids: json.dumps(v), None)),
    _text.map(lambda t: Spec(lambda ids: "{" + t, None)),  # not JSON at all
    st.binary(max_size=30).map(lambda b: Spec(lambda ids: b, None)),
)
batches = st.lists(st.one_of(valid, invalid), min_size=40, max_size=80)


class Attacker:
    """One connection, kept across examples; counts every frame it sends."""

    def __init__(self, served: Any, page: Any) -> None:
        self.served, self.page = served, page
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.ids: dict[str, str] = {}
        self.sent = 0
        self.started = time.monotonic()

    async def connect(self) -> None:
        self.ws = await self.served.handshake(self.page.ws_path, self.page.token,
                                              origin=self.served.origin)
        assert (await self._next())["type"] == "ack"
        await self.ws.send_str('{"type": "pull"}')
        doc = (await self._next())["doc"]
        self.ids = {m["props"]["name"]: mid for mid, m in doc["models"].items()
                    if m["props"].get("name")}

    async def _next(self) -> dict[str, Any]:
        assert self.ws is not None
        frame = await asyncio.wait_for(self.ws.receive(), 10)
        assert frame.type is aiohttp.WSMsgType.TEXT, (frame.type, frame.data, frame.extra)
        return json.loads(frame.data)  # type: ignore[no-any-return]

    async def send_batch(self, specs: list[Spec]) -> list[dict[str, Any]]:
        assert self.ws is not None
        for spec in specs:
            frame = spec.build(self.ids)
            if isinstance(frame, bytes):
                await self.ws.send_bytes(frame)
            else:
                await self.ws.send_str(frame)
        replies: list[dict[str, Any]] = []
        while len(replies) < len(specs):
            message = await self._next()
            if message["type"] in ("ok", "error"):
                replies.append(message)
        self.sent += len(specs)
        ahead = self.sent / RATE_PER_S - (time.monotonic() - self.started)
        if ahead > 0:
            await asyncio.sleep(ahead)
        return replies

    async def document(self) -> dict[str, Any]:
        """The session's document as a second connection pulls it."""
        ws = await self.served.handshake(self.page.ws_path, self.page.token,
                                         origin=self.served.origin)
        try:
            assert json.loads((await ws.receive(timeout=10)).data)["type"] == "ack"
            await ws.send_str('{"type": "pull"}')
            return json.loads((await ws.receive(timeout=10)).data)["doc"]  # type: ignore[no-any-return]
        finally:
            await ws.close()


async def test_ten_thousand_generated_messages(start, caplog) -> None:
    caplog.set_level(logging.INFO)
    served = await start({"/app": widgets}, websocket_max_message_size_bytes=64 * 1024)
    bystander = await served.session("/app")  # another session, which must never notice
    bystander_doc = json.dumps(bystander.document.models, default=vars, sort_keys=True)
    attacker = Attacker(served, await served.page("/app"))
    await attacker.connect()
    loop = asyncio.get_running_loop()
    expected = Expected()

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(60)

    # No shrinking: the session keeps its state between examples, so a replayed,
    # smaller example would fail for a different reason than the first failure.
    @settings(max_examples=200, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(batches)
    def property_holds(specs: list[Spec]) -> None:
        replies = on_loop(attacker.send_batch(specs))
        for spec, reply in zip(specs, replies, strict=True):
            want = "ok" if spec.effect is not None else "error"
            assert reply["type"] == want, (spec.build(attacker.ids), reply)
            expected.apply(spec.effect)
        doc = on_loop(attacker.document())
        models = doc["models"]
        for role, value in expected.values.items():
            assert models[attacker.ids[role]]["props"]["value"] == value, role
        assert models[attacker.ids["label"]]["props"]["text"] == f"{expected.clicks} clicks"

    while attacker.sent < MESSAGES:  # each run is 200 batches of 40 to 80 messages
        await asyncio.to_thread(property_holds)

    assert attacker.sent >= MESSAGES
    assert attacker.ws is not None and not attacker.ws.closed  # never closed on us
    await attacker.ws.close()
    # The server is up, and the other session untouched and still working.
    async with served.http.get(served.url("/_aioserve/health")) as response:
        assert response.status == 200
    assert json.dumps(bystander.document.models, default=vars, sort_keys=True) == bystander_doc
    await bystander.set(bystander.document.find(name="slider"), "value", 1)
    await bystander.close()
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not tracebacks, [r.getMessage() for r in tracebacks]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
