"""`aioserve serve` as a user runs it: a real process, its log, its HTTP and websocket.

Every server binds 127.0.0.1 port 0 and reports the port in its startup line;
the `cli_server` fixture (tests/conftest.py) reads it and stops the process by pid.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest

from aioserve.client import ClientSession, SessionClosed

if TYPE_CHECKING:
    from conftest import StartServer

Environ = Callable[..., dict[str, str]]

SHOW_ARGV = """\
import sys
from aioserve import curdoc
from aioserve.models import Div
curdoc().add_root(Div(text=repr(sys.argv), name="argv"))
"""
HELLO = """\
from aioserve import curdoc
from aioserve.models import Div
curdoc().title = "Hello"
curdoc().add_root(Div(text="hello", name="hello"))
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    return write(tmp_path / "hello.py", HELLO)


async def fetch(url: str, **kwargs: object) -> tuple[int, str, aiohttp.ClientResponse]:
    async with aiohttp.ClientSession() as http, http.get(url, **kwargs) as response:  # type: ignore[arg-type]
        return response.status, (await response.read()).decode(errors="replace"), response


async def until(check: Callable[[], bool], within: float = 15) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def meta(html: str, name: str) -> str:
    match = re.search(rf'<meta name="{name}" content="([^"]*)"', html)
    assert match, f"no {name} meta tag in {html[:300]}"
    return match.group(1)


# ---- startup, address, port, prefix, args, glob


async def test_startup_line_reports_the_bound_port(cli_server: StartServer, hello: Path) -> None:
    server = cli_server(str(hello))
    (url,) = server.app_urls
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/hello", url)
    assert not url.endswith(":0/hello")
    status, html, _ = await fetch(url)
    assert status == 200
    assert "<title>Hello</title>" in html


async def test_prefix_puts_every_url_under_it(cli_server: StartServer, hello: Path,
                                             tmp_path: Path) -> None:
    other = write(tmp_path / "other.py", HELLO)
    server = cli_server("--prefix", "apps/", str(hello), str(other), apps=2)
    base = server.base_url
    assert server.app_urls == [f"{base}/apps/hello", f"{base}/apps/other"]
    status, html, _ = await fetch(f"{base}/apps/hello")
    assert status == 200
    assert meta(html, "aioserve-ws") == "/apps/hello/ws"
    scripts = re.findall(r'(?:src|href)="(/[^"]*)"', html)
    assert scripts and all(url.startswith("/apps/static/") for url in scripts)
    status, index, _ = await fetch(f"{base}/apps/")
    assert status == 200
    assert 'href="/apps/hello"' in index and 'href="/apps/other"' in index
    assert (await fetch(f"{base}/hello"))[0] == 404
    assert (await fetch(f"{base}/apps/_aioserve/health"))[0] == 200
    async with await ClientSession.open(f"{base}/apps/hello") as session:
        assert session.document.find(name="hello")["text"] == "hello"


async def test_args_become_sys_argv_of_the_app(cli_server: StartServer, tmp_path: Path) -> None:
    app = write(tmp_path / "argv.py", SHOW_ARGV)
    server = cli_server(str(app), "--args", "one", "--two", "3")
    async with await ClientSession.open(server.app_urls[0]) as session:
        assert session.document.find(name="argv")["text"] == repr(["argv.py", "one", "--two", "3"])


async def test_glob_expands_patterns_in_the_server(cli_server: StartServer,
                                                  tmp_path: Path) -> None:
    write(tmp_path / "apps" / "one.py", HELLO)
    write(tmp_path / "apps" / "two.py", HELLO)
    server = cli_server("--glob", "apps/*.py", apps=2)
    assert [url.rsplit("/", 1)[1] for url in server.app_urls] == ["one", "two"]
    for url in server.app_urls:
        assert (await fetch(url))[0] == 200


async def test_no_app_serves_an_empty_document_at_the_root(cli_server: StartServer) -> None:
    server = cli_server()
    (url,) = server.app_urls
    assert url.endswith("/")
    async with await ClientSession.open(url) as session:
        assert session.document.roots == []


