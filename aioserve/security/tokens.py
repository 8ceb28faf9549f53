"""Session ids and session tokens, byte-compatible with Bokeh 3.x (`bokeh/util/token.py`).

A token is `b64url(JSON payload)` plus, in signed modes, `.b64url(HMAC-SHA256)`
of that first part.  The payload holds `session_id`, `session_expiry` and the
request data (headers, cookies, query arguments) zlib-packed under Bokeh's key,
so a token minted by either server opens a session on the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import secrets
import string
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from aioserve.errors import AioserveError

ZLIB_KEY = "__bk__zlib_"  # Bokeh's name for the packed request data
# The app a token was minted for (its route, "/sliders"), at the payload's top
# level. Optional, so tokens minted by Bokeh or by hand stay valid; when present
# it must name the app whose websocket is opened (aioserve.security.admission).
APP_KEY = "aioserve_app"
MAX_REQUEST_DATA_BYTES = 1 << 20  # inflated size we accept: a guard against zip bombs
_ID_ALPHABET = string.ascii_letters + string.digits
_ID_LENGTH = 44  # 44 * log2(62) ~ 262 bits, as Bokeh
# Byte b becomes _ID_ALPHABET[b % 62]; bytes 248..255 are dropped first, so that
# every character is equally likely (248 = 4 * 62).
_ID_TABLE = bytes(ord(_ID_ALPHABET[b % len(_ID_ALPHABET)]) for b in range(256))
_ID_UNEVEN = bytes(range(4 * len(_ID_ALPHABET), 256))
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_RESERVED = frozenset({"session_id", "session_expiry"})
_DROPPABLE = ("headers", "cookies", "arguments")  # request data fit_request_data may trim


class TokenError(AioserveError, ValueError):
    """A session id or token cannot be used."""


class MalformedToken(TokenError):
    """The token is not base64url JSON of the expected shape."""


class InvalidSignature(TokenError):
    """The token or the session id inside it was not signed with our key."""


class TokenTooLarge(TokenError):
    """Request data other than headers, cookies and arguments does not fit the limit."""


@dataclass(frozen=True, slots=True)
class TokenPayload:
    session_id: str
    session_expiry: float  # epoch seconds
    extra: dict[str, Any] = field(default_factory=dict)  # request data, process_request output
    app_path: str | None = None  # the app it was minted for, when it says so

    @property
    def headers(self) -> dict[str, str]:
        return cast(dict[str, str], self.extra.get("headers", {}))

    @property
    def cookies(self) -> dict[str, str]:
        return cast(dict[str, str], self.extra.get("cookies", {}))

    @property
    def arguments(self) -> dict[str, list[bytes]]:
        return cast(dict[str, list[bytes]], self.extra.get("arguments", {}))

    def expired(self, now: float) -> bool:
        return now >= self.session_expiry  # Bokeh's comparison


def generate_secret_key() -> str:
    return secrets.token_urlsafe(32)


def generate_session_id(secret_key: str | None = None, signed: bool = False) -> str:
    session_id = _random_text(_ID_LENGTH)
    if signed:
        session_id += "." + _signature(session_id, _require_key(secret_key))
    return session_id


def _random_text(length: int) -> str:
    """`length` characters of _ID_ALPHABET from the system's CSPRNG, uniformly.

    One system call for the lot: `secrets.choice` per character made id
    generation a tenth of the cost of serving a page.
    """
    text = b""
    while len(text) < length:
        text += secrets.token_bytes(length + 8).translate(_ID_TABLE, _ID_UNEVEN)
    return text[:length].decode("ascii")


def check_session_id_signature(session_id: str, secret_key: str | None, signed: bool) -> bool:
    if not signed:
        return True
    base, dot, provided = session_id.partition(".")
    return bool(dot) and _same(_signature(base, _require_key(secret_key)), provided)


def generate_token(
    session_id: str,
    *,
    secret_key: str | None,
    signed: bool,
    expiry_s: float,
    now: float,
    extra: Mapping[str, Any] | None = None,
    app_path: str | None = None,
) -> str:
    """Mint a token; `extra` must be JSON-able (bytes and mappings allowed).

    `app_path` binds the token to one app (see `check_token`)."""
    payload: dict[str, Any] = {"session_id": session_id, "session_expiry": int(now + expiry_s)}
    if app_path is not None:
        payload[APP_KEY] = app_path
    if extra:
        if clash := _RESERVED & extra.keys():
            raise ValueError(f"request data may not contain {sorted(clash)}")
        payload[ZLIB_KEY] = pack_request_data(extra)
    token = _b64encode(json.dumps(payload).encode("utf-8"))
    if signed:
        token += "." + _signature(token, _require_key(secret_key))
    return token


def verify_token(token: str, *, secret_key: str | None, signed: bool) -> TokenPayload:
    """Decode a token, and in signed modes insist both signatures are ours."""
    if signed:
        base, dot, provided = token.partition(".")
        if not (dot and _same(_signature(base, _require_key(secret_key)), provided)):
            raise InvalidSignature("token signature does not match")
    payload = decode_token(token)
    if not check_session_id_signature(payload.session_id, secret_key, signed):
        raise InvalidSignature("session id signature does not match")
    return payload


def check_token_signature(token: str, *, secret_key: str | None, signed: bool) -> bool:
    try:
        verify_token(token, secret_key=secret_key, signed=signed)
    except TokenError:
        return False
    return True


def decode_token(token: str) -> TokenPayload:
    """Read a token without checking signatures; MalformedToken on any bad input."""
    try:
        return _decode(token)
    except RecursionError:  # deeply nested JSON
        raise MalformedToken("token nests too deeply") from None


def pack_request_data(extra: Mapping[str, Any]) -> str:
    """The value stored under ZLIB_KEY, exactly as Bokeh writes it."""
    text = json.dumps(dict(extra), default=_json_default)
    return _b64encode(zlib.compress(text.encode("utf-8"), 9))


def fit_request_data(
    extra: Mapping[str, Any], limit_bytes: int = 4096
) -> tuple[dict[str, Any], list[str]]:
    """Drop request data until its packed form is at most `limit_bytes` long.

    The largest headers and cookies go first, then the largest query
    arguments.  Returns the data to put in the token and what was dropped
    ("headers:Name", ...) so the caller can log a warning.  A token's length
    is about 4/3 of (packed data + session id + 60) plus 44 for the signature,
    so the default keeps a token with a Bokeh-sized id under 6 KB.
    """
    order: list[tuple[str, str]] = []  # what to drop first; only worked out when needed

    def without(count: int) -> dict[str, Any]:
        data = {
            key: dict(value) if key in _DROPPABLE and isinstance(value, Mapping) else value
            for key, value in extra.items()
        }
        for section, name in order[:count]:
            del data[section][name]
        return data

    def fits(count: int) -> bool:
        return len(pack_request_data(without(count))) <= limit_bytes

    whole = without(0)
    if _packed_size_bound(whole) <= limit_bytes or fits(0):
        return whole, []
    order = _drop_order(extra)
    if not fits(len(order)):
        raise TokenTooLarge(
            f"request data beyond headers, cookies and arguments exceeds {limit_bytes} bytes"
        )
    # Dropping more entries never makes the data (noticeably) larger, so
    # search for the fewest; `high` is only ever set to a count that fits.
    low, high = 0, len(order)
    while high - low > 1:
        mid = (low + high) // 2
        if fits(mid):
            high = mid
        else:
            low = mid
    return without(high), [f"{section}:{name}" for section, name in order[:high]]


def _packed_size_bound(extra: Mapping[str, Any]) -> int:
    """At least `len(pack_request_data(extra))`, found without compressing.

    zlib never grows data by more than a few bytes per 16 KiB block plus its
    6-byte frame (deflateBound), and base64 adds a third: most pages' request
    data is far below the limit, and this spares them a second compression.
    """
    size = len(json.dumps(dict(extra), default=_json_default))  # ASCII: chars are bytes
    return (size + size // 1000 + 64) * 4 // 3 + 4


def _drop_order(extra: Mapping[str, Any]) -> list[tuple[str, str]]:
    def largest_first(sections: tuple[str, ...]) -> list[tuple[str, str]]:
        sized = [
            (len(json.dumps([name, value], default=_json_default)), section, name)
            for section in sections
            if isinstance(entries := extra.get(section), Mapping)
            for name, value in entries.items()
        ]
        sized.sort(key=lambda entry: entry[0], reverse=True)
        return [(section, name) for _, section, name in sized]

    # Query arguments are what apps read most, so they go last.
    return largest_first(("headers", "cookies")) + largest_first(("arguments",))


def _decode(token: str) -> TokenPayload:
    payload = _loads(_b64decode(token.split(".", 1)[0]))
    if not isinstance(payload, dict):
        raise MalformedToken("token payload is not a JSON object")
    session_id = payload.pop("session_id", None)
    if not isinstance(session_id, str) or not session_id:
        raise MalformedToken("session_id missing or not a string")
    expiry = _expiry(payload.pop("session_expiry", None))
    app_path = payload.pop(APP_KEY, None)
    if app_path is not None and not isinstance(app_path, str):
        raise MalformedToken(f"{APP_KEY} is not a string")
    packed = payload.pop(ZLIB_KEY, None)
    # Whatever else is at the top level is request data given uncompressed,
    # which lets another service mint a token by hand.
    extra = payload
    if packed is not None:
        if not isinstance(packed, str):
            raise MalformedToken(f"{ZLIB_KEY} is not a string")
        unpacked = _loads(_inflate(_b64decode(packed)))
        if not isinstance(unpacked, dict) or _RESERVED & unpacked.keys():
            raise MalformedToken("packed request data is not a plain JSON object")
        extra.update(unpacked)
    return TokenPayload(session_id, expiry, _restore(extra), app_path)


def _expiry(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedToken("session_expiry missing or not a number")
    try:
        expiry = float(value)
    except OverflowError:
        raise MalformedToken("session_expiry out of range") from None
    if not math.isfinite(expiry):
        raise MalformedToken("session_expiry is not finite")
    return expiry


def _restore(extra: dict[str, Any]) -> dict[str, Any]:
    # Bokeh turns every {"bytes": ...} object back into bytes, which breaks a
    # lone header or cookie named "bytes"; we unwrap by position instead.
    restored: dict[str, Any] = {}
    for key, value in extra.items():
        if key in ("headers", "cookies"):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise MalformedToken(f"{key} is not an object of strings")
            restored[key] = value
        elif key == "arguments":
            if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
                raise MalformedToken("arguments is not an object of lists")
            restored[key] = {name: [_argument(i) for i in items] for name, items in value.items()}
        else:
            restored[key] = _unwrap_bytes(value)
    return restored


def _argument(item: object) -> bytes:
    if isinstance(item, dict) and item.keys() == {"bytes"} and isinstance(item["bytes"], str):
        return _b64decode(item["bytes"])
    if isinstance(item, str):  # a hand-minted token may give plain text
        return item.encode("utf-8", "surrogatepass")
    raise MalformedToken("an argument value is neither bytes nor text")


def _unwrap_bytes(value: Any) -> Any:
    if isinstance(value, dict):
        if value.keys() == {"bytes"} and isinstance(value["bytes"], str):
            try:
                return _b64decode(value["bytes"])
            except MalformedToken:
                return value  # plain data that merely looks like Bokeh's wrapper
        return {k: _unwrap_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_bytes(v) for v in value]
    return value


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_REQUEST_DATA_BYTES + 1)
    except zlib.error as exc:
        raise MalformedToken(f"packed request data: {exc}") from None
    if len(out) > MAX_REQUEST_DATA_BYTES:
        raise MalformedToken("packed request data inflates past 1 MiB")
    if not inflater.eof or inflater.unused_data:
        raise MalformedToken("packed request data is truncated or has trailing bytes")
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except ValueError as exc:  # bad UTF-8, bad JSON, NaN, huge integers
        raise MalformedToken(f"not JSON: {exc}") from None


def _json_default(value: object) -> Any:
    if isinstance(value, bytes):
        return {"bytes": _b64encode(value)}
    if isinstance(value, Mapping):  # multidicts and proxies, as plain objects
        return dict(value)
    raise TypeError(f"{type(value).__name__} cannot go into a session token")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    # Stricter than Bokeh, whose decoder skips stray characters: only the
    # URL-safe alphabet, no padding, a length base64 can have.
    if _B64URL.fullmatch(text) is None or len(text) % 4 == 1:
        raise MalformedToken("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise MalformedToken(f"not base64url: {exc}") from None


def _signature(message: str, secret_key: str) -> str:
    # surrogatepass: a forged id with lone surrogates must fail, not raise
    digest = hmac.new(
        secret_key.encode("utf-8"), message.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).digest()
    return _b64encode(digest)


def _same(expected: str, provided: str) -> bool:
    # compare_digest refuses non-ASCII str; such input is never a valid signature
    return provided.isascii() and hmac.compare_digest(expected, provided)


def _require_key(secret_key: str | None) -> str:
    if not secret_key:
        raise ValueError("signed session ids and tokens need a secret key")
    return secret_key
