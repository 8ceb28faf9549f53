"""The HTTP side of a served app: pages, tokens, index, metadata, icons, static files."""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import sys
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from yarl import URL

from aioserve import create_app
from aioserve.application import Application
from aioserve.client import ClientSession
from aioserve.document import Document
from aioserve.models import Div

Client = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]
AiohttpClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


def meta(html: str, name: str) -> str:
    match = re.search(rf'<meta name="{name}" content="([^"]*)"', html)
    assert match, f"no {name} meta tag"
    return match.group(1)


def payload(token: str) -> dict[str, Any]:
    """The JSON payload of a token, its compressed request data inflated."""
    first = token.split(".")[0]
    data = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    packed = data.pop("__bk__zlib_", None)
    if packed is not None:
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        data.update(json.loads(zlib.decompress(raw)))
    return data


def show_request(doc: Document) -> None:
    """An app that shows what its session knows of the page request."""
    ctx = doc.session_context
    assert ctx is not None
    request = ctx.request
    doc.title = "Request"
    doc.add_root(Div(name="seen", text=json.dumps({
        "header": request.headers.get("X-Test"),
        "cookie": request.cookies.get("flavour"),
        "arguments": {k: [v.decode() for v in vs] for k, vs in request.arguments.items()},
        "user": ctx.user,
        "id": ctx.id,
    })))


@pytest.fixture
def client(aiohttp_client: AiohttpClient) -> Client:
    async def make(apps: Any, **options: Any) -> TestClient[web.Request, web.Application]:
        return await aiohttp_client(create_app(apps, **options))

    return make


async def test_page_embeds_token_and_websocket_path(client: Client) -> None:
    c = await client({"/request": show_request})
    response = await c.get("/request")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.content_type == "text/html"
    html = await response.text()
    assert "<title>Request</title>" in html
    assert meta(html, "aioserve-ws") == "/request/ws"
    data = payload(meta(html, "aioserve-token"))
    assert len(data["session_id"]) >= 43
    assert data["session_expiry"] > 0


async def test_token_carries_the_request_and_the_app_reads_it(client: Client) -> None:
    c = await client({"/request": show_request})
    async with await ClientSession.open(
            str(c.make_url("/request?q=1&q=2&other=x")), http=c.session,
            headers={"X-Test": "hello", "Cookie": "flavour=mint"}) as session:
        seen = json.loads(session.document.find(name="seen")["text"])
    assert seen == {"header": "hello", "cookie": "mint",
                    "arguments": {"q": ["1", "2"], "other": ["x"]},
                    "user": "default_user", "id": session.id}


