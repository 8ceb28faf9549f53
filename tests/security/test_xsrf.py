"""XSRF tokens, cross-checked against Tornado's format re-derived below."""

from __future__ import annotations

import binascii

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioserve.security.xsrf import (
    decode_xsrf,
    encode_xsrf_cookie,
    masked_form_value,
    new_xsrf_token,
    xsrf_matches,
)

RAW = bytes(range(16))
OTHER = bytes(range(1, 17))


# Tornado's web.py, re-derived: version 2 is 2|mask|masked token|timestamp.


def tornado_mask(mask: bytes, data: bytes) -> bytes:
    return bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def tornado_encode(raw: bytes, mask: bytes, timestamp: int) -> str:
    masked = binascii.b2a_hex(tornado_mask(mask, raw)).decode()
    return f"2|{binascii.b2a_hex(mask).decode()}|{masked}|{timestamp}"


def tornado_decode(value: str) -> bytes:
    _, mask, masked, timestamp = value.split("|")
    int(timestamp)
    return tornado_mask(binascii.a2b_hex(mask), binascii.a2b_hex(masked))


def test_new_token_is_16_random_bytes() -> None:
    tokens = {new_xsrf_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) == 16 for t in tokens)


def test_cookie_is_tornado_version_2() -> None:
    cookie = encode_xsrf_cookie(RAW, 1_700_000_000.9)
    version, mask, masked, timestamp = cookie.split("|")
    assert (version, len(mask), len(masked), timestamp) == ("2", 8, 32, "1700000000")
    assert tornado_decode(cookie) == RAW
    assert decode_xsrf(cookie) == RAW


def test_every_masked_value_differs_but_unmasks_to_the_token() -> None:
    values = {masked_form_value(RAW) for _ in range(50)}
    assert len(values) == 50
    assert all(decode_xsrf(v) == RAW and tornado_decode(v) == RAW for v in values)


@pytest.mark.parametrize("raw", [b"", b"\x00"])
def test_encode_edges(raw: bytes) -> None:
    if raw:
        assert decode_xsrf(encode_xsrf_cookie(raw, 0)) == raw
    else:
        with pytest.raises(ValueError):
            masked_form_value(raw)
    with pytest.raises(ValueError):
        encode_xsrf_cookie(RAW, -1)


TORNADO_COOKIE = tornado_encode(RAW, b"\x01\x02\x03\x04", 1_700_000_000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (TORNADO_COOKIE, RAW),
        (TORNADO_COOKIE.upper(), RAW),
        (tornado_encode(RAW, b"\x00" * 4, 0), RAW),
        (RAW.hex(), RAW),  # version 1: bare hex
        (RAW.hex().upper(), RAW),
        ("", None),
        ("2", None),
        ("2||||", None),
        ("2|01020304|" + RAW.hex(), None),  # no timestamp
        ("2|01020304|" + RAW.hex() + "|", None),
        ("2|01020304|" + RAW.hex() + "|-1", None),
        ("2|01020304|" + RAW.hex() + "|12|3", None),
        ("2|010203|" + RAW.hex() + "|0", None),  # short mask
        ("2|0102030405|" + RAW.hex() + "|0", None),
        ("2|01020304||0", None),  # empty token
        ("2|01020304|abc|0", None),  # odd hex
        ("2|0102030g|" + RAW.hex() + "|0", None),
        ("3|01020304|" + RAW.hex() + "|0", None),  # unknown version
        (" " + RAW.hex(), None),
        (RAW.hex() + "\n", None),
        ("abc", None),
        ("not hex at all", None),
        ("\u0661\u0662", None),  # non-ASCII digits
    ],
)
def test_decode(value: str, expected: bytes | None) -> None:
    assert decode_xsrf(value) == expected


COOKIE = encode_xsrf_cookie(RAW, 1_700_000_000)


@pytest.mark.parametrize(
    ("cookie", "submitted", "expected"),
    [
        (COOKIE, COOKIE, True),  # the cookie's own value echoed back
        (COOKIE, masked_form_value(RAW), True),  # a masked form value
        (COOKIE, TORNADO_COOKIE, True),  # minted by Tornado
        (COOKIE, RAW.hex(), True),  # version 1
        (RAW.hex(), masked_form_value(RAW), True),
        (COOKIE, masked_form_value(OTHER), False),
        (COOKIE, encode_xsrf_cookie(OTHER, 0), False),
        (COOKIE, RAW[:8].hex(), False),
        (COOKIE, None, False),
        (None, COOKIE, False),
        (None, None, False),
        (COOKIE, "", False),
        ("", "", False),
        ("garbage", "garbage", False),
        (COOKIE, "garbage", False),
    ],
)
def test_xsrf_matches(cookie: str | None, submitted: str | None, expected: bool) -> None:
    assert xsrf_matches(cookie, submitted) is expected


@given(value=st.text())
def test_garbage_never_raises(value: str) -> None:
    decoded = decode_xsrf(value)
    assert decoded is None or isinstance(decoded, bytes)
    assert xsrf_matches(value, value) is (decoded is not None)
    assert xsrf_matches(COOKIE, value) is (decoded == RAW)


@given(raw=st.binary(min_size=1, max_size=64), now=st.integers(0, 2**40))
def test_round_trip(raw: bytes, now: int) -> None:
    cookie = encode_xsrf_cookie(raw, now)
    assert tornado_decode(cookie) == raw
    assert xsrf_matches(cookie, masked_form_value(raw))
