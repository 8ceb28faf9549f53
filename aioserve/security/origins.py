"""Which pages may open a websocket: the `Origin` header against an allowlist.

Entries read `host[:port]` as for `bokeh serve --allow-websocket-origin`.
Unlike Bokeh, a port-less entry or Origin takes its scheme's default port
(443 for https), not always 80, and `*` never reaches across a dot except as
a leading `*.`, so `192.168.*` cannot match `192.168.attacker.example`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
_WEB_SCHEME = {"http": "http", "ws": "http", "https": "https", "wss": "https"}
_ENTRY = re.compile(
    r"(?:\[(?P<ipv6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9*._-]+))(?::(?P<port>\*|[0-9]{1,5}))?"
)
_ORIGIN = re.compile(
    r"(?P<scheme>[a-z]+)://(?:\[(?P<ipv6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9._-]+))"
    r"(?::(?P<port>[0-9]{1,5}))?"
)

PortRule = int | Literal["default", "any"]


@dataclass(frozen=True, slots=True)
class OriginPattern:
    """One allowlist entry: a lower-case host pattern and a port rule.

    `port` is a number, "default" (the Origin's scheme default) or "any".
    """

    host: str
    port: PortRule
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", _host_regex(self.host))

    def matches(self, host: str, port: int, default_port: int) -> bool:
        if self.port == "any":
            port_ok = True
        else:
            port_ok = port == (default_port if self.port == "default" else self.port)
        return port_ok and self._regex.fullmatch(host) is not None


def default_allowlist(port: int) -> tuple[str, ...]:
    """The entries used when none are given: this machine, on the bound port."""
    _check_port(port, str(port))
    return (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}")


def parse_origin_allowlist(entries: Iterable[str]) -> tuple[OriginPattern, ...]:
    """Parse `host[:port]` entries; ValueError names the first bad one."""
    return tuple(_parse_entry(entry) for entry in entries)


def origin_allowed(
    origin_header: str | None,
    patterns: Iterable[OriginPattern],
    *,
    default_port_for_scheme: bool = True,
    scheme: str | None = None,
) -> bool:
    """True when the Origin header names an allowed host and port (and scheme).

    A missing, `null` or unparsable Origin is refused; whether to let
    non-browser clients without an Origin in is the caller's decision.
    `default_port_for_scheme=False` gives Bokeh's rule: no port means 80.
    `scheme` ("http" or "https"), when given, must be the Origin's scheme too:
    `https://localhost:5006` is not the origin of a plain-http server on 5006.
    """
    parsed = _parse_origin(origin_header)
    if parsed is None:
        return False
    origin_scheme, host, port = parsed
    if scheme is not None and _WEB_SCHEME[origin_scheme] != _WEB_SCHEME.get(scheme.lower()):
        return False
    default_port = _DEFAULT_PORTS[origin_scheme] if default_port_for_scheme else 80
    actual = default_port if port is None else port
    return any(pattern.matches(host, actual, default_port) for pattern in patterns)


def _parse_entry(entry: str) -> OriginPattern:
    text = entry.strip().lower()
    if text == "*":
        return OriginPattern("*", "any")
    match = _ENTRY.fullmatch(text)
    if match is None:
        raise ValueError(f"origin allowlist entry is not host[:port]: {entry!r}")
    if match["ipv6"] is not None:
        host = _ipv6(match["ipv6"])
        if host is None:
            raise ValueError(f"origin allowlist entry has a bad IPv6 address: {entry!r}")
    else:
        host = match["name"]
    port: PortRule
    if match["port"] is None:
        port = "default"
    elif match["port"] == "*":
        port = "any"
    else:
        port = _check_port(int(match["port"]), entry)
    return OriginPattern(host, port)


def _parse_origin(header: str | None) -> tuple[str, str, int | None] | None:
    if header is None:
        return None
    match = _ORIGIN.fullmatch(header.strip().lower())
    if match is None or match["scheme"] not in _DEFAULT_PORTS:
        return None  # includes "null", sent by sandboxed frames and file:// pages
    host = match["name"] if match["ipv6"] is None else _ipv6(match["ipv6"])
    if host is None:
        return None
    port = None if match["port"] is None else int(match["port"])
    if port is not None and not 1 <= port <= 65535:
        return None
    return match["scheme"], host, port


def _ipv6(text: str) -> str | None:
    # One spelling per address, so [0:0::1] in an entry matches [::1] in an Origin.
    try:
        return f"[{ipaddress.IPv6Address(text).compressed}]"
    except ValueError:
        return None


def _host_regex(pattern: str) -> re.Pattern[str]:
    if pattern == "*":
        return re.compile(r".+")
    head = ""
    if pattern.startswith("*."):  # any depth of subdomain, as in TrustedHostMiddleware
        head, pattern = r"(?:[^.]+\.)+", pattern[2:]
    body = "[^.]*".join(re.escape(part) for part in pattern.split("*"))
    return re.compile(head + body, re.IGNORECASE)


def _check_port(port: int, entry: str) -> int:
    if not 1 <= port <= 65535:
        raise ValueError(f"port out of range in origin allowlist entry: {entry!r}")
    return port
