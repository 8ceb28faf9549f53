"""create_app inside another aiohttp application: URLs under the mount point, owned
tasks, independent instances, and `serve()` with a shutdown trigger."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import aioserve
from aioserve.client import ClientSession, SessionClosed
from aioserve.document.document import Document
from aioserve.models import Div, Slider
from aioserve.testing import start_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def echo_app(doc: Document) -> None:
    slider = Slider(start=0, end=10, step=1, value=1, name="n")
    shown = Div(text="1", name="shown")
    slider.on_change("value", lambda attr, old, new: setattr(shown, "text", f"{new:g}"))
    doc.add_root(slider)
    doc.add_root(shown)


def site_with(**mounts: web.Application) -> web.Application:
    site = web.Application()

    async def home(request: web.Request) -> web.Response:
        return web.Response(text="the site's own home")

    site.router.add_get("/", home)
    for name, sub in mounts.items():
        site.add_subapp(f"/{name}", sub)
    return site


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, str, aiohttp.ClientResponse]:
    async with http.get(url, allow_redirects=False) as response:
        return response.status, await response.text(errors="replace"), response


async def test_every_url_of_a_page_is_under_the_mount_point() -> None:
    dash = aioserve.create_app([EXAMPLES / "sliders.py", EXAMPLES / "dashboard"])
    async with start_server(site_with(dash=dash)) as server, aiohttp.ClientSession() as http:
        base = server.url
        assert (await get(http, base + "/"))[1] == "the site's own home"
        status, index, _ = await get(http, base + "/dash/")
        assert status == 200
        assert 'href="/dash/sliders"' in index and 'href="/dash/dashboard"' in index
        status, page, _ = await get(http, base + "/dash/dashboard")
        assert status == 200
        urls = re.findall(r'(?:href|src|content)="(/[^"]*)"', page)
        assert urls and all(u.startswith("/dash/") for u in urls), urls
        assert '<meta name="aioserve-ws" content="/dash/dashboard/ws">' in page
        for url in urls:  # the client's JS and CSS, the theme
            if not url.endswith("/ws"):
                assert (await get(http, base + url))[0] == 200, url
        assert (await get(http, base + "/dash/dashboard/static/logo.svg"))[0] == 200
        status, body, _ = await get(http, base + "/dash/sliders/metadata")
        assert status == 200 and '"url": "/dash/sliders"' in body
        assert (await get(http, base + "/dash/favicon.ico"))[0] == 200
        assert (await get(http, base + "/dash/_aioserve/health"))[0] == 200


async def test_the_bare_mount_point_redirects_and_keeps_the_query() -> None:
    solo = aioserve.create_app(echo_app)
    async with start_server(site_with(solo=solo)) as server, aiohttp.ClientSession() as http:
        status, _, response = await get(http, server.url + "/solo?aioserve-session-id=abc")
        assert status == 302
        assert response.headers["Location"] == "/solo/?aioserve-session-id=abc"
        status, _, response = await get(http, server.url + "/solo/")
        assert status == 200  # a single root app is served at the mount point itself


async def test_a_single_app_index_redirects_under_the_mount_point() -> None:
    dash = aioserve.create_app([EXAMPLES / "sliders.py"])
    async with start_server(site_with(dash=dash)) as server, aiohttp.ClientSession() as http:
        status, _, response = await get(http, server.url + "/dash/")
        assert status == 302 and response.headers["Location"] == "/dash/sliders"


async def test_sessions_work_through_the_mount_point() -> None:
    site = site_with(a=aioserve.create_app({"/echo": echo_app}),
                     b=aioserve.create_app(echo_app, lazy_sessions=True))
    async with start_server(site) as server:
        for path in ("/a/echo", "/b/"):
            async with server.open_session(path) as s:
                await s.set(s.find(name="n"), value=4)
                await s.settled()
                assert s.find(name="shown").text == "4"


async def test_two_instances_in_one_process_keep_to_themselves() -> None:
    one, two = aioserve.create_app(echo_app), aioserve.create_app(echo_app)
    async with (start_server(site_with(one=one, two=two)) as server,
                server.open_session("/one/", session_id="same") as a,
                server.open_session("/two/", session_id="same") as b):
        assert a.server_session is not b.server_session
        await a.set(a.find(name="n"), value=9)
        await a.settled()
        await b.settled()
        assert b.find(name="shown").text == "1"  # a session of the other instance
        state_one, state_two = server.states()
        assert len(state_one.apps["/"].registry) == len(state_two.apps["/"].registry) == 1
        assert state_one.connections.isdisjoint(state_two.connections)


async def test_stopping_one_server_leaves_another_running() -> None:
    async with start_server(echo_app) as other, start_server(echo_app) as doomed:
        keep = await other.open_session()
        async with ClientSession.open(doomed.url + "/") as gone:
            await doomed.close()
            with pytest.raises(SessionClosed) as closed:
                await gone.wait_for(lambda doc: False, timeout=5)
            assert closed.value.code == 1001
        await keep.set(keep.find(name="n"), value=2)
        await keep.settled()
        assert keep.find(name="shown").text == "2"


async def test_background_tasks_live_and_die_with_the_parent_app() -> None:
    before = asyncio.all_tasks()
    sub = aioserve.create_app(echo_app, check_unused_sessions_ms=20,
                              unused_session_lifetime_ms=20)
    server = await start_server(site_with(sub=sub))
    try:
        assert len(asyncio.all_tasks() - before) >= 2  # the reaper and stats loops run
        async with server.open_session("/sub/") as s:
            session = s.server_session
        registry = server.states()[0].apps["/"].registry
        for _ in range(200):  # the reaper, started by the parent's runner, ends it
            if not len(registry):
                break
            await asyncio.sleep(0.01)
        assert session.destroyed and not len(registry)
    finally:
        await server.close()
    await asyncio.sleep(0)
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert left == set(), left


async def test_serve_runs_until_its_shutdown_trigger() -> None:
    stop = asyncio.Event()
    ready: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    config = aioserve.Config(port=0, address="127.0.0.1")
    serving = asyncio.create_task(aioserve.serve({"/echo": echo_app}, config,
                                                 shutdown_trigger=stop.wait,
                                                 on_ready=ready.set_result))
    (url,) = await asyncio.wait_for(ready, 10)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/echo", url) and not url.endswith(":0/echo")
    async with ClientSession.open(url) as client:
        await client.set(client.document.find(name="n"), "value", 3)
        await client.wait_for(lambda doc: doc.find(name="shown").text == "3", timeout=5)
        stop.set()
        await asyncio.wait_for(serving, 10)
        with pytest.raises(SessionClosed) as closed:
            await client.wait_for(lambda doc: False, timeout=5)
        assert closed.value.code == 1001  # drained: clients are told to go elsewhere
