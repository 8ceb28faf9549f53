"""The session websocket, spoken through aiohttp's client (docs/protocol.md)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.client import ClientSession
from aioserve.document import Document
from aioserve.models import Button, Div, Slider

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]
Client = Callable[..., Awaitable[TestClientT]]


def controls(doc: Document) -> None:
    slider = Slider(title="Value", start=0, end=10, step=1, value=1, name="slider")
    label = Div(text="value 1", name="label")
    button = Button(label="Go", name="button")

    def moved(attr: str, old: float, new: float) -> None:
        label.text = f"value {new:g}"

    def clicked() -> None:  # three changes in one turn of the loop
        clicks.append(1)
        label.text = f"clicked {len(clicks)}"
        button.label = f"Clicked {len(clicks)}"
        button.button_type = "primary" if len(clicks) % 2 else "success"

    clicks: list[int] = []

    slider.on_change("value", moved)
    button.on_click(clicked)
    doc.title = "Controls"
    doc.add_root(slider)
    doc.add_root(label)
    doc.add_root(button)


@pytest.fixture
def client(aiohttp_client: AiohttpClient) -> Client:
    async def make(apps: Any = None, **options: Any) -> TestClientT:
        return await aiohttp_client(create_app(apps or {"/app": controls}, **options))

    return make


async def page(c: TestClientT, path: str = "/app") -> tuple[str, str]:
    """The token and websocket path of a freshly loaded page."""
    response = await c.get(path)
    assert response.status == 200, await response.text()
    html = await response.text()
    token = re.search(r'name="aioserve-token" content="([^"]+)"', html)
    ws_path = re.search(r'name="aioserve-ws" content="([^"]+)"', html)
    assert token and ws_path
    return token.group(1), ws_path.group(1)


async def receive(ws: aiohttp.ClientWebSocketResponse, within: float = 5) -> dict[str, Any]:
    frame = await asyncio.wait_for(ws.receive(), within)
    assert frame.type is WSMsgType.TEXT, (frame.type, frame.data, frame.extra)
    message: dict[str, Any] = json.loads(frame.data)
    return message


async def open_raw(c: TestClientT, path: str = "/app") -> tuple[aiohttp.ClientWebSocketResponse,
                                                                 dict[str, Any]]:
    """A raw websocket on a new page's session, and the server's first message."""
    token, ws_path = await page(c, path)
    ws = await c.session.ws_connect(c.make_url(ws_path), protocols=("aioserve", token))
    return ws, await receive(ws)


async def pulled(c: TestClientT) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """A raw websocket that pulled its document; the doc message has the ack's session."""
    ws, ack = await open_raw(c)
    assert ack["type"] == "ack"
    await ws.send_str('{"type": "pull"}')
    doc = await receive(ws)
    assert doc["type"] == "doc"
    return ws, {**doc, "session": ack["session"]}


def model_id(doc_message: dict[str, Any], name: str) -> str:
    models = doc_message["doc"]["models"]
    (found,) = [i for i, m in models.items() if m["props"].get("name") == name]
    return found


# ---- handshake


async def test_subprotocol_and_server_speaks_first(client: Client) -> None:
    c = await client()
    token, ws_path = await page(c)
    async with c.session.ws_connect(c.make_url(ws_path),
                                    protocols=("aioserve", token)) as ws:
        assert ws.protocol == "aioserve"
        ack = await receive(ws)
        assert (ack["type"], ack["protocol"], ack["seq"]) == ("ack", 1, 1)
        assert len(ack["session"]) >= 43
        await ws.send_str('{"type": "pull"}')
        doc = await receive(ws)
        assert doc["type"] == "doc" and doc["seq"] == 1
        assert doc["doc"]["title"] == "Controls"
        assert len(doc["doc"]["roots"]) == 3


@pytest.mark.parametrize("protocols", [
    (), ("aioserve",), ("bokeh", "TOKEN"), ("aioserve", "not-a-token"),
])
async def test_bad_handshakes_are_refused_with_403(client: Client,
                                                   protocols: tuple[str, ...]) -> None:
    c = await client()
    token, ws_path = await page(c)
    protocols = tuple(token if p == "TOKEN" else p for p in protocols)
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await c.session.ws_connect(c.make_url(ws_path), protocols=protocols)
    assert info.value.status == 403


# ---- sharing a session by name


