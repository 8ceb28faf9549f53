"""XSRF tokens made and checked as Tornado does (`web.py`, cookie version 2).

A GET without a usable `_xsrf` cookie gets one; an unsafe request must echo
the token in the `_xsrf` form field or an `X-XSRFToken` / `X-CSRFToken`
header.  Values are `2|<mask hex>|<masked token hex>|<timestamp>`: a fresh
mask per page stops BREACH-style compression attacks from reading the token
out of a response, and unmasking gives back the same raw 16 bytes.
"""

from __future__ import annotations

import hmac
import re
import secrets

XSRF_COOKIE = "_xsrf"
XSRF_FORM_FIELD = "_xsrf"
XSRF_HEADERS = ("X-XSRFToken", "X-CSRFToken")

_TOKEN_BYTES = 16
_MASK_BYTES = 4
_HEX = r"(?:[0-9a-fA-F]{2})+"
_VERSION_2 = re.compile(rf"2\|([0-9a-fA-F]{{{2 * _MASK_BYTES}}})\|({_HEX})\|([0-9]+)")
_VERSION_1 = re.compile(_HEX)  # bare hex, from old Tornado cookies


def new_xsrf_token() -> bytes:
    return secrets.token_bytes(_TOKEN_BYTES)


def encode_xsrf_cookie(raw: bytes, now: float) -> str:
    """The cookie value; `now` is the creation time Tornado records."""
    if now < 0:
        raise ValueError("now must be an epoch time")
    return _masked(raw, int(now))


def masked_form_value(raw: bytes) -> str:
    """A value for the `_xsrf` form field or header, freshly masked."""
    # Tornado repeats the cookie's creation time here; nothing reads it back,
    # and 0 keeps this function off the clock.
    return _masked(raw, 0)


def decode_xsrf(value: str) -> bytes | None:
    """The raw token inside a cookie or submitted value, or None if unusable."""
    if (match := _VERSION_2.fullmatch(value)) is not None:
        return _xor(bytes.fromhex(match[1]), bytes.fromhex(match[2]))
    if _VERSION_1.fullmatch(value) is not None:
        return bytes.fromhex(value)
    return None  # unknown versions count as absent, as in Tornado


def xsrf_matches(cookie_value: str | None, submitted: str | None) -> bool:
    """True when the submitted value unmasks to the cookie's token."""
    if cookie_value is None or submitted is None:
        return False
    expected, given = decode_xsrf(cookie_value), decode_xsrf(submitted)
    if expected is None or given is None:
        return False
    return hmac.compare_digest(expected, given)


def _masked(raw: bytes, timestamp: int) -> str:
    if not raw:
        raise ValueError("an XSRF token cannot be empty")
    mask = secrets.token_bytes(_MASK_BYTES)
    return f"2|{mask.hex()}|{_xor(mask, raw).hex()}|{timestamp}"


def _xor(mask: bytes, data: bytes) -> bytes:
    # Tornado's _websocket_mask: the 4-byte mask repeated over the data
    return bytes(byte ^ mask[i % _MASK_BYTES] for i, byte in enumerate(data))
