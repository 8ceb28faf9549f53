"""`start_server` / `AppServer`: a real server on 127.0.0.1:0, and what it can find."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

import aioserve
from aioserve.document.document import Document
from aioserve.models import Div
from aioserve.testing import AppServer, start_server


def named(text: str):  # type: ignore[no-untyped-def]
    def app(doc: Document) -> None:
        doc.add_root(Div(text=text, name="what"))

    return app


async def test_serves_on_127_0_0_1_and_a_free_port() -> None:
    async with start_server(named("x")) as server:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        async with aiohttp.ClientSession() as http, http.get(server.url + "/") as response:
            assert response.status == 200
            assert 'name="aioserve-token"' in await response.text()
    assert server.states()[0].draining  # closed on leaving the block


async def test_options_are_config_fields() -> None:
    async with start_server(named("x"), disable_index=True, keep_alive_ms=0) as server:
        (state,) = server.states()
        assert state.config.keep_alive_ms == 0 and state.config.disable_index
    with pytest.raises(TypeError, match="create_app"):
        AppServer(web.Application(), keep_alive_ms=0)


async def test_a_site_that_mounts_apps_is_searched_through() -> None:
    site = web.Application()
    site.add_subapp("/dash", aioserve.create_app({"/a": named("a"), "/b": named("b")}))
    site.add_subapp("/solo", aioserve.create_app(named("solo")))
    async with start_server(site) as server:
        assert server.routes() == ["/dash/a", "/dash/b", "/solo/"]
        with pytest.raises(ValueError, match="serves 3 apps"):
            server.default_path()
        async with server.open_session("/dash/b") as b, server.open_session("/solo/") as solo:
            assert b.find(name="what").text == "b"
            assert solo.find(name="what").text == "solo"
            dash_state, solo_state = server.states()
            assert dash_state.apps["/b"].registry.get(b.id) is b.server_session
            assert solo_state.apps["/"].registry.get(b.id) is None
            assert server.server_session("no-such-session") is None


async def test_closing_the_server_closes_the_sessions_opened_on_it() -> None:
    server = await start_server(named("x"))
    left_open = await server.open_session()
    session = left_open.server_session
    await server.close()
    assert left_open.client.closed is not None and left_open.client.http.closed
    assert session.destroyed
    await left_open.close()  # closing again is harmless
