"""A Bokeh app's page, autoload.js and BokehJS files, under every mount."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from bokeh.application import Application as BokehApplication
from bokeh.application.handlers import FunctionHandler
from bokeh.client import pull_session
from bokeh.models import Div

from aioserve import create_app
from tests.engines.bokeh.wire import BokehWire, token_of_page, write_app

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]
SCRIPT_SRC = re.compile(r'<script src="([^"]+)"')


async def scripts_load(client: TestClientT, html: str, prefix: str = "") -> list[str]:
    sources = SCRIPT_SRC.findall(html)
    assert any("/static/js/bokeh.min.js?v=" in s for s in sources), sources
    for src in sources:
        assert src.startswith(prefix + "/static/js/"), src
        response = await client.get(src)
        assert response.status == 200, src
        assert "javascript" in response.headers["Content-Type"]
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert len(await response.read()) > 1000
    return sources


async def test_the_page_loads_bokehjs_from_this_server(tmp_path: Path,
                                                      aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app([write_app(tmp_path)]))
    response = await client.get("/app")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"  # it carries a token
    html = await response.text()
    assert "<title>Bokeh test app</title>" in html
    assert "data-root-id=" in html
    sources = await scripts_load(client, html)
    assert {"bokeh", "bokeh-widgets"} <= {s.split("/")[-1].split(".")[0] for s in sources}


async def test_pull_session_reads_the_document(tmp_path: Path,
                                               aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app([write_app(tmp_path)]))
    url = str(client.make_url("/app"))

    def pull() -> tuple[str, list[str]]:
        session = pull_session(url=url)
        try:
            return session.document.title, [
                m.text for m in session.document.select({"type": Div})]
        finally:
            session.close()

    title, texts = await asyncio.to_thread(pull)
    assert (title, texts) == ("Bokeh test app", ["value 1"])


async def test_prefix_and_subapp_mounts_carry_every_url(tmp_path: Path,
                                                       aiohttp_client: AiohttpClient) -> None:
    parent = web.Application()
    parent.add_subapp("/dash", create_app([write_app(tmp_path)], prefix="/p"))
    client = await aiohttp_client(parent)
    html = await (await client.get("/dash/p/app")).text()
    await scripts_load(client, html, prefix="/dash/p")
    token = await token_of_page(client.session, str(client.make_url("/dash/p/app")))
    ws = await client.session.ws_connect(client.make_url("/dash/p/app/ws"),
                                         protocols=("bokeh", token))
    wire = BokehWire(ws)
    assert (await wire.receive()).msgtype == "ACK"
    assert (await wire.pull())["title"] == "Bokeh test app"
    await ws.close()
    metadata = await (await client.get("/dash/p/app/metadata")).json()
    assert metadata == {"url": "/dash/p/app", "data": {}}


async def test_create_app_takes_bokeh_applications_and_handlers(
        aiohttp_client: AiohttpClient) -> None:
    def app(doc: Any) -> None:
        doc.title = "from a function"
        doc.add_root(Div(text=f"user {doc.session_context.user}"))

    client = await aiohttp_client(create_app({
        "/application": BokehApplication(FunctionHandler(app), metadata={"kind": "demo"}),
        "/handler": FunctionHandler(app)}))
    for path in ("/application", "/handler"):
        html = await (await client.get(path)).text()
        assert "<title>from a function</title>" in html
    assert (await (await client.get("/application/metadata")).json())["data"] == {"kind": "demo"}
    index = await (await client.get("/")).text()
    assert "/application" in index and "/handler" in index


async def test_autoload_js_mounts_the_session_into_the_element(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app([write_app(tmp_path)]))
    base = str(client.make_url("")).rstrip("/")
    response = await client.get(
        "/app/autoload.js", params={"bokeh-autoload-element": "here", "bokeh-app-path": "/app",
                                    "bokeh-absolute-url": base + "/app"})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = await response.text()
    assert '"here"' in body and '"token":' in body
    assert f"{base}/static/js/bokeh.min.js?v=" in body
    missing = await client.get("/app/autoload.js")
    assert missing.status == 400


async def test_a_failing_bokeh_app_shows_its_error_and_the_server_goes_on(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    broken = write_app(tmp_path, "broken.py", "from bokeh.io import curdoc\n1 / 0\n")
    client = await aiohttp_client(create_app([broken, write_app(tmp_path)]))
    response = await client.get("/broken")
    assert response.status == 500
    html = await response.text()
    assert "ZeroDivisionError" not in html and "Error id <code>" in html  # private
    assert (await client.get("/app")).status == 200
    client = await aiohttp_client(create_app([broken], show_errors=True))
    assert "ZeroDivisionError" in await (await client.get("/broken")).text()


async def test_autoload_without_an_app_path_connects_to_this_app(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    parent = web.Application()
    parent.add_subapp("/dash", create_app([write_app(tmp_path)]))
    client = await aiohttp_client(parent)
    body = await (await client.get("/dash/app/autoload.js",
                                   params={"bokeh-autoload-element": "here"})).text()
    assert '"/dash/app"' in body  # BokehJS opens /dash/app/ws, not /ws


async def test_extension_files_are_served_from_their_folder_only(
        tmp_path: Path, aiohttp_client: AiohttpClient, monkeypatch: Any) -> None:
    from bokeh.embed import bundle

    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "myext.js").write_text("console.log('my extension')")
    (tmp_path / "secret.txt").write_text("not for you")
    monkeypatch.setitem(bundle.extension_dirs, "myext", dist)
    client = await aiohttp_client(create_app([write_app(tmp_path)]))
    response = await client.get("/static/extensions/myext/myext.js")
    assert response.status == 200 and "my extension" in await response.text()
    assert (await client.get("/static/extensions/myext/%2E%2E/secret.txt")).status == 404
    assert (await client.get("/static/extensions/nope/x.js")).status == 404
    assert (await client.get("/static/js/bokeh.min.js")).status == 200


TEMPLATED_MAIN = """\
from bokeh.io import curdoc
from bokeh.models import Div
curdoc().add_root(Div(text="left", name="left"))
curdoc().add_root(Div(text="right", name="right"))
"""


async def test_lazy_pages_keep_the_apps_template_with_places_for_named_roots(
        tmp_path: Path, aiohttp_client: AiohttpClient, caplog: Any) -> None:
    folder = tmp_path / "framed"
    (folder / "templates").mkdir(parents=True)
    write_app(folder, "main.py", TEMPLATED_MAIN)
    (folder / "templates" / "index.html").write_text(
        "{% extends base %}{% block contents %}<h1>Framed</h1>"
        "<div class='l'>{{ embed(roots.left) }}</div>"
        "<div class='r'>{{ embed(roots.right) }}</div>{% endblock %}")
    client = await aiohttp_client(create_app([folder], lazy_sessions=True))
    html = await (await client.get("/framed")).text()
    assert "<h1>Framed</h1>" in html
    places = re.findall(r"<div class='(\w)'><div id=\"([\w-]+)\" style=\"display: contents;\">",
                        html)
    assert [p[0] for p in places] == ["l", "r"]
    mapping = re.search(r"const places = (\{.*?\});", html)
    assert mapping is not None
    assert json.loads(mapping[1]) == {"left": places[0][1], "right": places[1][1]}
    assert "data-root-id" not in html  # no document was built for the page
    # A template that reads roots by position cannot render before the document:
    # Bokeh's own page then, and a warning.
    (folder / "templates" / "index.html").write_text(
        "{% extends base %}{% block contents %}{{ embed(roots[0]) }}{% endblock %}")
    client = await aiohttp_client(create_app([folder], lazy_sessions=True))
    with caplog.at_level("WARNING", logger="aioserve.server"):
        fallback = await (await client.get("/framed")).text()
    assert "const places" not in fallback and "Bokeh Application" in fallback
    assert "the app's template needs its document" in caplog.text
