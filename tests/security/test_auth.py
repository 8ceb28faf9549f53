"""--auth-module: its rules are checked at start-up, and without a user nothing but the
public routes answers: pages redirect to the login URL, websockets are refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from aioserve import create_app
from aioserve.errors import ConfigError

HEADER_AUTH = """
from aiohttp import web

login_url = "/login"
logout_url = "/logout"

def get_user(request):
    return request.headers.get("X-Test-User")  # a stand-in for a real check

class LoginHandler(web.View):
    async def get(self):
        return web.Response(text="login page at " + self.request.path)

class LogoutHandler(web.View):
    async def get(self):
        return web.Response(text="logged out")
"""

ASYNC_AUTH = """
async def get_user_async(request):
    return {"name": request.cookies.get("who")} if "who" in request.cookies else None

def get_login_url(request):
    return "/sso/start?app=" + request.path
"""


@pytest.fixture
def auth_file(tmp_path: Path):
    def write(text: str, name: str = "auth.py") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """A directory app with static files and a theme, to prove those are guarded too."""
    folder = tmp_path / "dirapp"
    (folder / "static").mkdir(parents=True)
    (folder / "static" / "data.txt").write_text("app data")
    (folder / "theme.css").write_text("body {}")
    (folder / "main.py").write_text("")
    return folder


RULES = [
    ("login_url = '/l'\n", "define exactly one of get_user(request) or async get_user_async"),
    ("def get_user(r): pass\nasync def get_user_async(r): pass\nlogin_url = '/l'\n",
     "define exactly one of get_user(request) or async get_user_async"),
    ("async def get_user(r): pass\nlogin_url = '/l'\n", "get_user must be a plain function"),
    ("def get_user_async(r): pass\nlogin_url = '/l'\n", "get_user_async must be an async def"),
    ("def get_user(r): pass\n", "define exactly one of login_url or get_login_url"),
    ("def get_user(r): pass\nlogin_url = '/l'\ndef get_login_url(r): pass\n",
     "define exactly one of login_url or get_login_url"),
    ("def get_user(r): pass\nlogin_url = 3\n", "login_url must be a non-empty string"),
    ("def get_user(r): pass\nget_login_url = '/l'\n", "get_login_url must be a function"),
    ("from aiohttp import web\ndef get_user(r): pass\ndef get_login_url(r): pass\n"
     "class LoginHandler(web.View): pass\n", "LoginHandler needs login_url"),
    ("from aiohttp import web\ndef get_user(r): pass\nlogin_url = 'https://sso.example/'\n"
     "class LoginHandler(web.View): pass\n", "LoginHandler can only be used with a relative"),
    ("def get_user(r): pass\nlogin_url = '/l'\nclass LoginHandler: pass\n",
     "LoginHandler must be an aiohttp class-based view"),
    ("from aiohttp import web\ndef get_user(r): pass\nlogin_url = '/l'\n"
     "class LogoutHandler(web.View): pass\n", "LogoutHandler needs logout_url"),
    ("from aiohttp import web\ndef get_user(r): pass\nlogin_url = '/l'\n"
     "logout_url = '//elsewhere/out'\nclass LogoutHandler(web.View): pass\n",
     "LogoutHandler can only be used with a relative logout_url"),
    ("def get_user(r): pass\nlogin_url = '/l'\nlogout_url = ''\n",
     "logout_url must be a non-empty string"),
    ("def get_user(r): pass\nlogin_url = '/l'\n1/0\n",
     "failed to load (line 3): ZeroDivisionError"),
]


@pytest.mark.parametrize(("text", "rule"), RULES)
def test_a_module_breaking_a_rule_is_refused(text: str, rule: str, auth_file) -> None:
    path = auth_file(text)
    with pytest.raises(ConfigError) as refused:
        create_app(None, auth_module=path)
    assert str(refused.value).startswith(f"--auth-module {path}")
    assert rule in str(refused.value)


@pytest.mark.parametrize("procs", ["1", "2"])
def test_the_command_line_refuses_with_one_line(procs: str, auth_file, tmp_path: Path) -> None:
    path = auth_file("def get_user(r): pass\n")
    (tmp_path / "app.py").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOSERVE_", "BOKEH_"))}
    done = subprocess.run([sys.executable, "-m", "aioserve", "serve", "app.py", "--port", "0",
                           "--num-procs", procs, "--auth-module", path], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    assert errors == [f"Error: --auth-module {path}: define exactly one of login_url or "
                      "get_login_url(request)"]
    assert "Traceback" not in done.stderr


async def test_without_a_user_only_public_routes_answer(start, auth_file, app_dir) -> None:
    served = await start({"/app": app_dir, "/other": app_dir}, auth_module=auth_file(HEADER_AUTH))
    alice = {"X-Test-User": "alice"}
    page = await served.page("/app", headers=alice)
    assert page.status == 200
    client_js = re.search(r'src="([^"]+/aioserve\.js)"', page.text)
    assert client_js is not None

    for path in ("/app", "/app/", "/app?x=1", "/", "/app/metadata", "/app/static/data.txt",
                 "/app/theme.css", "/other", "/app/autoload.js?aioserve-autoload-element=x"):
        refused = await served.page(path)
        assert refused.status == 302, path
        location = urlsplit(refused.headers["Location"])
        assert location.path == "/login"
        assert parse_qs(location.query)["next"] == [path]
        assert refused.headers["Cache-Control"] == "no-store"
        assert "app data" not in refused.text
    with pytest.raises(aiohttp.WSServerHandshakeError) as no_user:
        await served.handshake(page.ws_path, page.token, origin=served.origin)
    assert no_user.value.status == 403

    for path in (client_js[1], "/_aioserve/health", "/_aioserve/ready", "/favicon.ico"):
        assert (await served.page(path)).status == 200, path
    login = await served.page("/login")
    assert (login.status, login.text) == (200, "login page at /login")
    assert (await served.page("/logout")).text == "logged out"
    assert (await served.page("/nowhere")).status == 404
    async with served.http.options(served.url("/app/autoload.js"),
                                   headers={"Origin": "https://embedder.example"}) as preflight:
        assert preflight.status == 204  # a CORS preflight carries no credentials

    assert (await served.page("/app/static/data.txt", headers=alice)).text == "app data"
    assert (await served.page("/app/metadata", headers=alice)).status == 200


async def _seen_with_headers(served, path: str, headers: dict[str, str]) -> dict[str, object]:
    """Page and websocket with these headers (the public client sends none on its handshake)."""
    page = await served.page(path, headers=headers)
    ws = await served.http.ws_connect(served.url(page.ws_path), protocols=("aioserve", page.token),
                                      headers=headers)
    try:
        assert (await ws.receive_json(timeout=10))["type"] == "ack"
        await ws.send_json({"type": "pull"})
        doc = (await ws.receive_json(timeout=10))["doc"]
    finally:
        await ws.close()
    (div,) = doc["models"].values()
    return json.loads(div["props"]["text"])  # type: ignore[no-any-return]


@pytest.mark.parametrize("lazy", [False, True])
async def test_the_user_and_logout_url_reach_the_app(lazy: bool, start, auth_file,
                                                     read_seen) -> None:
    served = await start(auth_module=auth_file(HEADER_AUTH), lazy_sessions=lazy)
    seen = await _seen_with_headers(served, "/app", {"X-Test-User": "alice"})
    assert (seen["user"], seen["logout_url"]) == ("alice", "/logout")

    served = await start(auth_module=auth_file(ASYNC_AUTH, "async_auth.py"), lazy_sessions=lazy)
    served.http.cookie_jar.update_cookies({"who": "bob"})
    async with await served.session("/app") as session:
        seen = read_seen(session)
        assert (seen["user"], seen["logout_url"]) == ({"name": "bob"}, None)


async def test_a_user_is_needed_for_the_websocket_too(start, auth_file, read_seen) -> None:
    served = await start(auth_module=auth_file(ASYNC_AUTH), lazy_sessions=True)
    served.http.cookie_jar.update_cookies({"who": "carol"})
    page = await served.page("/app")
    async with await served.connect("/app", page.token, page.ws_path) as session:
        assert read_seen(session)["user"] == {"name": "carol"}
    served.http.cookie_jar.clear()
    # The token alone (leaked, say) does not get anyone in.
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await served.handshake(page.ws_path, page.token, origin=served.origin)
    assert refused.value.status == 403


async def test_get_login_url_decides_where_to_go(start, auth_file) -> None:
    served = await start(auth_module=auth_file(ASYNC_AUTH))
    refused = await served.page("/app?x=1")
    assert refused.status == 302
    assert refused.headers["Location"] == "/sso/start?app=/app"  # has a query: no next added


async def test_hook_urls_live_under_the_prefix(start, auth_file, read_seen) -> None:
    served = await start(auth_module=auth_file(HEADER_AUTH), prefix="/p")
    refused = await served.page("/p/app")
    assert refused.status == 302
    location = urlsplit(refused.headers["Location"])
    assert (location.path, parse_qs(location.query)) == ("/p/login", {"next": ["/p/app"]})
    assert (await served.page("/p/login")).text == "login page at /p/login"
    assert (await served.page("/login")).status == 404
    seen = await _seen_with_headers(served, "/p/app", {"X-Test-User": "dave"})
    assert (seen["user"], seen["logout_url"]) == ("dave", "/p/logout")


@pytest.mark.parametrize("secret", ["", "short", "x" * 31])
def test_a_short_cookie_secret_is_refused(secret: str) -> None:
    with pytest.raises(ConfigError, match="--cookie-secret must be at least 32 bytes"):
        create_app(None, cookie_secret=secret)