@pytest.mark.parametrize("second_param", ["aioserve-session-id", "bokeh-session-id"])
async def test_tabs_sharing_a_name_share_the_session(client: Client, second_param: str) -> None:
    c = await client()
    first = await ClientSession.open(str(c.make_url("/app?aioserve-session-id=shared")),
                                     http=c.session)
    second = await ClientSession.open(str(c.make_url(f"/app?{second_param}=shared")),
                                      http=c.session)
    try:
        assert first.id == second.id == "shared"
        await first.set(first.document.find(name="slider"), "value", 7)
        await second.wait_for(lambda d: d.find(name="slider")["value"] == 7)
        await second.wait_for(lambda d: d.find(name="label")["text"] == "value 7")
        await first.wait_for(lambda d: d.find(name="label")["text"] == "value 7")
        await second.click(second.document.find(name="button"))
        await first.wait_for(lambda d: d.find(name="label")["text"] == "clicked 1")
    finally:
        await first.close()
        await second.close()
    assert await (await c.get("/_aioserve/ready")).json() == {"status": "ready", "sessions": 1}


# ---- lazy sessions


async def test_lazy_sessions_build_the_session_on_the_websocket(client: Client) -> None:
    runs: list[str] = []

    def counted(doc: Document) -> None:
        assert doc.session_context is not None
        runs.append(doc.session_context.id)
        query = doc.session_context.request.arguments.get("who", [b"?"])[0].decode()
        doc.add_root(Div(text=f"hello {query}", name="hello"))

    c = await client({"/lazy": counted}, lazy_sessions=True)
    token, ws_path = await page(c, "/lazy?who=ada")
    assert runs == []  # the page only minted the token
    assert (await (await c.get("/_aioserve/ready")).json())["sessions"] == 0
    url = str(c.make_url("/lazy"))
    one = await ClientSession.connect(url, token, ws_path, http=c.session)
    two = await ClientSession.connect(url, token, ws_path, http=c.session)
    try:
        assert runs == [one.id] and one.id == two.id
        assert one.document.find(name="hello")["text"] == "hello ada"  # from the token
    finally:
        await one.close()
        await two.close()


async def test_lazy_session_whose_app_raises_closes_with_4011(client: Client) -> None:
    def broken(doc: Document) -> None:
        raise RuntimeError("no document today")

    c = await client({"/broken": broken, "/app": controls}, lazy_sessions=True)
    token, ws_path = await page(c, "/broken")  # the page cannot know yet: it only mints
    async with c.session.ws_connect(c.make_url(ws_path), protocols=("aioserve", token)) as ws:
        frame = await asyncio.wait_for(ws.receive(), 5)
        assert frame.type is WSMsgType.CLOSE
        assert ws.close_code == 4011
        assert "no document today" not in (frame.extra or "")  # private: an id only
        assert re.fullmatch(r"This app failed to load\. Error id: [0-9a-f]{8}", frame.extra)
    assert (await (await c.get("/_aioserve/ready")).json())["sessions"] == 0
    async with await ClientSession.open(str(c.make_url("/app")), http=c.session) as session:
        assert session.document.title == "Controls"  # the other app goes on


# ---- protocol errors


async def test_protocol_errors_get_replies_and_change_nothing(client: Client) -> None:
    c = await client()
    ws, doc = await pulled(c)
    slider, button = model_id(doc, "slider"), model_id(doc, "button")
    cases: list[tuple[Any, str]] = [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ({"type": "explode", "id": 1, "model": slider}, "bad_message"),
        ({"type": "set", "model": slider, "attr": "value", "value": 2}, "bad_message"),
        ({"type": "set", "id": 2, "model": "m-none", "attr": "value", "value": 2},
         "unknown_model"),
        ({"type": "set", "id": 3, "model": slider, "attr": "title", "value": "x"}, "read_only"),
        ({"type": "set", "id": 4, "model": slider, "attr": "nothing", "value": 1}, "read_only"),
        ({"type": "set", "id": 5, "model": slider, "attr": "value", "value": "abc"},
         "invalid_value"),
        ({"type": "set", "id": 6, "model": slider, "attr": "value", "value": 99},
         "invalid_value"),
        ({"type": "event", "id": 7, "model": button, "event": "explode"}, "unknown_event"),
    ]
    for message, code in cases:
        await ws.send_str(message if isinstance(message, str) else json.dumps(message))
        reply = await receive(ws)
        assert reply["type"] == "error" and reply["code"] == code, (message, reply)
        assert reply["reply_to"] == (message.get("id") if isinstance(message, dict) else None)
        assert reply["message"]
    # Nothing changed: no patch went out, and a new look at the session shows the same document.
    await ws.send_str(json.dumps({"type": "set", "id": 99, "model": slider, "attr": "value",
                                  "value": 1}))
    assert await receive(ws) == {"type": "ok", "reply_to": 99}  # same value: no patch
    async with await ClientSession.open(
            str(c.make_url(f"/app?aioserve-session-id={doc['session']}")),
            http=c.session) as again:
        assert again.seq == doc["seq"]
        assert {i: m.props for i, m in again.document.models.items()} == {
            i: m["props"] for i, m in doc["doc"]["models"].items()}
    await ws.close()


