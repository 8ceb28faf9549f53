"""Two aioserve instances behind a real nginx, configured as docs/deploy.md says.

Pages go round-robin; each session's websocket is routed by its `session`
query parameter (`hash $arg_session consistent`), so the instance that
receives it first owns the session (`--lazy-sessions`) and every reconnect
lands there again. nginx terminates TLS on a second port and tells the apps
the client's address and scheme (`--use-xheaders`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import re
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import trustme

from aioserve.client import ClientSession

NGINX = Path("/usr/sbin/nginx")
PREFIX = "/apps"
WS_PATH = f"{PREFIX}/app/ws"
SEEN = """\
import json, os
from aioserve import curdoc
from aioserve.models import Button, Column, Div

doc = curdoc()
headers = {k.lower(): v for k, v in doc.session_context.request.headers.items()}
seen = Div(name="seen", text=json.dumps({
    "pid": os.getpid(),
    "real_ip": headers.get("x-real-ip"),
    "forwarded_for": headers.get("x-forwarded-for"),
    "proto": headers.get("x-forwarded-proto"),
    "host": headers.get("host"),
}))
count = Div(name="count", text="0")
add = Button(label="Add")

def added():
    count.text = str(int(count.text) + 1)

add.on_click(added)
doc.add_root(Column(seen, count, add))
"""

# What every test nginx runs with: in the test's folder, in the foreground, one worker;
# the `http` block goes on with the recipe (docs/deploy.md) a test checks.
NGINX_PREAMBLE = """\
daemon off;
worker_processes 1;
{user}
pid nginx.pid;
error_log error.log info;
events {{ worker_connections 256; }}

