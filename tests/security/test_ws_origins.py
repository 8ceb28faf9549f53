"""The Origin allowlist at the websocket handshake: refused before the upgrade, with a
log line that names the origin and how to allow it."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import aiohttp
import pytest

from aioserve.client import ClientSession


async def _status(served, origin: str | None, headers: dict[str, str] | None = None) -> int:
    """101 when the handshake with this Origin succeeds, else the refusal's status."""
    page = await served.page("/app")
    try:
        ws = await served.handshake(page.ws_path, page.token, origin=origin, headers=headers)
    except aiohttp.WSServerHandshakeError as refused:
        return refused.status
    await ws.close()
    return 101


async def test_default_allows_this_machine_on_the_arrival_port(start, caplog) -> None:
    served = await start()  # port 0: the default is built from the port actually bound
    port = served.server.port
    for host in ("localhost", "127.0.0.1", "[::1]", "LOCALHOST"):
        assert await _status(served, f"http://{host}:{port}") == 101, host
    caplog.set_level(logging.WARNING, logger="aioserve")
    for origin in (f"http://localhost:{port + 1}", "http://localhost", f"http://evil.example:{port}",
                   f"http://localhost.evil.example:{port}", "null", "file://", "garbage",
                   # the scheme is part of the origin: no https page lives on a plain-http port
                   f"https://localhost:{port}", f"https://127.0.0.1:{port}", f"wss://[::1]:{port}"):
        assert await _status(served, origin) == 403, origin
    refusals = [r.getMessage() for r in caplog.records if "Refusing websocket" in r.getMessage()]
    assert any(f"'http://evil.example:{port}'" in line for line in refusals)
    assert any(f"'https://localhost:{port}'" in line and f"http://localhost:{port}" in line
               for line in refusals)
    assert all("--allow-websocket-origin" in line and "AIOSERVE_ALLOW_WS_ORIGIN" in line
               for line in refusals)


async def test_behind_a_tls_proxy_the_forwarded_scheme_is_ours(start) -> None:
    """--use-xheaders: X-Forwarded-Proto / X-Scheme say which scheme the pages have."""
    served = await start(use_xheaders=True)
    port = served.server.port
    https, http = f"https://localhost:{port}", f"http://localhost:{port}"
    for header in ("X-Forwarded-Proto", "X-Scheme"):
        assert await _status(served, https, {header: "https"}) == 101, header
        assert await _status(served, http, {header: "https"}) == 403, header
    assert await _status(served, http) == 101  # no header: plain http, as we are
    assert await _status(served, https) == 403
    plain = await start()  # without --use-xheaders the headers change nothing
    assert await _status(plain, f"https://localhost:{plain.server.port}",
                         {"X-Forwarded-Proto": "https"}) == 403


async def test_a_client_without_origin_is_let_in(start) -> None:
    """Browsers always send Origin; a client without one is not a page of another site
    acting for a user (Tornado treats it the same way)."""
    served = await start()
    assert await _status(served, None) == 101


async def test_given_entries_replace_the_default(start) -> None:
    served = await start(allow_websocket_origin=("app.example.com", "tools.example:8443"))
    port = served.server.port
    assert await _status(served, "https://app.example.com") == 101  # port-less: 443 for https
    assert await _status(served, "http://app.example.com") == 101  # and 80 for http
    assert await _status(served, "https://app.example.com:8443") == 403
    assert await _status(served, "https://tools.example:8443") == 101
    assert await _status(served, "https://tools.example") == 403
    assert await _status(served, f"http://localhost:{port}") == 403


async def test_wildcards(start) -> None:
    served = await start(allow_websocket_origin=("*.example.com", "intranet:*", "10.0.*.1:80"))
    assert await _status(served, "https://a.example.com") == 101
    assert await _status(served, "https://a.b.example.com") == 101
    assert await _status(served, "https://example.com") == 403
    assert await _status(served, "https://a.example.com.evil.net") == 403
    assert await _status(served, "https://evilexample.com") == 403
    assert await _status(served, "http://intranet:1234") == 101
    assert await _status(served, "http://intranet.evil:1234") == 403
    assert await _status(served, "http://10.0.7.1") == 101
    assert await _status(served, "http://10.0.attacker.example.1") == 403
    everyone = await start(allow_websocket_origin=("*",))
    assert await _status(everyone, "https://anything.example:9") == 101


def _environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOSERVE_", "BOKEH_"))}
    return {**env, **extra}


async def _cli_status(base_url: str, origin: str) -> int:
    async with aiohttp.ClientSession() as http:
        try:
            session = await ClientSession.open(f"{base_url}/app", http=http, origin=origin)
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status
        await session.close()
        return 101


async def test_port_0_default_from_the_command_line(cli_server, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    server = cli_server("app.py")
    port = int(server.base_url.rsplit(":", 1)[1])
    assert port != 0
    assert await _cli_status(server.base_url, f"http://localhost:{port}") == 101
    assert await _cli_status(server.base_url, "http://evil.example") == 403
    line = (await server.await_for(r"Refusing websocket connection from Origin .*$"))[0][0]
    assert "'http://evil.example'" in line and "--allow-websocket-origin" in line


@pytest.mark.parametrize("via", ["env", "option", "bokeh-env"])
async def test_the_allowlist_from_the_command_line_or_environment(
        via: str, cli_server, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    entries = "app.example.com, *.corp.example:8080"
    if via == "option":
        server = cli_server("app.py", "--allow-websocket-origin", entries,
                            "--allow-websocket-origin", "other.example", env=_environ())
    else:
        variable = "AIOSERVE_ALLOW_WS_ORIGIN" if via == "env" else "BOKEH_ALLOW_WS_ORIGIN"
        server = cli_server("app.py", env=_environ(**{variable: entries + ",other.example"}))
    port = server.base_url.rsplit(":", 1)[1]
    assert await _cli_status(server.base_url, "https://app.example.com") == 101
    assert await _cli_status(server.base_url, "http://x.corp.example:8080") == 101
    assert await _cli_status(server.base_url, "https://other.example") == 101
    assert await _cli_status(server.base_url, f"http://localhost:{port}") == 403
