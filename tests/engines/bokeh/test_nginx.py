"""Two instances serving a Bokeh app behind a real nginx, configured as
docs/deploy.md ("Bokeh apps behind nginx") says.

BokehJS opens `<app>/ws` plus the page's query, without aioserve's `?session=`,
so nginx hashes a Bokeh websocket by the named session's `bokeh-session-id`
when the page had one, else by the browser: nginx's own userid module gives
each browser a route cookie on its first page (the client address stands in
when there is none). Pages go round-robin (`--lazy-sessions`: they only mint
tokens).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.deploy.test_nginx import (
    NGINX_PREAMBLE,
    _require_nginx,
    free_port,
    nginx_user,
    running_nginx,
)
from tests.engines.bokeh.test_server_features import text_of
from tests.engines.bokeh.wire import BokehWire, model_id, patch_frames

PREFIX = "/apps"
SEEN = """\
import json, os
from bokeh.io import curdoc
from bokeh.layouts import column
from bokeh.models import Div, Slider

doc = curdoc()
headers = {k.lower(): v for k, v in doc.session_context.request.headers.items()}
seen = Div(name="seen", text=json.dumps({"pid": os.getpid(),
                                         "real_ip": headers.get("x-real-ip")}))
count = Slider(start=0, end=100, step=1, value=0, name="count", title="Count")
echo = Div(name="echo", text="")
count.on_change("value", lambda attr, old, new: setattr(echo, "text", f"saw {new}"))
doc.title = "Bokeh behind nginx"
doc.add_root(column(seen, count, echo))
"""

# What docs/deploy.md shows, with test ports and paths.
NGINX_CONF = NGINX_PREAMBLE + """\
    # The browser's route cookie, or its address when it sent none...
    map $cookie_aioserve_route $bokeh_browser {{
        ''      $remote_addr;
        default $cookie_aioserve_route;
    }}
    # ...unless the websocket names its session: aioserve's apps send
    # `?session=`, and BokehJS repeats the page's query (`?bokeh-session-id=`).
    # ($arg_ cannot name an argument with dashes.)
    map $args $session_route {{
        "~(^|&)session=(?<session>[^&]+)"        $session;
        "~(^|&)bokeh-session-id=(?<named>[^&]+)" $named;
        default                                  $bokeh_browser;
    }}

    upstream bokeh_pages {{
{servers}
    }}
    upstream bokeh_sessions {{
        hash $session_route consistent;
{servers}
    }}

    server {{
        listen 127.0.0.1:{http_port};

        proxy_http_version 1.1;
        proxy_next_upstream error timeout http_503;
        # Every response gives a browser without one its route cookie.
        userid         on;
        userid_name    aioserve_route;
        userid_path    /;
        userid_expires max;

        location ~ ^{prefix}/(.+/)?ws$ {{
            proxy_pass http://bokeh_sessions;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }}
        # Browsers ask for it at the root; Bokeh's page names no other.
        location = /favicon.ico {{
            proxy_pass http://bokeh_pages;
        }}
        location {prefix}/ {{
            proxy_pass http://bokeh_pages;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    http_port: int
    instances: list[Any]  # tests/conftest.py CliServer

    def url(self, path: str = "/app") -> str:
        return f"http://127.0.0.1:{self.http_port}{PREFIX}{path}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


@pytest.fixture
def cluster(cli_server: Callable[..., Any], tmp_path: Path) -> Iterator[Cluster]:
    _require_nginx()
    (tmp_path / "app.py").write_text(SEEN)
    http_port = free_port()
    instances = [
        cli_server("app.py", "--lazy-sessions", "--use-xheaders", "--prefix", PREFIX,
                   f"--allow-websocket-origin=127.0.0.1:{http_port}", apps=0)
        for _ in range(2)]
    for instance in instances:
        instance.wait_for(r"aioserve app running at: ", within=20)
    ports = [urlsplit(i.app_urls[0]).port for i in instances]
    folder = tmp_path / "nginx"
    folder.mkdir()
    (folder / "nginx.conf").write_text(NGINX_CONF.format(
        user=nginx_user(), prefix=PREFIX, http_port=http_port,
        servers="\n".join(f"        server 127.0.0.1:{p};" for p in ports)))
    with running_nginx(folder, http_port):
        yield Cluster(http_port, instances)


class Browser:
    """One browser's cookie, sent back byte for byte as browsers do (aiohttp's
    jar would quote nginx's base64 value, which nginx then does not recognise)."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.cookie: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": self.cookie} if self.cookie else {}

    async def page(self, url: str) -> str:
        """Load the page; its token. Keeps the route cookie nginx hands out."""
        async with self.http.get(url, headers=self.headers) as response:
            assert response.status == 200, await response.text()
            html = await response.text()
            for value in response.headers.getall("Set-Cookie", []):
                if value.startswith("aioserve_route="):
                    self.cookie = value.split(";")[0]
        marker = '"token":"'
        start = html.index(marker) + len(marker)
        return html[start:html.index('"', start)]


async def connect(browser: Browser, cluster: Cluster, token: str, query: str = "") -> BokehWire:
    """The websocket as BokehJS opens it: `<app>/ws` plus the page's query string,
    the token in the subprotocols, the browser's cookies."""
    ws = await browser.http.ws_connect(cluster.url("/app/ws" + query),
                                       protocols=("bokeh", token),
                                       origin=cluster.origin, headers=browser.headers)
    wire = BokehWire(ws)
    assert (await wire.receive()).msgtype == "ACK"
    return wire


def seen(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text_of(doc, "seen"))
    return data


def slider_value(doc: dict[str, Any]) -> int:
    model = model_id(doc, "count")
    for item in doc["roots"][0]["attributes"]["children"]:
        if item["id"] == model:
            return int(item["attributes"]["value"])
    raise AssertionError(json.dumps(doc))


async def set_count(wire: BokehWire, doc: dict[str, Any], value: int) -> None:
    await wire.send_frames(*patch_frames(model_id(doc, "count"), "value", value))
    while (reply := await wire.receive()).msgtype != "OK":  # the echo's patch first
        assert reply.msgtype == "PATCH-DOC", reply.content


async def test_a_browsers_bokeh_sessions_stick_to_one_instance(cluster: Cluster) -> None:
    pids = {i.pid for i in cluster.instances}
    owners: dict[int, int] = {}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        for n in range(16):  # sixteen browsers, each with its own route cookie
            fresh = Browser(http)
            token = await fresh.page(cluster.url())
            assert fresh.cookie is not None
            wire = await connect(fresh, cluster, token)
            owners[n] = seen(await wire.pull())["pid"]
            await wire.ws.close()
    # The hash of the browsers' cookies spreads them over both instances.
    assert set(owners.values()) == pids

    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        tabs = Browser(http)
        token = await tabs.page(cluster.url())
        first = await connect(tabs, cluster, token)
        doc = await first.pull()
        owner = seen(doc)["pid"]
        assert seen(doc)["real_ip"] == "127.0.0.1"
        await set_count(first, doc, 42)
        await first.ws.close()
        for _ in range(5):  # BokehJS reconnecting with the same token
            again = await connect(tabs, cluster, token)
            doc = await again.pull()
            assert seen(doc)["pid"] == owner
            assert slider_value(doc) == 42  # the very same session, its state kept
            await again.ws.close()


async def test_a_named_bokeh_session_reaches_its_owner_from_any_browser(
        cluster: Cluster) -> None:
    """`?bokeh-session-id=NAME` is on the page's URL, and BokehJS repeats the page's
    query on its websocket: nginx hashes the name, whatever the browser."""
    name = "shared-by-browsers"
    query = f"?bokeh-session-id={name}"
    owners = set()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        for n in range(8):  # eight browsers (cookies), which alone would spread
            visitor = Browser(http)
            token = await visitor.page(cluster.url() + query)
            wire = await connect(visitor, cluster, token, query)
            doc = await wire.pull()
            owners.add(seen(doc)["pid"])
            assert slider_value(doc) == n  # each saw the change of the one before
            await set_count(wire, doc, n + 1)
            await wire.ws.close()
    assert len(owners) == 1
    # Pages went round-robin: both instances served some.
    for instance in cluster.instances:
        assert f"200 GET {PREFIX}/app" in instance.output()