http {{
    access_log access.log;
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
"""

NGINX_CONF = NGINX_PREAMBLE + """

    # Pages only mint tokens under --lazy-sessions: any instance will do.
    upstream aioserve_pages {{
{servers}
    }}
    # A session's websockets all go to the instance that owns it.
    upstream aioserve_sessions {{
        hash $arg_session consistent;
{servers}
    }}

    server {{
        listen 127.0.0.1:{http_port};
{listen_v6}
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate cert.pem;
        ssl_certificate_key key.pem;

        proxy_http_version 1.1;
        # A draining instance answers 503: try another one.
        proxy_next_upstream error timeout http_503;

        location ~ ^{prefix}/(.+/)?ws$ {{
            proxy_pass http://aioserve_sessions;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }}
        location {prefix}/ {{
            proxy_pass http://aioserve_pages;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def _require_nginx() -> None:
    if NGINX.exists():
        return
    message = f"{NGINX} is missing: run `make nginx` (apt-get install -y nginx)"
    if os.environ.get("AIOSERVE_REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
        pytest.fail(f"{message}; it is required here", pytrace=False)
    pytest.skip(message)


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def has_ipv6_loopback() -> bool:
    try:
        free_port("::1")
    except OSError:
        return False
    return True


def wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"nginx exited ({proc.returncode}):\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nginx did not listen on {port}:\n{log.read_text()}")


def nginx_user() -> str:
    """The conf's `user` line: as root nginx would switch its worker to "nobody",
    which cannot enter tmp_path."""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""


@contextlib.contextmanager
def running_nginx(folder: Path, http_port: int) -> Iterator[subprocess.Popen[bytes]]:
    """nginx with `folder`/nginx.conf, listening on `http_port`; stopped after, by its pid."""
    proc = subprocess.Popen([str(NGINX), "-p", str(folder), "-c", str(folder / "nginx.conf")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_listening(http_port, proc, folder / "error.log")
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGQUIT)  # graceful stop, by its pid
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(5)


@dataclass
class Cluster:
    http_port: int
    https_port: int
    ipv6: bool
    instances: list[Any]  # tests/conftest.py CliServer
    tls: ssl.SSLContext

    def url(self, path: str = "/app", *, tls: bool = False, v6: bool = False) -> str:
        host = "[::1]" if v6 else "127.0.0.1"
        scheme, port = ("https", self.https_port) if tls else ("http", self.http_port)
        return f"{scheme}://{host}:{port}{PREFIX}{path}"

    def origin(self, *, tls: bool = False) -> str:
        return self.url("", tls=tls).removesuffix(PREFIX)

    def instance_of(self, pid: int) -> Any:
        (found,) = [i for i in self.instances if i.pid == pid]
        return found


@pytest.fixture
def cluster(cli_server: Callable[..., Any], tmp_path: Path) -> Iterator[Cluster]:
    _require_nginx()
    (tmp_path / "app.py").write_text(SEEN)
    http_port, https_port = free_port(), free_port()
    ipv6 = has_ipv6_loopback()
    origins = [f"127.0.0.1:{http_port}", f"127.0.0.1:{https_port}", f"[::1]:{http_port}"]
    instances = [  # started together, then waited for
        cli_server("app.py", "--lazy-sessions", "--use-xheaders", "--prefix", PREFIX,
                   "--metrics", *(f"--allow-websocket-origin={o}" for o in origins), apps=0)
        for _ in range(2)]
    for instance in instances:
        instance.wait_for(r"aioserve app running at: ", within=20)
    ports = [urlsplit(i.app_urls[0]).port for i in instances]

    folder = tmp_path / "nginx"
    folder.mkdir()
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    (folder / "nginx.conf").write_text(NGINX_CONF.format(
        user=nginx_user(), prefix=PREFIX, http_port=http_port, https_port=https_port,
        listen_v6=f"        listen [::1]:{http_port};" if ipv6 else "",
        servers="\n".join(f"        server 127.0.0.1:{p};" for p in ports)))
    with running_nginx(folder, http_port):
        tls = ssl.create_default_context()
        ca.configure_trust(tls)
        yield Cluster(http_port, https_port, ipv6, instances, tls)


async def page_token(http: aiohttp.ClientSession, url: str, **query: str) -> str:
    """Load the app's page (any instance may answer) and read its token."""
    async with http.get(url, params=query) as response:
        assert response.status == 200, await response.text()
        html = await response.text()
    match = re.search(r'<meta name="aioserve-token" content="([^"]*)"', html)
    assert match, html
    return unescape(match.group(1))


def seen(session: ClientSession) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(session.document.find(name="seen")["text"])
    return data


def count(session: ClientSession) -> str:
    return str(session.document.find(name="count")["text"])


async def session_gauges(http: aiohttp.ClientSession, instance: Any) -> float:
    """Live sessions of /app on one instance, scraped from it directly."""
    async with http.get(f"{instance.base_url}{PREFIX}/_aioserve/metrics") as response:
        text = await response.text()
    match = re.search(r'^aioserve_sessions\{app="/app"\} (\S+)$', text, re.MULTILINE)
    assert match, text
    return float(match.group(1))


async def test_sessions_stick_to_their_owner_through_nginx(cluster: Cluster) -> None:
    pids = {i.pid for i in cluster.instances}
    origin = cluster.origin()
    async with aiohttp.ClientSession() as http:
        owners: dict[str, int] = {}
        for n in range(16):
            session = await ClientSession.open(cluster.url(), session_id=f"sticky-{n}",
                                               http=http, origin=origin)
            owners[session.id] = seen(session)["pid"]
            await session.close()
        # The consistent hash spreads sessions over both instances...
        assert set(owners.values()) == pids
        # ...and each was built once, by its owner only (lazy sessions).
        assert sum([await session_gauges(http, i) for i in cluster.instances]) == len(owners)

        # One session: change its state, then come back to it in every way a page can.
        name = "sticky-0"
        token = await page_token(http, cluster.url(), **{"aioserve-session-id": name})
        first = await ClientSession.connect(cluster.url(), token, WS_PATH, http=http,
                                            origin=origin)
        owner = seen(first)["pid"]
        instance = first.messages[0]["instance"]
        for _ in range(3):
            await first.click(first.document.find(label="Add"))
        await first.wait_for(lambda doc: doc.find(name="count")["text"] == "3")
        seq = first.seq
        await first.close()
        for _ in range(5):  # websocket reconnects with the same token, resuming
            again = await ClientSession.connect(cluster.url(), token, WS_PATH, http=http,
                                                origin=origin, resume_since=seq)
            assert again.messages[0]["instance"] == instance  # the very same session
            assert again.messages[-1]["type"] == "resumed"
            assert "doc" not in [m["type"] for m in again.messages]
            await again.close()
        # A new page for the same session (its page request may reach either instance).
        for _ in range(4):
            tab = await ClientSession.open(cluster.url(), session_id=name, http=http,
                                           origin=origin)
            assert seen(tab)["pid"] == owner
            assert count(tab) == "3"
            await tab.close()
    # Pages were spread round-robin: both instances served page requests.
    for instance in cluster.instances:
        assert re.search(rf"200 GET {PREFIX}/app\?aioserve-session-id=", instance.output())


async def test_the_app_sees_the_client_address_and_scheme(cluster: Cluster) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=cluster.tls)) as http:
        secure = await ClientSession.open(cluster.url(tls=True), http=http,
                                          origin=cluster.origin(tls=True))
        info = seen(secure)
        assert info["proto"] == "https"
        assert info["real_ip"] == "127.0.0.1"
        assert info["host"] == f"127.0.0.1:{cluster.https_port}"
        await secure.close()

        # autoload.js through the TLS port builds wss:// and https:// URLs for the browser.
        async with http.get(cluster.url("/app/autoload.js", tls=True),
                            params={"bokeh-autoload-element": "x"}) as response:
            script = await response.text()
        assert f'"wsUrl": "wss://127.0.0.1:{cluster.https_port}{PREFIX}/app/ws"' in script
        assert f'"https://127.0.0.1:{cluster.https_port}{PREFIX}/static/' in script

        if not cluster.ipv6:
            pytest.skip("no IPv6 loopback here to tell the client from the proxy")
        # Over IPv6 the client (::1) and nginx's own connections (127.0.0.1) differ.
        plain = await ClientSession.open(cluster.url(v6=True), http=http,
                                         origin=f"http://[::1]:{cluster.http_port}")
        info = seen(plain)
        assert info["proto"] == "http"
        assert info["real_ip"] == "::1"
        assert info["forwarded_for"] == "::1"
        await plain.close()
    # The access lines name the client, not nginx: the page's, and the websocket's
    # (written when it closes) on the session's owner.
    deadline = time.monotonic() + 10
    while True:
        logs = "".join(i.output() for i in cluster.instances)
        page_line = re.search(rf"200 GET {PREFIX}/app \(::1\)", logs)
        ws_line = re.search(rf"101 GET {PREFIX}/app/ws\?session={plain.id} \(::1\)", logs)
        if page_line and ws_line:
            break
        assert time.monotonic() < deadline, logs
        await asyncio.sleep(0.05)


async def test_a_drained_instance_sends_its_clients_to_the_other(cluster: Cluster) -> None:
    origin = cluster.origin()
    async with aiohttp.ClientSession() as http:
        token = await page_token(http, cluster.url())
        session = await ClientSession.connect(cluster.url(), token, WS_PATH, http=http,
                                              origin=origin)
        owner = cluster.instance_of(seen(session)["pid"])
        instance = session.messages[0]["instance"]  # from the ack: which session object
        await owner.astop(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while session.closed is None:
            assert time.monotonic() < deadline, "no close from the draining instance"
            await asyncio.sleep(0.02)
        assert session.closed.code == 1001
        await session.close()
        # The client reconnects with the same token. nginx finds the owner gone and
        # the session's hash moves to the survivor, which builds the session afresh
        # from the token; its ack names a new instance, so a browser pulls.
        moved = await ClientSession.connect(cluster.url(), token, WS_PATH, http=http,
                                            origin=origin)
        try:
            assert seen(moved)["pid"] != owner.pid
            assert moved.messages[0]["instance"] != instance
            assert moved.id == session.id
            assert count(moved) == "0"
        finally:
            await moved.close()
