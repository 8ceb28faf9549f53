"""A Bokeh app served by `aioserve serve` as a user runs it, over the transports
the core offers: keep-alive pings on its websocket, and a unix socket."""

from __future__ import annotations

import asyncio
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp import WSMsgType

from tests.engines.bokeh.wire import BokehWire, token_of_page, write_app

if TYPE_CHECKING:
    from conftest import StartServer


async def open_wire(http: aiohttp.ClientSession, base: str, app: str, *,
                    session_id: str | None = None, autoping: bool = True) -> BokehWire:
    page = f"{base}{app}" + (f"?bokeh-session-id={session_id}" if session_id else "")
    token = await token_of_page(http, page)
    ws = await http.ws_connect(f"{base}{app}/ws", protocols=("bokeh", token),
                               autoping=autoping)
    wire = BokehWire(ws)
    assert (await wire.receive()).msgtype == "ACK"
    return wire


async def test_keep_alive_pings_an_idle_bokeh_websocket_and_drops_a_dead_peer(
        cli_server: StartServer, tmp_path: Path) -> None:
    write_app(tmp_path)
    server = cli_server("--keep-alive", "500", "--log-level", "debug",
                        "--stats-log-frequency", "100", "app.py")
    base = server.base_url
    async with aiohttp.ClientSession() as http:
        alive = await open_wire(http, base, "/app", session_id="alive", autoping=False)
        dead = await open_wire(http, base, "/app", session_id="dead", autoping=False)
        assert (await alive.pull())["title"] == "Bokeh test app"
        assert (await dead.pull())["title"] == "Bokeh test app"
        # The live peer answers each ping by hand (so we count them); the dead one
        # reads nothing, as a peer behind a vanished network would.
        pings = 0
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                frame = await asyncio.wait_for(alive.ws.receive(), deadline - time.monotonic())
            except TimeoutError:
                break
            assert frame.type is WSMsgType.PING, frame
            pings += 1
            await alive.ws.pong(frame.data)
        # 3 s idle at --keep-alive 500 ms: a ping every ~0.5 s, and still open.
        assert pings >= 3
        assert not alive.ws.closed
        assert (await alive.pull())["title"] == "Bokeh test app"
        # The dead peer never answered: the server dropped it...
        frame = await asyncio.wait_for(dead.ws.receive(), 5)
        while frame.type is WSMsgType.PING:  # the pings it sent before giving up
            frame = await asyncio.wait_for(dead.ws.receive(), 5)
        assert frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING), frame
        # ...so its session has no connection now and ages; the live one keeps its own.
        mark = server.mark()
        await server.await_for(r"/app has 2 sessions with 1 unused$", since=mark)
        await server.await_for(r"\] 1 clients connected$", since=mark)
        await alive.ws.close()
        await dead.ws.close()


async def test_a_bokeh_app_over_a_unix_socket(cli_server: StartServer, tmp_path: Path) -> None:
    write_app(tmp_path)
    path = tmp_path / "aioserve.sock"
    server = cli_server("--unix-socket", str(path), "app.py", address=False)
    assert server.app_urls == [f"http+unix://{path}/app"]
    assert stat.S_ISSOCK(path.stat().st_mode)
    connector = aiohttp.UnixConnector(path=str(path))
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.get("http://localhost/app") as response:
            assert response.status == 200
            html = await response.text()
            assert response.headers["Cache-Control"] == "no-store"
        # The page's BokehJS comes over the socket too.
        script = html.split('src="')[1].split('"')[0]
        assert "/static/js/bokeh.min.js?v=" in script
        async with http.get(f"http://localhost{script}") as response:
            assert response.status == 200
            assert "Bokeh" in await response.text()
        # A browser on this host sends Origin: http://localhost (the default allows it).
        wire = await open_wire(http, "http://localhost", "/app")
        doc = await wire.pull()
        assert doc["title"] == "Bokeh test app"
        await wire.ws.close()
        token = await token_of_page(http, "http://localhost/app")
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect("http://localhost/app/ws", origin="http://evil.example",
                                  protocols=("bokeh", token))
        assert refused.value.status == 403


async def test_bokeh_pull_session_over_a_unix_socket(cli_server: StartServer,
                                                     tmp_path: Path) -> None:
    """`bokeh.client.pull_session` speaks TCP only (Tornado's client); over a unix
    socket the same pull is Bokeh's protocol on aiohttp's UnixConnector."""
    write_app(tmp_path)
    path = tmp_path / "b.sock"
    cli_server("--unix-socket", str(path), "app.py", address=False)
    async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(path))) as http:
        wire = await open_wire(http, "http://localhost", "/app", session_id="shared")
        from bokeh.document import Document

        doc = Document.from_json(await wire.pull())  # type: ignore[arg-type]
        assert doc.title == "Bokeh test app"
        assert doc.get_model_by_name("label").text == "value 1"  # type: ignore[union-attr]
        await wire.ws.close()
