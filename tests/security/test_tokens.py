"""Session ids and tokens, cross-checked against Bokeh's algorithm re-derived below."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioserve.security.tokens import (
    MAX_REQUEST_DATA_BYTES,
    ZLIB_KEY,
    InvalidSignature,
    MalformedToken,
    TokenPayload,
    TokenTooLarge,
    check_session_id_signature,
    check_token_signature,
    decode_token,
    fit_request_data,
    generate_secret_key,
    generate_session_id,
    generate_token,
    verify_token,
)

KEY = "the-secret-key-for-tests-0123456789-abcdefg"
OTHER_KEY = "another-secret-key-for-tests-0123456789-xyz"
SID = "Vh3SmPqWb7kYlV8WHmtRkXfz9GJ8QfBfdUyeK9wbUhNo"  # 44 chars, like Bokeh's
NOW = 1_700_000_000.0


# Bokeh 3.x bokeh/util/token.py, re-derived: the reference every test compares with.


def ref_b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def ref_b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ref_signature(message: str, key: str) -> str:
    return ref_b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest())


class RefBytesEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, bytes):
            return {"bytes": ref_b64encode(o)}
        return super().default(o)


def ref_generate_jwt_token(
    session_id: str, key: str, signed: bool, extra: dict[str, Any] | None, expiration: int, now: int
) -> str:
    payload: dict[str, Any] = {"session_id": session_id, "session_expiry": now + expiration}
    if extra:
        packed = zlib.compress(json.dumps(extra, cls=RefBytesEncoder).encode("utf-8"), level=9)
        payload["__bk__zlib_"] = ref_b64encode(packed)
    token = ref_b64encode(json.dumps(payload).encode("utf-8"))
    return token + "." + ref_signature(token, key) if signed else token


def ref_get_token_payload(token: str) -> dict[str, Any]:
    def hook(obj: dict[str, Any]) -> Any:
        return ref_b64decode(obj["bytes"]) if set(obj) == {"bytes"} else obj

    decoded = json.loads(ref_b64decode(token.split(".")[0]))
    if "__bk__zlib_" in decoded:
        unpacked = zlib.decompress(ref_b64decode(decoded.pop("__bk__zlib_")))
        decoded.update(json.loads(unpacked, object_hook=hook))
    del decoded["session_id"]
    return dict(decoded)


def ref_check_token_signature(token: str, key: str) -> bool:
    base, _, sig = token.partition(".")
    session_id = json.loads(ref_b64decode(base))["session_id"]
    sid_base, _, sid_sig = session_id.partition(".")
    return hmac.compare_digest(ref_signature(base, key), sig) and hmac.compare_digest(
        ref_signature(sid_base, key), sid_sig
    )


def b64json(obj: Any) -> str:
    return ref_b64encode(json.dumps(obj).encode())


SIGNED_SID = f"{SID}.{ref_signature(SID, KEY)}"
REQUEST = {
    "headers": {"Host": "localhost:5006", "User-Agent": "pytest", "Accept-Language": "fr"},
    "cookies": {"theme": "dark", "session": "s\u00e9same"},
    "arguments": {"N": [b"10"], "tags": [b"a", b"b\xff"]},
}


# Session ids


def test_signature_pinned_vector() -> None:
    # HMAC-SHA256 of the published example (key "key"), hex
    # f7bc83f4...2d1a3cd8, as unpadded base64url.
    message = "The quick brown fox jumps over the lazy dog"
    expected = "97yD9DBThCSxMpjmqm-xQ-9NWaFJRhdZl0edvC0aPNg"
    assert ref_signature(message, "key") == expected
    assert check_session_id_signature(f"{message}.{expected}", "key", signed=True)


def test_session_id_shape_and_uniqueness() -> None:
    ids = {generate_session_id() for _ in range(200)}
    assert len(ids) == 200
    allowed = set(string.ascii_letters + string.digits)
    assert all(len(sid) == 44 and set(sid) <= allowed for sid in ids)


def test_signed_session_id_is_bokeh_form() -> None:
    sid = generate_session_id(KEY, signed=True)
    base, sig = sid.split(".")
    assert len(base) == 44
    assert sig == ref_signature(base, KEY)
    assert check_session_id_signature(sid, KEY, signed=True)


@pytest.mark.parametrize(
    ("session_id", "key", "signed", "expected"),
    [
        (SIGNED_SID, KEY, True, True),
        (SIGNED_SID, OTHER_KEY, True, False),
        (SID, KEY, True, False),  # unsigned id in signed mode
        (SID + ".", KEY, True, False),
        (SID + ".AAAA", KEY, True, False),
        (SIGNED_SID[:-1] + "x", KEY, True, False),
        (SIGNED_SID + "x", KEY, True, False),
        (SID + ".\u00e9\u00e9\u00e9", KEY, True, False),  # non-ASCII signature
        ("\ud800." + ref_b64encode(b"x"), KEY, True, False),  # lone surrogate
        ("anything at all", None, False, True),
        (SID, None, False, True),
    ],
)
def test_check_session_id_signature(
    session_id: str, key: str | None, signed: bool, expected: bool
) -> None:
    assert check_session_id_signature(session_id, key, signed) is expected


@pytest.mark.parametrize("key", [None, ""])
def test_signing_without_key_is_refused(key: str | None) -> None:
    with pytest.raises(ValueError, match="secret key"):
        generate_session_id(key, signed=True)
    with pytest.raises(ValueError, match="secret key"):
        generate_token(SID, secret_key=key, signed=True, expiry_s=300, now=NOW)
    with pytest.raises(ValueError, match="secret key"):
        check_session_id_signature(SIGNED_SID, key, signed=True)


def test_secret_key_strength() -> None:
    keys = {generate_secret_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(
        len(k) >= 43 and set(k) <= set(string.ascii_letters + string.digits + "-_") for k in keys
    )


# Tokens: byte compatibility with Bokeh


@pytest.mark.parametrize(
    ("session_id", "signed", "extra", "expiry_s"),
    [
        (SID, False, None, 300),
        (SIGNED_SID, True, None, 300),
        (SIGNED_SID, True, REQUEST, 300),
        (SID, False, REQUEST, 60),
        ("default", False, {"headers": {}, "cookies": {}}, 5),
        (SIGNED_SID, True, {"process_request": {"user": "ann", "blob": b"\x00\x01"}}, 3600),
    ],
)
def test_token_is_byte_identical_to_bokeh(
    session_id: str, signed: bool, extra: dict[str, Any] | None, expiry_s: int
) -> None:
    ours = generate_token(
        session_id, secret_key=KEY, signed=signed, expiry_s=expiry_s, now=NOW, extra=extra
    )
    assert ours == ref_generate_jwt_token(session_id, KEY, signed, extra, expiry_s, int(NOW))
    expected = {"session_expiry": int(NOW) + expiry_s, **(extra or {})}
    assert ref_get_token_payload(ours) == expected
    payload = decode_token(ours)
    assert payload == TokenPayload(session_id, int(NOW) + expiry_s, dict(extra or {}))
    if signed:
        assert ref_check_token_signature(ours, KEY)
        assert check_token_signature(ours, secret_key=KEY, signed=True)


def test_bokeh_token_verifies_and_exposes_request() -> None:
    token = ref_generate_jwt_token(SIGNED_SID, KEY, True, REQUEST, 300, int(NOW))
    payload = verify_token(token, secret_key=KEY, signed=True)
    assert payload.session_id == SIGNED_SID
    assert payload.headers == REQUEST["headers"]
    assert payload.cookies == REQUEST["cookies"]
    assert payload.arguments == REQUEST["arguments"]
    assert not payload.expired(NOW + 299)
    assert payload.expired(NOW + 300)


def test_minimal_hand_minted_token_is_valid() -> None:
    base = b64json({"session_id": SIGNED_SID, "session_expiry": int(NOW) + 60})
    token = f"{base}.{ref_signature(base, KEY)}"
    payload = verify_token(token, secret_key=KEY, signed=True)
    assert payload.extra == {}
    assert payload.headers == {} and payload.cookies == {} and payload.arguments == {}


def test_uncompressed_request_data_is_merged() -> None:
    token = b64json(
        {
            "session_id": SID,
            "session_expiry": NOW,
            "headers": {"X-From": "proxy"},
            "arguments": {"q": ["text", {"bytes": ref_b64encode(b"\xff")}]},
            ZLIB_KEY: ref_b64encode(zlib.compress(json.dumps({"cookies": {"c": "1"}}).encode())),
        }
    )
    payload = decode_token(token)
    assert payload.headers == {"X-From": "proxy"}
    assert payload.cookies == {"c": "1"}
    assert payload.arguments == {"q": [b"text", b"\xff"]}


def test_header_named_bytes_survives() -> None:
    # Bokeh's decoder would turn {"bytes": ...} into bytes wherever it appears.
    extra = {"headers": {"bytes": "abcd"}, "cookies": {"bytes": "not base64!"}}
    token = generate_token(SID, secret_key=None, signed=False, expiry_s=1, now=NOW, extra=extra)
    assert decode_token(token).extra == extra


@pytest.mark.parametrize("reserved", ["session_id", "session_expiry"])
def test_extra_may_not_shadow_payload_fields(reserved: str) -> None:
    with pytest.raises(ValueError, match=reserved):
        generate_token(SID, secret_key=None, signed=False, expiry_s=1, now=NOW, extra={reserved: 1})


# Tokens: refusals


def _signed(payload_b64: str, key: str = KEY) -> str:
    return f"{payload_b64}.{ref_signature(payload_b64, key)}"


GOOD = generate_token(SIGNED_SID, secret_key=KEY, signed=True, expiry_s=300, now=NOW, extra=REQUEST)
GOOD_BASE, GOOD_SIG = GOOD.split(".")
TAMPERED_BASE = b64json({"session_id": SIGNED_SID, "session_expiry": NOW + 10**6})
WRONG_ID_SIG = f"{SID}.{ref_signature(SID, OTHER_KEY)}"


@pytest.mark.parametrize(
    ("name", "token"),
    [
        ("tampered payload", f"{TAMPERED_BASE}.{GOOD_SIG}"),
        ("tampered signature", f"{GOOD_BASE}.{GOOD_SIG[:-2]}AA"),
        ("truncated signature", f"{GOOD_BASE}.{GOOD_SIG[:-1]}"),
        ("empty signature", f"{GOOD_BASE}."),
        ("wrong key", _signed(GOOD_BASE, OTHER_KEY)),
        ("unsigned token", GOOD_BASE),
        ("unsigned id", _signed(b64json({"session_id": SID, "session_expiry": NOW}))),
        (
            "id signed with other key",
            _signed(b64json({"session_id": WRONG_ID_SIG, "session_expiry": NOW})),
        ),
        ("non-ASCII signature", f"{GOOD_BASE}.\u00e9"),
    ],
)
def test_signed_mode_refuses(name: str, token: str) -> None:
    assert not check_token_signature(token, secret_key=KEY, signed=True), name
    assert ref_check_token_signature(GOOD, KEY)
    with pytest.raises(InvalidSignature):
        verify_token(token, secret_key=KEY, signed=True)


def test_unsigned_mode_accepts_any_well_formed_token() -> None:
    hand_made = b64json({"session_id": "shared", "session_expiry": 0})
    for token in (hand_made, GOOD, f"{TAMPERED_BASE}.{GOOD_SIG}"):
        assert check_token_signature(token, secret_key=None, signed=False)
    assert not check_token_signature("%%%", secret_key=None, signed=False)


def _zlib_token(inner: bytes) -> str:
    return b64json({"session_id": SID, "session_expiry": NOW, ZLIB_KEY: ref_b64encode(inner)})


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "!!!!",
        "abcde",  # a length base64 cannot have
        "YQ==",  # padding
        "a+b/",  # not the URL-safe alphabet
        ref_b64encode(b"not json"),
        ref_b64encode(b"\xff\xfe"),  # not UTF-8
        b64json([1, 2]),
        b64json("text"),
        b64json({"session_expiry": NOW}),
        b64json({"session_id": SID}),
        b64json({"session_id": 5, "session_expiry": NOW}),
        b64json({"session_id": "", "session_expiry": NOW}),
        b64json({"session_id": SID, "session_expiry": "soon"}),
        b64json({"session_id": SID, "session_expiry": True}),
        b64json({"session_id": SID, "session_expiry": None}),
        ref_b64encode(b'{"session_id": "x", "session_expiry": NaN}'),
        ref_b64encode(b'{"session_id": "x", "session_expiry": 1e999}'),
        ref_b64encode(b'{"session_id": "x", "session_expiry": 1' + b"0" * 400 + b"}"),
        ref_b64encode(b"[" * 100_000 + b"]" * 100_000),
        b64json({"session_id": SID, "session_expiry": NOW, "headers": ["a"]}),
        b64json({"session_id": SID, "session_expiry": NOW, "headers": {"a": 1}}),
        b64json({"session_id": SID, "session_expiry": NOW, "cookies": "c=1"}),
        b64json({"session_id": SID, "session_expiry": NOW, "arguments": {"a": "b"}}),
        b64json({"session_id": SID, "session_expiry": NOW, "arguments": {"a": [1]}}),
        b64json({"session_id": SID, "session_expiry": NOW, ZLIB_KEY: 5}),
        b64json({"session_id": SID, "session_expiry": NOW, ZLIB_KEY: "!"}),
        _zlib_token(b"not zlib at all"),
        _zlib_token(zlib.compress(b'{"a": 1}')[:-3]),  # truncated
        _zlib_token(zlib.compress(b'{"a": 1}') + b"junk"),  # trailing bytes
        _zlib_token(zlib.compress(b"[1]")),
        _zlib_token(zlib.compress(b'{"session_id": "other"}')),
        _zlib_token(zlib.compress(b'{"session_expiry": 9e15}')),
        _zlib_token(zlib.compress(b'{"arguments": {"a": [{"bytes": "!"}]}}')),
    ],
)
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(MalformedToken):
        decode_token(token)
    assert not check_token_signature(token, secret_key=KEY, signed=True)
    assert not check_token_signature(token, secret_key=None, signed=False)


def test_zip_bomb_is_refused() -> None:
    bomb = zlib.compress(json.dumps({"pad": "x" * (2 * MAX_REQUEST_DATA_BYTES)}).encode(), 9)
    assert len(bomb) < 10_000
    with pytest.raises(MalformedToken, match="1 MiB"):
        decode_token(_zlib_token(bomb))


def test_just_under_the_inflate_limit_is_accepted() -> None:
    pad = "x" * (MAX_REQUEST_DATA_BYTES - 20)
    payload = decode_token(_zlib_token(zlib.compress(json.dumps({"pad": pad}).encode())))
    assert payload.extra == {"pad": pad}


# Tokens: properties

texts = st.text(max_size=30)
request_data = st.fixed_dictionaries(
    {},
    optional={
        "headers": st.dictionaries(texts, texts, max_size=5),
        "cookies": st.dictionaries(texts, texts, max_size=5),
        "arguments": st.dictionaries(
            texts, st.lists(st.binary(max_size=20), max_size=3), max_size=5
        ),
    },
)


@given(extra=request_data, signed=st.booleans(), expiry=st.integers(0, 10**9))
def test_request_data_round_trips(extra: dict[str, Any], signed: bool, expiry: int) -> None:
    sid = generate_session_id(KEY, signed=signed)
    token = generate_token(
        sid, secret_key=KEY, signed=signed, expiry_s=expiry, now=NOW, extra=extra
    )
    payload = verify_token(token, secret_key=KEY, signed=signed)
    assert payload == TokenPayload(sid, int(NOW) + expiry, extra)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(["headers", "cookies", "arguments", "bytes", "other"])
json_objects = st.dictionaries(field_names, json_values, max_size=4)
string_maps = st.dictionaries(texts, texts | json_values, max_size=3)
near_request_data = st.fixed_dictionaries(
    {},
    optional={
        "headers": string_maps,
        "cookies": string_maps,
        "arguments": st.dictionaries(texts, st.lists(texts | json_values, max_size=2), max_size=3),
        "other": json_values,
    },
)


@st.composite
def token_like(draw: st.DrawFn) -> str:
    # Mostly near-valid payloads, so decoding gets past the first checks.
    outer: dict[str, Any] = draw(near_request_data | json_objects)
    valid_fields = (("session_id", st.text(min_size=1)), ("session_expiry", st.integers()))
    for key, valid in valid_fields:
        if draw(st.integers(0, 9)):
            outer[key] = draw(valid if draw(st.integers(0, 3)) else json_values)
    if draw(st.booleans()):
        inner = json.dumps(draw(near_request_data | json_objects | json_values)).encode()
        outer[ZLIB_KEY] = ref_b64encode(zlib.compress(inner))
    token = ref_b64encode(json.dumps(outer).encode())
    return token + draw(st.sampled_from(["", ".", ".AAAA", "." + ref_signature(token, KEY)]))


@given(token=st.text() | token_like())
def test_arbitrary_input_only_ever_raises_malformed(token: str) -> None:
    try:
        payload = decode_token(token)
    except MalformedToken:
        pass
    else:
        assert isinstance(payload.session_id, str)
        assert all(isinstance(v, str) for v in payload.headers.values())
        assert all(isinstance(v, str) for v in payload.cookies.values())
        assert all(isinstance(b, bytes) for vs in payload.arguments.values() for b in vs)
    for signed in (True, False):
        assert isinstance(check_token_signature(token, secret_key=KEY, signed=signed), bool)
    assert isinstance(check_session_id_signature(token, KEY, signed=True), bool)


# Keeping tokens small


def test_small_request_data_is_kept_whole() -> None:
    assert fit_request_data(REQUEST) == (REQUEST, [])


def test_two_hundred_big_headers_fit_under_8kb() -> None:
    rng = random.Random(7)  # incompressible values, reproducibly
    headers = {
        f"X-Header-{i}": "".join(rng.choices(string.ascii_letters, k=200 + i)) for i in range(200)
    }
    extra = {"headers": {"Host": "example.com", **headers}, "cookies": {"c": "1"}, "arguments": {}}
    kept, dropped = fit_request_data(extra, limit_bytes=4096)
    token = generate_token(
        generate_session_id(KEY, signed=True),
        secret_key=KEY,
        signed=True,
        expiry_s=300,
        now=NOW,
        extra=kept,
    )
    assert len(token) < 8 * 1024
    assert dropped and all(name.startswith("headers:X-Header-") for name in dropped)
    assert "X-Header-199" not in kept["headers"]  # largest goes first
    assert kept["headers"]["Host"] == "example.com" and kept["cookies"] == {"c": "1"}
    assert set(dropped) == {
        f"headers:{name}" for name in set(extra["headers"]) - set(kept["headers"])
    }
    assert extra["headers"]["X-Header-199"]  # the input is not modified


def test_arguments_go_after_headers_and_cookies() -> None:
    big = "".join(random.Random(1).choices(string.ascii_letters, k=3000))
    extra = {"headers": {"H": big}, "cookies": {"C": big}, "arguments": {"a": [big.encode()]}}
    kept, dropped = fit_request_data(extra, limit_bytes=4096)
    assert kept["arguments"] == {"a": [big.encode()]}
    assert sorted(dropped) == ["cookies:C", "headers:H"]


def test_too_large_other_data_raises() -> None:
    big = "".join(random.Random(2).choices(string.ascii_letters, k=9000))
    with pytest.raises(TokenTooLarge):
        fit_request_data({"headers": {"h": "v"}, "from_process_request": big})