async def test_a_message_before_pull_closes_with_4001(client: Client) -> None:
    c = await client()
    ws, ack = await open_raw(c)
    await ws.send_str(json.dumps({"type": "set", "id": 1, "model": "m1", "attr": "value",
                                  "value": 2}))
    frame = await asyncio.wait_for(ws.receive(), 5)
    assert frame.type is WSMsgType.CLOSE
    assert ws.close_code == 4001


async def test_oversized_message_closes_with_1009(client: Client) -> None:
    c = await client(websocket_max_message_size_bytes=1024)
    ws, _ = await pulled(c)
    await ws.send_str(json.dumps({"type": "set", "id": 1, "padding": "x" * 4000}))
    frame = await asyncio.wait_for(ws.receive(), 5)
    assert frame.type is WSMsgType.CLOSE
    assert ws.close_code == 1009


# ---- patches and sequence numbers


async def test_changes_of_one_turn_go_out_as_one_patch(client: Client) -> None:
    c = await client()
    ws, doc = await pulled(c)
    button = model_id(doc, "button")
    seqs = []
    for msg_id in (1, 2):
        await ws.send_str(json.dumps({"type": "event", "id": msg_id, "model": button,
                                      "event": "click", "data": {}}))
        replies = [await receive(ws), await receive(ws)]
        (ok,) = [r for r in replies if r["type"] == "ok"]
        assert ok["reply_to"] == msg_id
        patches = [r for r in replies if r["type"] == "patch"]
        assert len(patches) == 1
        seqs.append(patches[0]["seq"])
        if msg_id == 1:
            assert {(e["attr"], e["value"]) for e in patches[0]["events"]} == {
                ("text", "clicked 1"), ("label", "Clicked 1"), ("button_type", "primary")}
    assert seqs == [doc["seq"] + 1, doc["seq"] + 2]
    await ws.close()


async def test_the_patch_a_message_causes_comes_before_its_ok(client: Client) -> None:
    c = await client()
    ws, doc = await pulled(c)
    await ws.send_str(json.dumps({"type": "set", "id": 1, "model": model_id(doc, "slider"),
                                  "attr": "value", "value": 4}))
    patch, ok = await receive(ws), await receive(ws)
    assert patch["type"] == "patch"  # the sender's copy: the callback's change, not its own set
    assert patch["events"] == [{"kind": "set", "model": model_id(doc, "label"),
                                "attr": "text", "value": "value 4"}]
    assert ok == {"type": "ok", "reply_to": 1}
    await ws.close()


async def test_resume_replays_missed_patches(client: Client) -> None:
    c = await client()
    first = await ClientSession.open(str(c.make_url("/app?aioserve-session-id=resumable")),
                                     http=c.session)
    since = first.seq
    await first.close()
    other = await ClientSession.open(str(c.make_url("/app?aioserve-session-id=resumable")),
                                     http=c.session)
    slider = other.document.find(name="slider")
    for value in (2, 3, 4):
        await other.set(slider, "value", value)
    await other.wait_for(lambda d: d.find(name="label")["text"] == "value 4")
    latest = other.seq
    await other.close()
    token, ws_path = await page(c, "/app?aioserve-session-id=resumable")
    async with c.session.ws_connect(c.make_url(ws_path), protocols=("aioserve", token)) as ws:
        ack = await receive(ws)
        assert ack["seq"] == latest
        await ws.send_str(json.dumps({"type": "resume", "since": since}))
        missed = [await receive(ws) for _ in range(latest - since)]
        assert [m["seq"] for m in missed] == list(range(since + 1, latest + 1))
        assert all(m["type"] == "patch" for m in missed)
        texts = [e["value"] for m in missed for e in m["events"] if e["attr"] == "text"]
        assert texts == ["value 2", "value 3", "value 4"]
        assert await receive(ws) == {"type": "resumed", "seq": latest}
    # Already up to date: nothing to replay.
    async with c.session.ws_connect(c.make_url(ws_path), protocols=("aioserve", token)) as ws:
        await receive(ws)
        await ws.send_str(json.dumps({"type": "resume", "since": latest}))
        assert await receive(ws) == {"type": "resumed", "seq": latest}
    # From before the session began (or past the replay buffer): the whole document.
    async with c.session.ws_connect(c.make_url(ws_path), protocols=("aioserve", token)) as ws:
        await receive(ws)
        await ws.send_str(json.dumps({"type": "resume", "since": -5}))
        reply = await receive(ws)
        assert reply["type"] == "doc" and reply["seq"] == latest