async def test_unix_socket(cli_server: StartServer, hello: Path, tmp_path: Path) -> None:
    path = tmp_path / "aioserve.sock"
    server = cli_server("--unix-socket", str(path), str(hello), address=False)
    assert server.app_urls == [f"http+unix://{path}/hello"]
    assert stat.S_ISSOCK(path.stat().st_mode)
    async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(path))) as http:
        async with http.get("http://localhost/hello") as response:
            assert response.status == 200
            html = await response.text()
        async with await ClientSession.connect(
                "http://localhost/hello", meta(html, "aioserve-token"), meta(html, "aioserve-ws"),
                http=http) as session:
            assert session.document.find(name="hello")["text"] == "hello"


# ---- logs


async def test_log_format_applies_to_the_startup_and_access_lines(cli_server: StartServer,
                                                                 hello: Path) -> None:
    server = cli_server("--log-format", "LOG %(levelname)s %(name)s: %(message)s", str(hello))
    assert server.find(r"^LOG INFO aioserve\.server: aioserve app running at: http://")
    await fetch(server.app_urls[0])
    await fetch(server.base_url + "/missing")
    await server.await_for(r"^LOG INFO aioserve\.access: 200 GET /hello \(127\.0\.0\.1\) "
                           r"\d+\.\d+ms$")
    await server.await_for(r"^LOG INFO aioserve\.access: 404 GET /missing \(127\.0\.0\.1\) "
                           r"\d+\.\d+ms$")


async def test_app_code_logs_through_the_server_log(cli_server: StartServer,
                                                    tmp_path: Path) -> None:
    app = write(tmp_path / "chatty.py", "import logging\n"
                "logging.getLogger(__name__).info('building a session')\n"
                "logging.getLogger('some.library').debug('too detailed')\n")
    server = cli_server("--log-format", "LOG %(levelname)s %(message)s", str(app))
    await fetch(server.app_urls[0])
    await server.await_for(r"^LOG INFO building a session$")
    assert "too detailed" not in server.output()


