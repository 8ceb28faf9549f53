"""The websocket Origin allowlist."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioserve.security.origins import (
    OriginPattern,
    default_allowlist,
    origin_allowed,
    parse_origin_allowlist,
)

LOCAL = default_allowlist(5006)


@pytest.mark.parametrize(
    ("entries", "origin", "expected"),
    [
        # the default: this machine on the bound port
        (LOCAL, "http://localhost:5006", True),
        (LOCAL, "http://127.0.0.1:5006", True),
        (LOCAL, "http://[::1]:5006", True),
        (LOCAL, "http://[0:0:0:0:0:0:0:1]:5006", True),  # another spelling of ::1
        (LOCAL, "https://LOCALHOST:5006", True),  # case
        (LOCAL, "http://localhost:5007", False),  # port mismatch
        (LOCAL, "http://localhost", False),
        (LOCAL, "http://example.com:5006", False),
        (LOCAL, "http://localhost.example.com:5006", False),
        # missing, null and unparsable Origins
        (LOCAL, None, False),
        (LOCAL, "null", False),
        (LOCAL, "", False),
        (LOCAL, "localhost:5006", False),
        (LOCAL, "http://localhost:5006/", False),
        (LOCAL, "http://localhost:5006/path", False),
        (LOCAL, "http://user@localhost:5006", False),
        (LOCAL, "file://localhost:5006", False),
        (LOCAL, "http://localhost:99999", False),
        (LOCAL, "http://localhost:0", False),
        (LOCAL, "http://[::1", False),
        (LOCAL, "http://[zz::1]:5006", False),
        (["*"], None, False),
        (["*"], "null", False),
        # default ports by scheme
        (["example.com"], "http://example.com", True),
        (["example.com"], "https://example.com", True),
        (["example.com"], "http://example.com:80", True),
        (["example.com"], "https://example.com:443", True),
        (["example.com"], "https://example.com:80", False),
        (["example.com"], "http://example.com:443", False),
        (["example.com"], "http://example.com:5006", False),
        (["example.com:443"], "https://example.com", True),
        (["example.com:443"], "http://example.com", False),
        (["example.com:80"], "http://example.com", True),
        (["example.com:80"], "wss://example.com", False),
        (["example.com:8443"], "https://example.com:8443", True),
        # wildcards
        (["*"], "http://anything.example:1234", True),
        (["*"], "https://[2001:db8::1]", True),
        (["*.example.com"], "https://app.example.com", True),
        (["*.example.com"], "https://a.b.example.com", True),
        (["*.example.com"], "https://example.com", False),
        (["*.example.com"], "https://evilexample.com", False),
        (["*.example.com"], "https://app.example.com.evil.org", False),
        (["*.example.com"], "https://app.example.com:8080", False),
        (["*.example.com:*"], "https://app.example.com:8080", True),
        (["example.com:*"], "http://example.com:1", True),
        (["example.com:*"], "http://example.com", True),
        (["app-*.example.com"], "http://app-blue.example.com", True),
        (["app-*.example.com"], "http://app-blue.x.example.com", False),
        (["192.168.*.*:5006"], "http://192.168.1.20:5006", True),
        (["192.168.*"], "http://192.168.attacker.example", False),
        (["EXAMPLE.com"], "http://Example.COM", True),
        # IPv6 entries
        (["[::1]:5006"], "http://[::1]:5006", True),
        (["[::1]"], "http://[::1]", True),
        (["[2001:DB8::1]:8080"], "https://[2001:db8:0::1]:8080", True),
        (["[::1]:5006"], "http://[::2]:5006", False),
        # several entries
        (["a.example", "b.example:5006"], "http://b.example:5006", True),
        ([], "http://localhost:5006", False),
    ],
)
def test_origin_allowed(entries: list[str], origin: str | None, expected: bool) -> None:
    assert origin_allowed(origin, parse_origin_allowlist(entries)) is expected


@pytest.mark.parametrize(
    ("entries", "origin", "expected"),
    [
        # Bokeh: no port means 80 on both sides, whatever the scheme
        (["example.com"], "https://example.com", True),
        (["example.com:443"], "https://example.com", False),
        (["example.com"], "https://example.com:80", True),
        (["example.com:80"], "wss://example.com", True),
    ],
)
def test_bokeh_port_rule(entries: list[str], origin: str, expected: bool) -> None:
    patterns = parse_origin_allowlist(entries)
    assert origin_allowed(origin, patterns, default_port_for_scheme=False) is expected


@pytest.mark.parametrize(
    ("origin", "scheme", "expected"),
    [
        ("http://localhost:5006", "http", True),
        ("https://localhost:5006", "http", False),  # the case: https page, http server
        ("http://localhost:5006", "https", False),
        ("https://localhost:5006", "https", True),
        ("https://localhost:5006", "HTTPS", True),
        ("wss://localhost:5006", "https", True),  # ws schemes stand for their web scheme
        ("ws://localhost:5006", "https", False),
        ("https://localhost:5006", None, True),  # no scheme given: host and port only
        ("http://localhost:5006", "gopher", False),
    ],
)
def test_origin_scheme(origin: str, scheme: str | None, expected: bool) -> None:
    patterns = parse_origin_allowlist(["localhost:5006"])
    assert origin_allowed(origin, patterns, scheme=scheme) is expected


@pytest.mark.parametrize(
    ("entry", "pattern"),
    [
        ("localhost:5006", OriginPattern("localhost", 5006)),
        ("  Example.COM ", OriginPattern("example.com", "default")),
        ("*", OriginPattern("*", "any")),
        ("*.example.com:*", OriginPattern("*.example.com", "any")),
        ("[0:0::1]:80", OriginPattern("[::1]", 80)),
    ],
)
def test_parse_entry(entry: str, pattern: OriginPattern) -> None:
    assert parse_origin_allowlist([entry]) == (pattern,)


@pytest.mark.parametrize(
    "entry",
    [
        "",
        "   ",
        "http://x",
        "x/",
        "example.com:",
        ":5006",
        "example.com:port",
        "example.com:0",
        "example.com:65536",
        "example.com:123456",
        "example.com:50:06",
        "::1",
        "[::1",
        "[not-ipv6]:80",
        "[*::1]",
        "user@example.com",
        "ex ample.com",
        "b\u00fccher.de",
    ],
)
def test_garbage_entries_raise(entry: str) -> None:
    with pytest.raises(ValueError, match="origin allowlist entry"):
        parse_origin_allowlist([entry])


def test_default_allowlist() -> None:
    assert default_allowlist(5006) == ("localhost:5006", "127.0.0.1:5006", "[::1]:5006")
    with pytest.raises(ValueError):
        default_allowlist(0)


def test_patterns_accept_any_iterable() -> None:
    patterns = parse_origin_allowlist(e for e in ["a.example"])
    assert origin_allowed("http://a.example", iter(patterns))


@given(origin=st.none() | st.text(), entries=st.lists(st.text(max_size=20), max_size=3))
def test_arbitrary_input_never_raises_past_parsing(origin: str | None, entries: list[str]) -> None:
    try:
        patterns = parse_origin_allowlist(entries)
    except ValueError:
        patterns = parse_origin_allowlist(["*"])
    assert isinstance(origin_allowed(origin, patterns), bool)
