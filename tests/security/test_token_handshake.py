"""Session tokens at the websocket handshake: forged ones are refused with 403, signed
ones are accepted by signature alone, and expiry limits creating, not reconnecting."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from urllib.parse import quote

import aiohttp
import pytest

from aioserve import generate_session_id
from aioserve.client import SessionClosed
from aioserve.security.tokens import generate_token
from tests.security.conftest import show_request

CLOSE_SESSION_EXPIRED = 4004


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _payload(token: str) -> dict[str, object]:
    first = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))  # type: ignore[no-any-return]


async def _refused(served, ws_path: str, token: str) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await served.handshake(ws_path, token, origin=served.origin)
    return refused.value.status


async def test_altered_tokens_are_refused_at_the_handshake(start, secret_key, caplog) -> None:
    served = await start(session_ids="signed", secret_key=secret_key, lazy_sessions=True)
    page = await served.page("/app")
    body, signature = page.token.split(".")
    payload = _payload(page.token)

    other_id = generate_session_id(secret_key=secret_key, signed=True)
    swapped = _b64(json.dumps({**payload, "session_id": other_id}).encode())
    longer = _b64(json.dumps({**payload, "session_expiry": 2**40}).encode())
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    forged = [
        f"{swapped}.{signature}",          # another (validly signed) session id, old signature
        f"{longer}.{signature}",           # a later expiry, old signature
        f"{body}.{flipped}",               # the signature altered
        body,                              # the signature left off
        f"{body}.{signature}.extra",       # trailing junk
        generate_token(generate_session_id(), secret_key=None, signed=False, expiry_s=300,
                       now=time.time()),  # an unsigned token
        generate_token(other_id, secret_key="z" * 43, signed=True, expiry_s=300,
                       now=time.time()),  # signed with another key
        "not a token at all",
    ]
    for token in forged:
        assert await _refused(served, page.ws_path, token) == 403, token
    assert "invalid token or session ID" in caplog.text
    # The real token still works: nothing above disturbed the server.
    async with await served.connect("/app", page.token, page.ws_path) as session:
        assert session.id == payload["session_id"]


async def test_a_token_is_checked_by_signature_not_by_memory(start, secret_key,
                                                              read_seen) -> None:
    """Another service holding the key can mint a token the server never issued."""
    served = await start(session_ids="signed", secret_key=secret_key)
    session_id = generate_session_id(secret_key=secret_key, signed=True)
    minimal = {"session_id": session_id, "session_expiry": int(time.time()) + 60}
    body = _b64(json.dumps(minimal).encode())
    signature = _b64(hmac.new(secret_key.encode(), body.encode(), hashlib.sha256).digest())
    async with await served.connect("/app", f"{body}.{signature}", "/app/ws") as session:
        seen = read_seen(session)
        assert seen["id"] == session_id
        assert seen["headers"] == {} and seen["cookies"] == {}  # request data empty


async def test_the_subprotocol_must_carry_the_token(start) -> None:
    served = await start()
    for protocols in ((), ("aioserve",), ("other", "x"), ("aioserve", "a", "b")):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await served.http.ws_connect(served.url("/app/ws"), protocols=protocols)
        assert refused.value.status == 403


async def test_an_expired_token_cannot_create_a_session(start, secret_key) -> None:
    served = await start(session_ids="signed", secret_key=secret_key, lazy_sessions=True)
    old = generate_token(generate_session_id(secret_key=secret_key, signed=True),
                         secret_key=secret_key, signed=True, expiry_s=300,
                         now=time.time() - 301)
    with pytest.raises(SessionClosed) as closed:
        await served.connect("/app", old, "/app/ws")
    assert closed.value.code == CLOSE_SESSION_EXPIRED
    # The page hands out a fresh token, which works.
    async with await served.session("/app"):
        pass


async def test_expiry_is_a_creation_window_not_a_session_lifetime(start, secret_key) -> None:
    served = await start(session_ids="signed", secret_key=secret_key,
                         session_token_expiration_s=1, unused_session_lifetime_ms=200,
                         check_unused_sessions_ms=50)
    clock = served.fake_clock()
    page = await served.page("/app")
    first = await served.connect("/app", page.token, page.ws_path)
    clock.advance(1.2)  # the token is now too old to create a session...
    # ...but its session is alive, so reconnecting (a second tab, a network glitch) works.
    second = await served.connect("/app", page.token, page.ws_path)
    assert second.id == first.id
    await first.close()
    await second.close()
    await asyncio.sleep(0.6)  # no connection: the reaper ends the session
    with pytest.raises(SessionClosed) as closed:
        await served.connect("/app", page.token, page.ws_path)
    assert closed.value.code == CLOSE_SESSION_EXPIRED
    assert "reload" in closed.value.reason.lower()


async def test_lazy_sessions_obey_the_window_too(start, secret_key) -> None:
    served = await start(session_ids="signed", secret_key=secret_key,
                         session_token_expiration_s=1, lazy_sessions=True)
    clock = served.fake_clock()
    fresh, stale = await served.page("/app"), await served.page("/app")
    async with await served.connect("/app", fresh.token, fresh.ws_path):
        pass
    clock.advance(1.1)
    with pytest.raises(SessionClosed) as closed:
        await served.connect("/app", stale.token, stale.ws_path)
    assert closed.value.code == CLOSE_SESSION_EXPIRED


async def test_the_unsigned_token_is_client_forgeable(start, secret_key, read_seen) -> None:
    """Why docs/security.md warns: in unsigned mode a client can claim any request data;
    a signed server refuses the same token."""
    forged = generate_token("anyone", secret_key=None, signed=False, expiry_s=60,
                            now=time.time(),
                            extra={"headers": {"X-Role": "admin"}, "cookies": {"user": "root"}})
    unsigned = await start()
    async with await unsigned.connect("/app", forged, "/app/ws") as session:
        assert read_seen(session)["headers"] == {"X-Role": "admin"}
    signed = await start(session_ids="signed", secret_key=secret_key)
    assert await _refused(signed, "/app/ws", forged) == 403


HOSTILE_IDS = ["a\nINFO aioserve.server: fake line", "a/b", "../../x", "<script>alert(1)</script>",
               "\x1b[31mred\x1b[0m", "x" * 5000, "caf\u00e9", ""]


async def test_the_websocket_refuses_the_ids_the_page_refuses(start, caplog) -> None:
    """One check for both (issue 9): a hand-made unsigned token cannot carry an id the
    page would refuse; nothing of it reaches a session or the log."""
    served = await start()
    caplog.set_level(logging.DEBUG)
    for session_id in HOSTILE_IDS:
        page = await served.page(f"/app?aioserve-session-id={quote(session_id)}")
        assert page.status == 403, session_id
        if not session_id:
            continue  # an empty parameter: the page refused it; no token can carry it
        token = _b64(json.dumps({"session_id": session_id,
                                 "session_expiry": int(time.time()) + 60}).encode())
        assert await _refused(served, "/app/ws", token) == 403, session_id
    # (the access lines quote the request line, percent-encoded, as a proxy would)
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name.startswith("aioserve"))
    assert "Refusing websocket: invalid token or session ID (Invalid session ID" in logged
    for marker in ("fake line", "../../x", "<script>", "\x1b[", "x" * 300, "caf\u00e9"):
        assert marker not in logged, marker
    # The same server still serves a good id, named by the page or carried by a token.
    async with await served.session("/app?aioserve-session-id=good-name_1.0~") as session:
        assert session.id == "good-name_1.0~"


@pytest.mark.parametrize("mode", ["unsigned", "signed"])
async def test_a_token_opens_only_its_own_app(start, secret_key, mode: str, read_seen) -> None:
    served = await start({"/a": show_request, "/b": show_request}, session_ids=mode,
                         secret_key=secret_key if mode == "signed" else None,
                         lazy_sessions=True)
    page_a = await served.page("/a")
    assert _payload(page_a.token)["aioserve_app"] == "/a"
    assert await _refused(served, "/b/ws", page_a.token) == 403
    async with await served.connect("/a", page_a.token, page_a.ws_path) as session:
        assert read_seen(session)["payload"] == {}  # the binding is not request data
    # A token minted elsewhere in Bokeh's form, with no app named, opens any app.
    key = secret_key if mode == "signed" else None
    session_id = generate_session_id(secret_key=key, signed=key is not None)
    minimal = _b64(json.dumps({"session_id": session_id,
                               "session_expiry": int(time.time()) + 60}).encode())
    if key is not None:
        minimal += "." + _b64(hmac.new(key.encode(), minimal.encode(), hashlib.sha256).digest())
    async with await served.connect("/b", minimal, "/b/ws") as session:
        assert read_seen(session)["id"] == session_id


async def test_bokeh_util_token_tokens_and_ours_interoperate(start, secret_key, read_seen) -> None:
    """Tokens made by bokeh.util.token name no app: they open any app. Ours carry the
    binding, and Bokeh's own functions still read and verify them."""
    from bokeh.util.token import (
        check_token_signature,
        generate_jwt_token,
        get_session_id,
        get_token_payload,
    )
    from bokeh.util.token import generate_session_id as bokeh_session_id

    served = await start({"/a": show_request, "/b": show_request}, session_ids="signed",
                         secret_key=secret_key, lazy_sessions=True)
    key = secret_key.encode()
    session_id = bokeh_session_id(secret_key=key, signed=True)
    theirs = generate_jwt_token(session_id, secret_key=key, signed=True,
                                extra_payload={"headers": {"X-From": "bokeh"}})
    for app in ("/a", "/b"):
        async with await served.connect(app, theirs, f"{app}/ws") as session:
            seen = read_seen(session)
            assert seen["id"] == session_id and seen["headers"] == {"X-From": "bokeh"}
    ours = (await served.page("/a")).token
    assert check_token_signature(ours, secret_key=key, signed=True)
    assert get_token_payload(ours)["aioserve_app"] == "/a"
    assert await _refused(served, "/b/ws", ours) == 403
    async with await served.connect("/a", ours, "/a/ws") as session:
        assert session.id == get_session_id(ours)
