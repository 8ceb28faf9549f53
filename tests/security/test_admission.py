"""The one session-id and token check (aioserve.security.admission), by table."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from aioserve.security.admission import BadSessionId, WrongApp, check_session_id, check_token
from aioserve.security.tokens import (
    InvalidSignature,
    MalformedToken,
    generate_session_id,
    generate_token,
)

KEY = "k" * 43
NOW = 1_700_000_000.0
HOSTILE_IDS = ["", "a\nb", "a/b", "../../x", "<script>alert(1)</script>", "\x1b[31mred",
               "x" * 257, "x" * 5000, "sp ace", "caf\u00e9", "a%2Fb", "a\x00b", "a\rINFO fake"]
GOOD_IDS = ["a", "x" * 256, "A-Za-z0-9._~", generate_session_id()]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _bokeh_token(payload: dict[str, object], key: str | None) -> str:
    """A token as bokeh.util.token writes one: base64url JSON, then its HMAC."""
    body = _b64(json.dumps(payload).encode())
    if key is None:
        return body
    return body + "." + _b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())


@pytest.mark.parametrize("session_id", GOOD_IDS)
def test_good_ids_pass_unsigned(session_id: str) -> None:
    assert check_session_id(session_id, signed=False, secret_key=None) == session_id


@pytest.mark.parametrize("session_id", [*HOSTILE_IDS, None, 5, b"abc"])
def test_hostile_ids_are_refused_without_quoting_them(session_id: object) -> None:
    for signed in (False, True):
        with pytest.raises(BadSessionId) as refused:
            check_session_id(session_id, signed=signed, secret_key=KEY)
        assert str(refused.value) == (
            "Invalid session ID: 1 to 256 characters of A-Z a-z 0-9 . _ ~ -")


def test_signed_ids_need_our_signature() -> None:
    ours = generate_session_id(KEY, signed=True)
    assert check_session_id(ours, signed=True, secret_key=KEY) == ours
    for other in (generate_session_id(), generate_session_id("z" * 43, signed=True),
                  ours[:-1] + ("A" if ours[-1] != "A" else "B")):
        with pytest.raises(InvalidSignature):
            check_session_id(other, signed=True, secret_key=KEY)


@pytest.mark.parametrize("session_id", HOSTILE_IDS[1:])
def test_a_token_carrying_a_hostile_id_is_refused(session_id: str) -> None:
    unsigned = generate_token(session_id, secret_key=None, signed=False, expiry_s=60, now=NOW)
    with pytest.raises(BadSessionId):
        check_token(unsigned, app_path="/app", signed=False, secret_key=None)
    # Signing a bad id does not make it good: the shape is checked in every mode.
    signed_id = session_id + "." + _b64(hmac.new(KEY.encode(), session_id.encode(),
                                                 hashlib.sha256).digest())
    signed = generate_token(signed_id, secret_key=KEY, signed=True, expiry_s=60, now=NOW)
    with pytest.raises((BadSessionId, InvalidSignature)):  # "../../x" splits at its first dot
        check_token(signed, app_path="/app", signed=True, secret_key=KEY)


@pytest.mark.parametrize("signed", [False, True])
def test_a_token_opens_only_the_app_it_names(signed: bool) -> None:
    key = KEY if signed else None
    sid = generate_session_id(key, signed=signed)
    token = generate_token(sid, secret_key=key, signed=signed, expiry_s=60, now=NOW,
                           app_path="/a", extra={"headers": {"X": "1"}})
    payload = check_token(token, app_path="/a", signed=signed, secret_key=key)
    assert (payload.session_id, payload.app_path, payload.headers) == (sid, "/a", {"X": "1"})
    assert "aioserve_app" not in payload.extra  # the binding is not request data
    for other in ("/b", "/", "/a/", "/A"):
        with pytest.raises(WrongApp):
            check_token(token, app_path=other, signed=signed, secret_key=key)


@pytest.mark.parametrize("signed", [False, True])
def test_a_bokeh_form_token_without_the_field_opens_any_app(signed: bool) -> None:
    """DESIGN 1.4: session_id + session_expiry alone, correctly signed, is valid."""
    key = KEY if signed else None
    sid = generate_session_id(key, signed=signed)
    token = _bokeh_token({"session_id": sid, "session_expiry": int(NOW) + 60}, key)
    for app in ("/a", "/b", "/"):
        payload = check_token(token, app_path=app, signed=signed, secret_key=key)
        assert payload.session_id == sid and payload.app_path is None and payload.extra == {}
    # A service minting by hand may bind too, with the same field.
    bound = _bokeh_token({"session_id": sid, "session_expiry": int(NOW) + 60,
                          "aioserve_app": "/a"}, key)
    assert check_token(bound, app_path="/a", signed=signed, secret_key=key).app_path == "/a"
    with pytest.raises(WrongApp):
        check_token(bound, app_path="/b", signed=signed, secret_key=key)


def test_the_binding_is_signed_and_well_formed() -> None:
    sid = generate_session_id(KEY, signed=True)
    token = generate_token(sid, secret_key=KEY, signed=True, expiry_s=60, now=NOW, app_path="/a")
    body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    moved = _b64(json.dumps({**payload, "aioserve_app": "/b"}).encode())
    with pytest.raises(InvalidSignature):
        check_token(f"{moved}.{signature}", app_path="/b", signed=True, secret_key=KEY)
    for bad in (5, ["/a"], {"p": "/a"}, True):
        token = _bokeh_token({"session_id": sid, "session_expiry": 1, "aioserve_app": bad}, KEY)
        with pytest.raises(MalformedToken):
            check_token(token, app_path="/a", signed=True, secret_key=KEY)


def test_an_oversized_token_is_refused_before_decoding() -> None:
    with pytest.raises(MalformedToken, match="longer than 8190"):
        check_token("a" * 8191, app_path="/a", signed=False, secret_key=None)
