"""--use-xheaders: behind a proxy, the forwarded address and scheme reach the app, the
redirects and the access log; without the flag the same headers change nothing."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

MAIN = """
import html
import json
from aioserve import curdoc
from aioserve.models import Div
curdoc().add_root(Div(name="seen", text=json.dumps(curdoc().session_context.token_payload["seen"])))
"""
HOOKS = """
def process_request(request):
    return {"seen": {"remote": request.remote, "scheme": request.scheme,
                     "url": str(request.url)}}
"""
SSO = """
def get_user(request):
    return None

def get_login_url(request):
    return "https://sso.example/login"
"""
PROXIED = {"X-Forwarded-For": "198.51.100.66, 203.0.113.9", "X-Forwarded-Proto": "https"}


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIOSERVE_", "BOKEH_"))}


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "main.py").write_text(MAIN)
    (folder / "app_hooks.py").write_text(HOOKS)
    return folder


async def _seen(base_url: str, headers: dict[str, str]) -> dict[str, str]:
    """What the app saw of a page request and websocket that came through a proxy."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}/app", headers=headers) as response:
            text = await response.text()
        meta = dict(re.findall(r'<meta name="(aioserve-[a-z]+)" content="([^"]*)"', text))
        ws_path, token = meta["aioserve-ws"], html.unescape(meta["aioserve-token"])
        assert ws_path.startswith("/")  # a path: the browser picks ws: or wss: as it sees it
        ws = await http.ws_connect(f"{base_url}{ws_path}", protocols=("aioserve", token),
                                   headers=headers)
        try:
            assert json.loads((await ws.receive(timeout=10)).data)["type"] == "ack"
            await ws.send_json({"type": "pull"})
            doc = json.loads((await ws.receive(timeout=10)).data)["doc"]
        finally:
            await ws.close()
    (div,) = doc["models"].values()
    return json.loads(div["props"]["text"])  # type: ignore[no-any-return]


async def test_forwarded_address_and_scheme_reach_the_app_and_the_log(cli_server,
                                                                      app_dir: Path) -> None:
    server = cli_server(str(app_dir), "--use-xheaders", env=_environ())
    seen = await _seen(server.base_url, PROXIED)
    # The last X-Forwarded-For entry is the one our proxy added; the first is the client's claim.
    assert seen["remote"] == "203.0.113.9"
    assert seen["scheme"] == "https" and seen["url"].startswith("https://")
    await server.await_for(r"^.*200 GET /app \(203\.0\.113\.9\) [0-9.]+ms$")
    await server.await_for(r"^.*101 GET /app/ws \(203\.0\.113\.9\) [0-9.]+ms$")
    assert "198.51.100.66" not in server.output()

    seen = await _seen(server.base_url, {**PROXIED, "X-Real-Ip": "192.0.2.5", "X-Scheme": "http"})
    assert seen == {**seen, "remote": "192.0.2.5", "scheme": "http"}
    await server.await_for(r"^.*200 GET /app \(192\.0\.2\.5\) ")

    # Not an address: ignored, rather than written to the log as it came.
    seen = await _seen(server.base_url, {"X-Forwarded-For": "evil\u2028text", "X-Scheme": "gopher"})
    assert seen["remote"] == "127.0.0.1" and seen["scheme"] == "http"


async def test_without_the_flag_forwarded_headers_are_ignored(cli_server, app_dir: Path) -> None:
    server = cli_server(str(app_dir), env=_environ())
    seen = await _seen(server.base_url, {**PROXIED, "X-Real-Ip": "192.0.2.5"})
    assert seen["remote"] == "127.0.0.1"
    assert seen["scheme"] == "http" and seen["url"].startswith("http://")
    await server.await_for(r"^.*200 GET /app \(127\.0\.0\.1\) ")
    assert "203.0.113.9" not in server.output() and "192.0.2.5" not in server.output()


@pytest.mark.parametrize(("flag", "scheme"), [(True, "https"), (False, "http")])
async def test_the_way_back_from_a_login_service_keeps_the_scheme(
        flag: bool, scheme: str, cli_server, app_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "sso.py").write_text(SSO)
    server = cli_server(str(app_dir), "--auth-module", str(tmp_path / "sso.py"),
                        *(["--use-xheaders"] if flag else []), env=_environ())
    async with aiohttp.ClientSession() as http, http.get(
            f"{server.base_url}/app?x=1", headers=PROXIED, allow_redirects=False) as response:
        assert response.status == 302
        location = response.headers["Location"]
    assert location.startswith("https://sso.example/login?next=")
    back = parse_qs(urlsplit(location).query)["next"][0]
    assert back == f"{scheme}://{urlsplit(server.base_url).netloc}/app?x=1"
