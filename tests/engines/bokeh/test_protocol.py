"""The bokeh engine's websocket: Bokeh's protocol through a real aiohttp websocket,
and hostile input that never takes the server or another session down."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from bokeh.util.token import generate_jwt_token, generate_session_id

from aioserve import create_app
from tests.engines.bokeh.wire import BokehWire, model_id, patch_frames, token_of_page, write_app

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]
SECRET = "x" * 44


@pytest.fixture
async def served(tmp_path: Path, aiohttp_client: AiohttpClient) -> Callable[..., Awaitable[Any]]:
    async def serve(**options: Any) -> TestClientT:
        return await aiohttp_client(create_app([write_app(tmp_path)], **options))

    return serve


async def open_wire(client: TestClientT, token: str | None = None,
                    path: str = "/app") -> BokehWire:
    token = token or await token_of_page(client.session, str(client.make_url(path)))
    ws = await client.session.ws_connect(client.make_url(path + "/ws"),
                                         protocols=("bokeh", token))
    wire = BokehWire(ws)
    ack = await wire.receive()
    assert ack.msgtype == "ACK"
    return wire


async def test_a_patch_from_the_browser_runs_the_python_callback(served: Any) -> None:
    client = await served()
    wire = await open_wire(client)
    assert wire.ws.protocol == "bokeh"
    doc = await wire.pull()
    assert doc["title"] == "Bokeh test app"
    await wire.send_frames(*patch_frames(model_id(doc, "slider"), "value", 7))
    replies = [await wire.receive(), await wire.receive()]
    assert [r.msgtype for r in replies] == ["PATCH-DOC", "OK"]  # the change, then the ok
    event = replies[0].content["events"][0]
    assert (event["attr"], event["new"]) == ("text", "value 7")
    await wire.ws.close()


async def still_serves(client: TestClientT) -> None:
    """Another session opens and works after the hostile one."""
    wire = await open_wire(client)
    assert (await wire.pull())["title"] == "Bokeh test app"
    await wire.ws.close()


@pytest.mark.parametrize("frames", [
    ("this is not json", "{}", "{}"),
    (json.dumps({"msgid": "1", "msgtype": "NO-SUCH-TYPE"}), "{}", "{}"),
    (json.dumps({"msgid": "1", "msgtype": "PATCH-DOC"}), "{}", "[[[[not json"),
], ids=["bad-json", "unknown-type", "bad-content"])
async def test_a_malformed_message_closes_only_its_websocket(served: Any,
                                                               frames: tuple[str, ...]) -> None:
    client = await served()
    bystander = await open_wire(client)
    await bystander.pull()
    wire = await open_wire(client)
    await wire.send_frames(*frames)
    assert await wire.closed_with() == 10001  # Bokeh's protocol-error code
    await still_serves(client)
    await bystander.send(bystander.protocol.create("SERVER-INFO-REQ"))
    assert (await bystander.receive()).msgtype == "SERVER-INFO-REPLY"
    await bystander.ws.close()


async def test_a_patch_naming_no_model_gets_an_error_reply_and_changes_nothing(
        served: Any) -> None:
    client = await served()
    wire = await open_wire(client)
    before = await wire.pull()
    await wire.send_frames(*patch_frames("p-no-such-model", "value", 3))
    reply = await wire.receive()
    assert reply.msgtype == "ERROR"
    assert (await wire.pull()) == before  # the connection goes on, the document unchanged
    await wire.ws.close()


async def test_a_value_of_the_wrong_type_gets_an_error_reply(served: Any) -> None:
    client = await served()
    wire = await open_wire(client)
    doc = await wire.pull()
    await wire.send_frames(*patch_frames(model_id(doc, "slider"), "value", "loud"))
    assert (await wire.receive()).msgtype == "ERROR"
    await still_serves(client)
    await wire.ws.close()


async def test_an_oversize_message_closes_with_1009(served: Any) -> None:
    client = await served(websocket_max_message_size_bytes=4096)
    wire = await open_wire(client)
    await wire.ws.send_str(json.dumps({"msgid": "1", "msgtype": "PATCH-DOC", "x": "y" * 10_000}))
    assert await wire.closed_with() == 1009
    await still_serves(client)


async def test_a_websocket_from_another_origin_is_refused_before_the_upgrade(
        served: Any) -> None:
    client = await served()
    token = await token_of_page(client.session, str(client.make_url("/app")))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.session.ws_connect(client.make_url("/app/ws"), protocols=("bokeh", token),
                                        origin="http://evil.example")
    assert refused.value.status == 403
    allowed = await open_wire(client, token)  # the same token from the app's own origin
    await allowed.ws.close()


async def test_the_aioserve_subprotocol_is_refused_on_a_bokeh_app(served: Any) -> None:
    client = await served()
    token = await token_of_page(client.session, str(client.make_url("/app")))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.session.ws_connect(client.make_url("/app/ws"),
                                        protocols=("aioserve", token))
    assert refused.value.status == 403


async def test_signed_mode_refuses_forged_tokens_and_accepts_bokeh_minted_ones(
        served: Any) -> None:
    client = await served(session_ids="signed", secret_key=SECRET)
    session_id = generate_session_id(secret_key=SECRET.encode(), signed=True)
    forged = generate_jwt_token(session_id, secret_key=b"y" * 44, signed=True)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.session.ws_connect(client.make_url("/app/ws"), protocols=("bokeh", forged))
    assert refused.value.status == 403
    unsigned = generate_jwt_token(generate_session_id(signed=False), signed=False)
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await client.session.ws_connect(client.make_url("/app/ws"),
                                        protocols=("bokeh", unsigned))
    # A token minted by Bokeh's own function with the same key opens a session.
    minted = generate_jwt_token(session_id, secret_key=SECRET.encode(), signed=True)
    wire = await open_wire(client, minted)
    assert (await wire.pull())["title"] == "Bokeh test app"
    await wire.ws.close()


async def test_a_page_token_passes_bokehs_own_signature_check(served: Any) -> None:
    from bokeh.util.token import check_token_signature, get_session_id

    client = await served(session_ids="signed", secret_key=SECRET)
    token = await token_of_page(client.session, str(client.make_url("/app")))
    assert check_token_signature(token, secret_key=SECRET.encode(), signed=True)
    assert "." in get_session_id(token)


async def test_an_expired_token_cannot_create_a_session(served: Any) -> None:
    client = await served()
    expired = generate_jwt_token(generate_session_id(signed=False), signed=False,
                                 expiration=-10)
    ws = await client.session.ws_connect(client.make_url("/app/ws"),
                                         protocols=("bokeh", expired))
    assert await BokehWire(ws).closed_with() == 4004  # reload the page for a fresh token


async def test_a_message_flood_closes_4008_and_spares_other_sessions(served: Any) -> None:
    client = await served()
    bystander = await open_wire(client)
    wire = await open_wire(client)
    request = wire.protocol.create("SERVER-INFO-REQ")
    for _ in range(2000):  # 6000 frames at once, far past the burst allowed
        await wire.send(request)
    assert await wire.closed_with(within_s=30) == 4008
    assert (await bystander.pull())["title"] == "Bokeh test app"
    await bystander.ws.close()
