"""Server features a Bokeh app gets from the core: lazy sessions, drain with
hooks, --dev reload, metrics, health, request filtering."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.server.dev import DEV
from aioserve.server.keys import STATE
from aioserve.server.lifecycle import drain
from tests.engines.bokeh.wire import BokehWire, model_id, token_of_page, write_app
from tests.server.dev_edits import edit

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]

SHOWS = """\
from bokeh.io import curdoc
from bokeh.models import Div
doc = curdoc()
request = doc.session_context.request
doc.title = "{title}"
doc.add_root(Div(name="out", text="|".join(sorted(request.headers)) + " " +
                 ",".join(sorted(request.cookies)) + " " + ",".join(sorted(request.arguments))))
"""


async def open_wire(client: TestClientT, path: str, **headers: str) -> BokehWire:
    token = await token_of_page(client.session, str(client.make_url(path)))
    ws = await client.session.ws_connect(client.make_url(path + "/ws"),
                                         protocols=("bokeh", token), headers=headers)
    wire = BokehWire(ws)
    assert (await wire.receive()).msgtype == "ACK"
    return wire


def text_of(doc: Any, name: str) -> str:
    """The `text` of the model named `name` in a pulled document."""
    if isinstance(doc, dict):
        attributes = doc.get("attributes")
        if isinstance(attributes, dict) and attributes.get("name") == name:
            return str(attributes["text"])
        children: Any = list(doc.values())
    else:
        children = doc if isinstance(doc, list) else []
    for child in children:
        try:
            return text_of(child, name)
        except LookupError:
            continue
    raise LookupError(name)


async def test_lazy_sessions_build_the_document_at_the_websocket(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app([write_app(tmp_path)], lazy_sessions=True))
    html = await (await client.get("/app")).text()
    registry = client.server.app[STATE].apps["/app"].registry
    assert len(registry) == 0  # the page only minted a token
    assert "data-root-id" not in html and "bokeh.min.js?v=" in html
    wire = await open_wire(client, "/app")
    assert len(registry) == 1
    assert (await wire.pull())["title"] == "Bokeh test app"
    await wire.ws.close()


async def test_drain_closes_with_1001_and_runs_session_hooks(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    app = write_app(tmp_path, "hooks.py",
                    "import os\nfrom bokeh.io import curdoc\nfrom bokeh.models import Div\n"
                    "curdoc().add_root(Div(text='x'))\n"
                    "curdoc().on_session_destroyed(lambda ctx: os.environ.__setitem__("
                    "'AIOSERVE_TEST_DESTROYED', ctx.id))\n")
    client = await aiohttp_client(create_app([app]))
    wire = await open_wire(client, "/hooks")
    await wire.pull()
    state = client.server.app[STATE]
    session_id = state.apps["/hooks"].registry.sessions[0].id
    # The client reads while the server closes, as a browser does.
    code, _ = await asyncio.gather(wire.closed_with(), drain(state))
    assert code == 1001
    import os

    assert os.environ.pop("AIOSERVE_TEST_DESTROYED") == session_id
    assert (await client.get("/_aioserve/ready")).status == 503


async def test_dev_reload_serves_the_new_code_to_a_reconnecting_page(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    app = write_app(tmp_path, "live.py", SHOWS.format(title="first"))
    client = await aiohttp_client(create_app([app], dev=True))
    reloader = client.server.app[DEV]
    wire = await open_wire(client, "/live")
    assert (await wire.pull())["title"] == "first"
    code, _ = await asyncio.gather(wire.closed_with(),
                                   edit(reloader, app, SHOWS.format(title="second")))
    assert code == 1000  # BokehJS reconnects, and re-pulls
    again = await open_wire(client, "/live")
    assert (await again.pull())["title"] == "second"
    await again.ws.close()
    await edit(reloader, app, "this is not python(\n")
    # A broken edit keeps the last good code.
    third = await open_wire(client, "/live")
    assert (await third.pull())["title"] == "second"
    await third.ws.close()


async def test_the_session_sees_only_the_headers_and_cookies_allowed(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    app = write_app(tmp_path, "shows.py", SHOWS.format(title="shows"))
    client = await aiohttp_client(create_app([app], include_headers=["X-Keep"],
                                             exclude_cookies=["secret"]))
    client.session.cookie_jar.update_cookies({"secret": "1", "visible": "2"})
    async with client.session.get(client.make_url("/shows?q=1"),
                                  headers={"X-Keep": "a", "X-Drop": "b"}) as response:
        html = await response.text()
    token = html.split('"token":"')[1].split('"')[0]
    ws = await client.session.ws_connect(client.make_url("/shows/ws"),
                                         protocols=("bokeh", token))
    wire = BokehWire(ws)
    assert (await wire.receive()).msgtype == "ACK"
    assert text_of(await wire.pull(), "out") == "Cookie|X-Keep visible q"
    await ws.close()


async def test_metrics_and_health_count_bokeh_sessions(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app([write_app(tmp_path)], metrics=True))
    wire = await open_wire(client, "/app")
    doc = await wire.pull()
    from tests.engines.bokeh.wire import patch_frames

    await wire.send_frames(*patch_frames(model_id(doc, "slider"), "value", 3))
    assert [(await wire.receive()).msgtype for _ in range(2)] == ["PATCH-DOC", "OK"]
    text = await (await client.get("/_aioserve/metrics")).text()
    assert 'aioserve_sessions{app="/app"} 1.0' in text
    assert 'aioserve_websocket_connections{app="/app"} 1.0' in text
    assert re.search(r'aioserve_message_handling_seconds_count\{app="/app"\} [12]\.0', text)
    health = await (await client.get("/_aioserve/health?app=app")).json()
    assert health["status"] == "ok"
    await wire.ws.close()


async def test_https_and_wss_with_compression(tmp_path: Path) -> None:
    import ssl

    import aiohttp
    import trustme

    from aioserve.config import Config
    from aioserve.server.tls import ssl_context

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    config = Config(ssl_certfile=str(tmp_path / "cert.pem"),
                    ssl_keyfile=str(tmp_path / "key.pem"), websocket_compression_level=6)
    runner = web.AppRunner(create_app([write_app(tmp_path)], config))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context(config))
    await site.start()
    port = runner.addresses[0][1]
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusting)) as http:
            base = f"https://localhost:{port}"
            token = await token_of_page(http, f"{base}/app")
            async with http.ws_connect(f"wss://localhost:{port}/app/ws", compress=15,
                                       protocols=("bokeh", token), origin=base) as ws:
                assert ws.compress == 15  # permessage-deflate was agreed
                wire = BokehWire(ws)
                assert (await wire.receive()).msgtype == "ACK"
                assert (await wire.pull())["title"] == "Bokeh test app"
    finally:
        await runner.cleanup()


async def test_external_signed_ids_and_forwarded_https_in_autoload(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    from bokeh.util.token import generate_session_id

    secret = "s" * 44
    client = await aiohttp_client(create_app(
        [write_app(tmp_path)], session_ids="external-signed", secret_key=secret,
        use_xheaders=True))
    assert (await client.get("/app")).status == 403  # no id minted elsewhere
    assert (await client.get("/app", params={"bokeh-session-id": "made-up"})).status == 403
    signed = generate_session_id(secret_key=secret.encode(), signed=True)
    assert (await client.get("/app", params={"bokeh-session-id": signed})).status == 200
    script = await (await client.get(
        "/app/autoload.js", headers={"X-Forwarded-Proto": "https", "Host": "example.org"},
        params={"bokeh-autoload-element": "x", "bokeh-session-id": signed})).text()
    assert "https://example.org/static/js/bokeh.min.js?v=" in script


async def test_stats_lines_count_bokeh_sessions(
        tmp_path: Path, aiohttp_client: AiohttpClient, caplog: Any) -> None:
    import logging

    from aioserve.server.lifecycle import log_stats

    client = await aiohttp_client(create_app([write_app(tmp_path)]))
    wire = await open_wire(client, "/app")
    await wire.pull()
    assert (await client.get("/app")).status == 200  # a second session, never connected
    with caplog.at_level(logging.DEBUG, logger="aioserve.server"):
        log_stats(client.server.app[STATE])
    lines = [r.getMessage() for r in caplog.records]
    assert any(re.fullmatch(r"\[pid \d+\] 1 clients connected", line) for line in lines)
    assert any(re.fullmatch(r"\[pid \d+\]   /app has 2 sessions with 1 unused", line)
               for line in lines)
    await wire.ws.close()


async def test_memory_lines_count_bokehs_objects(
        tmp_path: Path, aiohttp_client: AiohttpClient, caplog: Any) -> None:
    import logging

    from aioserve.server.lifecycle import log_memory

    client = await aiohttp_client(create_app([write_app(tmp_path)]))
    assert (await client.get("/app")).status == 200
    with caplog.at_level(logging.DEBUG, logger="aioserve.server"):
        log_memory(client.server.app[STATE])
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert re.search(r"Memory usage: [\d.]+ MB \(RSS\)", text)
    assert int(re.search(r"uncollected Documents: (\d+)", text)[1]) >= 1  # type: ignore[index]
    assert int(re.search(r"uncollected Models: (\d+)", text)[1]) >= 10  # type: ignore[index]
    assert re.search(r"app modules: [1-9]", text)