async def test_token_stays_under_8_kb(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    c = await client({"/request": show_request})
    noise = {f"X-Noise-{i}": secrets.token_urlsafe(3000)[:3000] for i in range(5)}
    url = str(c.make_url("/request?q=kept"))
    async with await ClientSession.open(url, http=c.session,
                                        headers={**noise, "X-Test": "small"}) as session:
        seen = json.loads(session.document.find(name="seen")["text"])
    response = await c.get("/request?q=kept", headers={**noise, "X-Test": "small"})
    assert len(meta(await response.text(), "aioserve-token")) < 8 * 1024
    # The big headers were dropped (with a warning); the small ones and the query remain.
    assert seen["header"] == "small" and seen["arguments"] == {"q": ["kept"]}
    assert "request data too large for the session token; dropped headers:X-Noise-" in caplog.text


async def test_unsigned_page_accepts_a_requested_session_id(client: Client) -> None:
    c = await client({"/request": show_request})
    for param in ("aioserve-session-id", "bokeh-session-id"):
        response = await c.get(f"/request?{param}=my-name")
        assert payload(meta(await response.text(), "aioserve-token"))["session_id"] == "my-name"
    response = await c.get("/request?aioserve-session-id=a&bokeh-session-id=b")
    assert response.status == 403


async def test_index_lists_every_app(client: Client) -> None:
    c = await client({"/one": show_request, "/two": show_request})
    response = await c.get("/")
    html = await response.text()
    assert response.status == 200
    assert 'href="/one"' in html and 'href="/two"' in html


async def test_metadata(client: Client) -> None:
    calls = []

    def dynamic() -> dict[str, Any]:
        calls.append(1)
        return {"calls": len(calls)}

    c = await client({"/fixed": Application(show_request, metadata={"author": "me"}),
                      "/dynamic": Application(show_request, metadata=dynamic),
                      "/none": show_request})
    assert await (await c.get("/fixed/metadata")).json() == {
        "url": "/fixed", "data": {"author": "me"}}
    assert (await (await c.get("/dynamic/metadata")).json())["data"] == {"calls": 1}
    assert (await (await c.get("/dynamic/metadata")).json())["data"] == {"calls": 2}
    assert await (await c.get("/none/metadata")).json() == {"url": "/none", "data": {}}


async def test_favicon(client: Client, tmp_path: Path) -> None:
    c = await client({"/a": show_request})
    response = await c.get("/favicon.ico")
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/x-icon"
    assert len(await response.read()) > 0
    c = await client({"/a": show_request}, ico_path="none")
    assert (await c.get("/favicon.ico")).status == 404


async def test_health_and_ready(client: Client) -> None:
    c = await client({"/a": show_request})
    assert await (await c.get("/_aioserve/health")).json() == {"status": "ok"}
    assert await (await c.get("/_aioserve/ready")).json() == {"status": "ready", "sessions": 0}
    await c.get("/a")
    assert await (await c.get("/_aioserve/ready")).json() == {"status": "ready", "sessions": 1}


async def test_client_files_have_cache_busting_urls(client: Client) -> None:
    c = await client({"/a": show_request})
    html = await (await c.get("/a")).text()
    (script,) = re.findall(r'<script type="module" src="([^"]+)"', html)
    assert re.fullmatch(r"/static/[0-9a-f]{12}/aioserve\.js", script)
    response = await c.get(script)
    assert response.status == 200
    assert "immutable" in response.headers["Cache-Control"]


# ---- directory apps


@pytest.fixture
def directory_app(tmp_path: Path) -> Path:
    folder = tmp_path / "dash"
    (folder / "static").mkdir(parents=True)
    (folder / "templates").mkdir()
    (folder / "main.py").write_text(
        "from aioserve import curdoc\nfrom aioserve.models import Div\n"
        "curdoc().title = 'Dash'\ncurdoc().add_root(Div(text='main', name='main'))\n")
    (folder / "static" / "style.css").write_text("body { color: teal }")
    (folder / "theme.css").write_text(".x { color: red }")
    (folder / "templates" / "index.html").write_text(
        "{% extends base %}{% block contents %}<header id='mine'>Custom header</header>"
        "{{ super() }}{% endblock %}")
    (tmp_path / "secret.txt").write_text("top secret")
    return folder


async def test_directory_app_static_files(client: Client, directory_app: Path) -> None:
    c = await client(str(directory_app))
    response = await c.get("/dash/static/style.css")
    assert response.status == 200
    assert await response.text() == "body { color: teal }"
    for path in ("/dash/static/../main.py", "/dash/static/%2E%2E/main.py",
                 "/dash/static/..%2Fmain.py", "/dash/static/%2e%2e/%2e%2e/secret.txt",
                 "/dash/static/..%2F..%2Fsecret.txt"):
        response = await c.get(URL(path, encoded=True))
        text = await response.text()
        assert response.status in (403, 404), path
        assert "curdoc" not in text and "top secret" not in text


async def test_directory_app_template_and_theme(client: Client, directory_app: Path) -> None:
    c = await client(str(directory_app))
    html = await (await c.get("/dash")).text()
    assert "<header id='mine'>Custom header</header>" in html
    assert 'id="aioserve-root"' in html  # the base template's body is still there
    assert meta(html, "aioserve-ws") == "/dash/ws"
    assert '<link rel="stylesheet" href="/dash/theme.css">' in html
    response = await c.get("/dash/theme.css")
    assert response.status == 200 and await response.text() == ".x { color: red }"


# ---- a failing app


RAISES = "raise RuntimeError('the app is broken on purpose')\n"


async def test_failing_app_gives_a_readable_500(client: Client, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "broken.py").write_text("import sys\n" + RAISES)
    (tmp_path / "typo.py").write_text("def oops(:\n")
    (tmp_path / "fine.py").write_text(
        "from aioserve import curdoc\nfrom aioserve.models import Div\n"
        "curdoc().add_root(Div(text='fine'))\n")
    modules_before = {m for m in sys.modules if m.startswith("aioserve_app_")}
    caplog.set_level(logging.ERROR)
    c = await client([str(tmp_path / "broken.py"), str(tmp_path / "typo.py"),
                      str(tmp_path / "fine.py")], show_errors=True)
    response = await c.get("/broken")
    assert response.status == 500
    html = await response.text()
    assert "RuntimeError: the app is broken on purpose" in html
    assert "aioserve-token" not in html
    assert response.headers["Cache-Control"] == "no-store"
    records = [r for r in caplog.records if r.exc_info and "broken" in r.getMessage()]
    assert records and "the app is broken on purpose" in caplog.text
    assert "Traceback" in caplog.text
    response = await c.get("/typo")
    assert response.status == 500
    assert "SyntaxError" in await response.text()
    # The server and the other app go on; the failures left nothing behind.
    assert (await c.get("/fine")).status == 200
    assert (await c.get("/broken")).status == 500
    assert await (await c.get("/_aioserve/ready")).json() == {"status": "ready", "sessions": 1}
    leftover = {m for m in sys.modules if m.startswith("aioserve_app_")} - modules_before
    assert len(leftover) == 1  # the fine app's live session only


async def test_a_failing_app_keeps_its_details_private_by_default(
        client: Client, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Visitors get a generic message and an error id; the log has the id and the rest."""
    (tmp_path / "broken.py").write_text("import sys\n" + RAISES)
    folder = tmp_path / "hooked"
    folder.mkdir()
    (folder / "main.py").write_text("")
    (folder / "app_hooks.py").write_text(
        "def process_request(request):\n    raise ValueError('no entry')\n")
    caplog.set_level(logging.ERROR)
    c = await client([str(tmp_path / "broken.py"), str(folder)])
    for path, secret in (("/broken", "the app is broken on purpose"), ("/hooked", "no entry")):
        response = await c.get(path)
        assert response.status == 500
        html = await response.text()
        assert "This app failed to load" in html and "aio-error-card" in html
        assert secret not in html and str(tmp_path) not in html and "Traceback" not in html
        error_id = re.search(r"Error id <code>([0-9a-f]{8})</code>", html)
        assert error_id is not None, html
        logged = [r for r in caplog.records if f"(error id {error_id[1]})" in r.getMessage()]
        assert len(logged) == 1 and path in logged[0].getMessage()
        assert logged[0].exc_info is not None and secret in str(logged[0].exc_info[1])


async def test_failing_process_request(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "hooked"
    folder.mkdir()
    (folder / "main.py").write_text("")
    (folder / "app_hooks.py").write_text(
        "def process_request(request):\n    raise ValueError('no entry')\n")
    c = await client(str(folder), show_errors=True)
    response = await c.get("/hooked")
    assert response.status == 500
    assert "no entry" in await response.text()


async def test_process_request_returning_too_much(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "greedy"
    folder.mkdir()
    (folder / "main.py").write_text("")
    (folder / "app_hooks.py").write_text(
        "import secrets\n"
        "def process_request(request):\n    return {'blob': secrets.token_urlsafe(20000)}\n")
    c = await client(str(folder), show_errors=True)
    response = await c.get("/greedy")
    assert response.status == 500
    assert "process_request returned too much data for the session token" in (
        await response.text())


async def test_a_lazy_page_carries_the_title_of_the_apps_documents() -> None:
    """Under --num-procs sessions are lazy: the page has no document of its own. Once
    this process has built one, pages carry its title, not the route name."""
    from aioserve.testing import start_server

    def titled(doc: Document) -> None:
        doc.title = "Quarterly report"
        doc.add_root(Div(text="hi"))

    async with (start_server({"/report": titled}, lazy_sessions=True) as server,
                aiohttp.ClientSession() as http):
        async def page_title() -> str:
            async with http.get(server.url + "/report") as response:
                found = re.search(r"<title>([^<]*)</title>", await response.text())
                assert found is not None
                return found.group(1)

        assert await page_title() == "report"  # nothing built here yet
        async with server.open_session("/report") as tab:  # its websocket builds one
            assert tab.title == "Quarterly report"
        assert await page_title() == "Quarterly report"