async def test_log_level_warning_hides_the_info_lines(cli_server: StartServer, hello: Path,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    server = cli_server("--log-level", "warning", "--unix-socket", str(path), str(hello),
                        address=False, apps=0)
    # No startup line to wait for: try until the socket accepts (it exists before it listens).
    deadline = time.monotonic() + 15
    connector = aiohttp.UnixConnector(path=str(path))
    async with aiohttp.ClientSession(connector=connector) as http:
        while True:
            try:
                async with http.get("http://localhost/hello") as response:
                    assert response.status == 200
                    break
            except (aiohttp.ClientConnectorError, FileNotFoundError):
                assert time.monotonic() < deadline, server.output()
                await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    assert "running at" not in server.output()
    assert "GET /hello" not in server.output()


async def test_log_file_receives_the_log(cli_server: StartServer, hello: Path,
                                         tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    server = cli_server("--log-file", str(log_file), str(hello), log_file=log_file)
    await fetch(server.app_urls[0])
    await server.await_for(r"200 GET /hello \(127\.0\.0\.1\)")
    text = log_file.read_text()
    assert "aioserve app running at: http://127.0.0.1:" in text
    assert "200 GET /hello" in text
    assert "running at" not in server.stderr()


async def test_stats_lines_at_debug(cli_server: StartServer, hello: Path) -> None:
    server = cli_server("--log-level", "debug", "--stats-log-frequency", "100", str(hello))
    async with await ClientSession.open(server.app_urls[0]):
        await server.await_for(rf"\[pid {server.pid}\] 1 clients connected$")
        await server.await_for(rf"\[pid {server.pid}\]   /hello has 1 sessions with 0 unused$")
    await server.await_for(rf"\[pid {server.pid}\]   /hello has 1 sessions with 1 unused$")
    await server.await_for(rf"\[pid {server.pid}\] 0 clients connected$")


async def test_stats_lines_are_debug_output_only(cli_server: StartServer, hello: Path) -> None:
    server = cli_server("--stats-log-frequency", "50", str(hello))
    await fetch(server.app_urls[0])
    await server.await_for("200 GET /hello")
    await asyncio.sleep(0.4)
    assert "clients connected" not in server.output()


async def test_memory_lines(cli_server: StartServer, hello: Path) -> None:
    server = cli_server("--mem-log-frequency", "100", str(hello))
    (match, *_) = await server.await_for(
        rf"\[pid {server.pid}\] Memory usage: (\d+\.\d\d) MB \(RSS\), (\d+\.\d\d) MB \(VMS\)$",
        count=2)
    assert 1 < float(match.group(1)) < float(match.group(2))


# ---- index and icon


async def test_root_redirects_to_the_only_app(cli_server: StartServer, hello: Path) -> None:
    server = cli_server(str(hello))
    status, _, response = await fetch(server.base_url + "/", allow_redirects=False)
    assert status == 302
    assert response.headers["Location"] == "/hello"


async def test_disable_index_redirect_lists_the_only_app(cli_server: StartServer,
                                                         hello: Path) -> None:
    server = cli_server("--disable-index-redirect", str(hello))
    status, html, _ = await fetch(server.base_url + "/", allow_redirects=False)
    assert status == 200
    assert 'href="/hello"' in html


async def test_disable_index(cli_server: StartServer, hello: Path, tmp_path: Path) -> None:
    other = write(tmp_path / "other.py", HELLO)
    server = cli_server("--disable-index", str(hello), str(other), apps=2)
    assert (await fetch(server.base_url + "/", allow_redirects=False))[0] == 404
    assert (await fetch(server.app_urls[1]))[0] == 200


async def test_index_template(cli_server: StartServer, hello: Path, tmp_path: Path) -> None:
    template = write(tmp_path / "my_index.html",
                     "<h1>My apps</h1>{% for url in items %}<a href='{{ url }}'>{{ url }}</a>"
                     "{% endfor %}{% for app in apps %}<p>{{ app.name }}</p>{% endfor %}")
    other = write(tmp_path / "other.py", HELLO)
    server = cli_server("--index", str(template), str(hello), str(other), apps=2)
    status, html, _ = await fetch(server.base_url + "/")
    assert status == 200
    assert html == ("<h1>My apps</h1><a href='/hello'>/hello</a><a href='/other'>/other</a>"
                    "<p>hello</p><p>other</p>")


async def test_favicon(cli_server: StartServer, hello: Path, tmp_path: Path) -> None:
    server = cli_server(str(hello))
    status, _, response = await fetch(server.base_url + "/favicon.ico")
    assert status == 200 and response.headers["Content-Type"] == "image/x-icon"
    icon = tmp_path / "mine.ico"
    icon.write_bytes(b"\x00\x00\x01\x00my-icon")
    server = cli_server("--ico-path", str(icon), str(hello))
    async with aiohttp.ClientSession() as http, http.get(server.base_url + "/favicon.ico") as r:
        assert r.status == 200
        assert await r.read() == icon.read_bytes()
    server = cli_server("--ico-path", "none", str(hello))
    assert (await fetch(server.base_url + "/favicon.ico"))[0] == 404


# ---- refusals


@pytest.mark.parametrize(("args", "message"), [
    (["a/x.py", "--check-unused-sessions", "0"], "--check-unused-sessions must be > 0"),
    (["a/x.py", "--unused-session-lifetime", "0"], "--unused-session-lifetime must be > 0"),
    (["a/x.py", "--stats-log-frequency", "0"], "--stats-log-frequency must be > 0"),
    (["a/x.py", "--log-level", "loud"], "'loud' is not one of"),
    (["missing.py"], "app path 'missing.py' does not exist"),
    (["a/x.py", "b/x.py"], "two apps would be served at '/x'"),
    (["nomain"], "needs a main.py or main.ipynb"),
    (["a/x.py", "--port", "abc"], "Invalid value for '--port': 'abc' is not a valid integer"),
    (["a/x.py", "--keep-alive", "-1"], "--keep-alive must be >= 0"),
    (["a/x.py", "--ssl-certfile", "missing.pem"], "'missing.pem' does not exist"),
    (["a/x.py", "--auth-module", "a/x.py"], "define exactly one of get_user"),
    (["a/x.py", "--session-ids", "signed"], "run 'aioserve secret'"),
])
def test_invalid_values_exit_with_one_line(tmp_path: Path, server_environ: Environ,
                                           args: list[str], message: str) -> None:
    write(tmp_path / "a" / "x.py", HELLO)
    write(tmp_path / "b" / "x.py", HELLO)
    (tmp_path / "nomain").mkdir()
    done = subprocess.run([sys.executable, "-m", "aioserve", "serve", "--port", "0", *args],
                          cwd=tmp_path, env=server_environ(), capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()  # one line: no usage block, no log line, no traceback
    assert line.startswith("Error: ") and message in line, line


@pytest.mark.parametrize(("args", "first_line"), [
    (["--bogus"], "Usage: aioserve serve [OPTIONS] [APPS]..."),
    (["serve-it"], "Usage: aioserve [OPTIONS] COMMAND [ARGS]..."),
])
def test_a_malformed_command_line_gets_clicks_usage_block(
        tmp_path: Path, server_environ: Environ, args: list[str], first_line: str) -> None:
    command = ["serve", *args] if args[0].startswith("-") else args
    done = subprocess.run([sys.executable, "-m", "aioserve", *command], cwd=tmp_path,
                          env=server_environ(), capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == first_line and lines[-1].startswith("Error: No such")


@pytest.mark.parametrize("procs", ["1", "2"])
def test_a_port_in_use_is_one_line_and_status_1(tmp_path: Path, server_environ: Environ,
                                                hello: Path, procs: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "aioserve", "serve", str(hello),
                               "--address", "127.0.0.1", "--port", str(port),
                               "--num-procs", procs],
                              cwd=tmp_path, env=server_environ(), capture_output=True,
                              text=True, timeout=30)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"Error: cannot listen on port {port} of 127.0.0.1: address already in use"]


# ---- --show


async def test_show_opens_each_app_without_waiting_for_the_browser(
        cli_server: StartServer, hello: Path, tmp_path: Path, server_environ: Environ) -> None:
    opened = tmp_path / "opened.txt"
    browser = write(tmp_path / "browser.sh",
                    f'#!/bin/sh\necho "$1 $$" >> {opened}\nexec sleep 30\n')
    browser.chmod(0o755)
    server = cli_server("--show", str(hello), env=server_environ(BROWSER=f"{browser} %s"))
    await until(opened.exists)
    url, pid = opened.read_text().split()
    try:
        assert url == server.app_urls[0]
        # The browser command is still running (sleeping): the server answers anyway.
        assert (await fetch(url))[0] == 200
    finally:
        os.kill(int(pid), signal.SIGKILL)


# ---- shutdown and keep-alive


HOOKS_LOG_APP = {
    "main.py": """\
from pathlib import Path
from aioserve import curdoc
from aioserve.models import Div

doc = curdoc()

def destroyed(ctx):
    with open(Path(__file__).parent / "events.txt", "a") as log:
        log.write(f"doc destroyed {ctx.id}\\n")

doc.on_session_destroyed(destroyed)
doc.add_root(Div(text="hooked", name="hooked"))
""",
    "app_hooks.py": """\
from pathlib import Path

def log(line):
    with open(Path(__file__).parent / "events.txt", "a") as events:
        events.write(line + "\\n")

def on_session_destroyed(ctx):
    log(f"app destroyed {ctx.id}")

async def on_server_unloaded(server_context):
    log("server unloaded")
""",
}


async def closed(session: ClientSession) -> SessionClosed:
    """Wait (5 s at most) until the server closes `session`'s websocket; say how."""
    with pytest.raises(SessionClosed) as info:
        await session.wait_for(lambda doc: False, timeout=5)
    return info.value


async def test_sigterm_closes_clients_with_1001_and_runs_the_hooks(
        cli_server: StartServer, tmp_path: Path) -> None:
    for name, text in HOOKS_LOG_APP.items():
        write(tmp_path / "hooked" / name, text)
    server = cli_server(str(tmp_path / "hooked"))
    async with await ClientSession.open(server.app_urls[0]) as session:
        assert await server.astop(signal.SIGTERM) == 0
        assert (await closed(session)).code == 1001
    events = (tmp_path / "hooked" / "events.txt").read_text().splitlines()
    assert events == [f"doc destroyed {session.id}", f"app destroyed {session.id}",
                      "server unloaded"]
    assert "aioserve stopped" in server.output()


async def test_keep_alive_drops_a_client_that_stops_answering_pings(
        cli_server: StartServer, hello: Path) -> None:
    server = cli_server("--keep-alive", "500", "--log-level", "debug",
                        "--stats-log-frequency", "100", str(hello))
    url = server.app_urls[0]
    async with await ClientSession.open(url, session_id="alive") as alive, \
            await ClientSession.open(url, session_id="dead", autoping=False) as dead:
        await closed(dead)
        mark = server.mark()
        # The dead client's session now has no connection; the live one still has its own.
        await server.await_for(r"/hello has 2 sessions with 1 unused$", since=mark)
        await server.await_for(r"\] 1 clients connected$", since=mark)
        assert alive.closed is None
