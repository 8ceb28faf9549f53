"""Bokeh sessions: built with hooks and the user, ended without a gc.collect()
per session, their memory let go; directory apps as `bokeh serve` runs them."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.server.keys import STATE
from aioserve.server.lifecycle import reap
from tests.engines.bokeh.wire import BokehWire, token_of_page

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]

HOOKED = """\
import sys
from bokeh.io import curdoc
from bokeh.models import Div

ended = sys.modules.setdefault("bokeh_test_ended", type(sys)("bokeh_test_ended"))
ended.__dict__.setdefault("ids", [])
doc = curdoc()
doc.add_root(Div(text=f"hello {doc.session_context.user}", name="hello"))
doc.on_session_destroyed(lambda context: ended.ids.append(context.id))
"""


@pytest.fixture
def ended() -> Any:
    import sys
    import types

    module = types.ModuleType("bokeh_test_ended")
    module.ids = []  # type: ignore[attr-defined]
    sys.modules["bokeh_test_ended"] = module
    yield module
    del sys.modules["bokeh_test_ended"]


async def test_sessions_end_with_their_hooks_and_without_a_full_collection(
        tmp_path: Path, aiohttp_client: AiohttpClient, ended: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "hooked.py"
    app.write_text(HOOKED)
    client = await aiohttp_client(create_app([app], unused_session_lifetime_ms=1))
    for _ in range(30):
        assert (await client.get("/hooked")).status == 200
    state = client.server.app[STATE]
    sessions = state.apps["/hooked"].registry.sessions
    documents = [weakref.ref(s.document) for s in sessions]  # type: ignore[attr-defined]
    modules = {name for name in __import__("sys").modules if name.startswith("bokeh_app_")}
    assert len(sessions) == 30 and len(modules) >= 30
    collections: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *a: collections.append(1) or 0)
    started = time.perf_counter()
    assert await reap(state) == 30
    elapsed = time.perf_counter() - started
    assert collections == []  # Bokeh's Document.destroy would collect 30 times
    monkeypatch.undo()
    assert sorted(ended.ids) == sorted(s.id for s in sessions)
    assert not any(name.startswith("bokeh_app_") for name in __import__("sys").modules)
    del sessions
    gc.collect()
    assert [ref for ref in documents if ref() is not None] == []  # memory comes back
    assert elapsed < 5


AUTH = """\
def get_user(request):
    return request.headers.get("X-User")

login_url = "/login"
"""


async def test_the_auth_modules_user_reaches_the_bokeh_app(
        tmp_path: Path, aiohttp_client: AiohttpClient, ended: Any) -> None:
    app = tmp_path / "hooked.py"
    app.write_text(HOOKED)
    auth = tmp_path / "auth.py"
    auth.write_text(AUTH)
    client = await aiohttp_client(create_app([app], auth_module=str(auth)))
    assert (await client.get("/hooked", allow_redirects=False)).status == 302
    url = str(client.make_url("/hooked"))
    async with client.session.get(url, headers={"X-User": "alice"}) as page:
        assert page.status == 200
    session = client.server.app[STATE].apps["/hooked"].registry.sessions[0]
    hello = session.document.select_one({"name": "hello"})  # type: ignore[attr-defined]
    assert hello.text == "hello alice"


def directory_app(folder: Path) -> Path:
    app = folder / "dirapp"
    (app / "static").mkdir(parents=True)
    (app / "templates").mkdir()
    (app / "static" / "note.txt").write_text("static note")
    (app / "dirapp_neighbour.py").write_text("GREETING = 'from a neighbour'\n")
    (app / "main.py").write_text(
        "from bokeh.io import curdoc\nfrom bokeh.models import Div\n"
        "from dirapp_neighbour import GREETING\n"
        "curdoc().add_root(Div(text=GREETING, name='greeting'))\n"
        "curdoc().template_variables['extra'] = 'template variable'\n")
    (app / "server_lifecycle.py").write_text(
        "import os\n"
        "def on_server_loaded(server_context):\n"
        "    os.environ['AIOSERVE_TEST_LOADED'] = str(len(server_context.sessions))\n")
    (app / "theme.yaml").write_text("attrs:\n  Div:\n    styles: {color: 'rgb(1, 2, 3)'}\n")
    (app / "templates" / "index.html").write_text(
        "{% extends base %}\n{% block contents %}<h1 id='mine'>{{ extra }}</h1>"
        "{{ super() }}{% endblock %}\n")
    return app


async def test_a_directory_app_has_its_template_theme_static_hooks_and_neighbours(
        tmp_path: Path, aiohttp_client: AiohttpClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIOSERVE_TEST_LOADED", raising=False)
    client = await aiohttp_client(create_app([directory_app(tmp_path)]))
    import os

    assert os.environ["AIOSERVE_TEST_LOADED"] == "0"  # on_server_loaded ran at start
    html = await (await client.get("/dirapp")).text()
    assert "<h1 id='mine'>template variable</h1>" in html
    assert await (await client.get("/dirapp/static/note.txt")).text() == "static note"
    token = await token_of_page(client.session, str(client.make_url("/dirapp")))
    ws = await client.session.ws_connect(client.make_url("/dirapp/ws"),
                                         protocols=("bokeh", token))
    wire = BokehWire(ws)
    assert (await wire.receive()).msgtype == "ACK"
    doc = await wire.pull()
    text = str(doc)
    assert "from a neighbour" in text and "rgb(1, 2, 3)" in text
    await ws.close()


async def test_app_hooks_process_request_and_session_created(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    app = tmp_path / "hooksapp"
    app.mkdir()
    (app / "app_hooks.py").write_text(
        "def process_request(request):\n"
        "    return {'who': request.arguments['u'][0].decode(), 'path': request.path}\n"
        "def on_session_created(session_context):\n"
        "    session_context.created_note = 'created ' + session_context.id[:4]\n")
    (app / "main.py").write_text(
        "from bokeh.io import curdoc\nfrom bokeh.models import Div\n"
        "context = curdoc().session_context\n"
        "payload = context.token_payload\n"
        "curdoc().add_root(Div(name='out', text=f\"{payload['who']} {payload['path']} \""
        " + context.created_note + ' ' + context.request.arguments['u'][0].decode()))\n")
    client = await aiohttp_client(create_app([app]))
    assert (await client.get("/hooksapp", params={"u": "zoe"})).status == 200
    session = client.server.app[STATE].apps["/hooksapp"].registry.sessions[0]
    out = session.document.select_one({"name": "out"})  # type: ignore[attr-defined]
    assert out.text == f"zoe /hooksapp created {session.id[:4]} zoe"


@pytest.fixture
def tuned_collector() -> Any:
    """The collector as `aioserve serve` runs it (tune() is the CLI's), restored after."""
    from aioserve.server import collector

    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    collector.tune()
    yield
    collector._policy.tuned = False
    gc.set_threshold(*thresholds)
    if gc.get_freeze_count() > frozen:  # the app's start-up froze the heap (freeze_startup)
        gc.unfreeze()


async def test_ended_sessions_leave_no_bokeh_objects_to_the_cyclic_collector(
        tmp_path: Path, aiohttp_client: AiohttpClient, tuned_collector: Any) -> None:
    """What reference counting cannot free waits for a full collection, and that
    pass after the reaper is what a visitor waits for (1,000 ended sessions used to
    leave 60,000 objects: 139 ms). `figure()` drops default ranges, scales and a
    title (cycles of model and property containers); the document's config, Bokeh's
    receiver and protocol handler are cycles too; none may reach the old generation."""
    from tests.engines.bokeh.wire import write_app

    app = write_app(tmp_path)
    client = await aiohttp_client(create_app([app], unused_session_lifetime_ms=1))
    state = client.server.app[STATE]

    async def churn(count: int) -> None:
        for _ in range(count):
            token = await token_of_page(client.session, str(client.make_url("/app")))
            ws = await client.session.ws_connect(client.make_url("/app/ws"),
                                                 protocols=("bokeh", token))
            wire = BokehWire(ws)
            assert (await wire.receive()).msgtype == "ACK"
            await wire.pull()
            await ws.close()
            # The test's own receiver (Bokeh's, client side) is a cycle too: not counted.
            wire.receiver._current_consumer = wire.receiver._message = None  # type: ignore[assignment]
        for _ in range(100):  # the handlers' ends run after the close handshake
            if not state.connections:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)  # past the 1 ms unused lifetime
        assert await reap(state) == count

    await churn(3)  # imports and caches
    gc.collect()
    await churn(20)
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        left = Counter(type(o).__name__ for o in gc.garbage
                       if type(o).__module__.startswith("bokeh."))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == Counter()


TAGGED = """\
from bokeh.core.properties import String
from bokeh.io import curdoc
from bokeh.models import Div


class Tagged(Div):
    tag = String(default="")


curdoc().add_root(Tagged(text="x", tag="y"))
"""


async def test_a_model_class_the_app_defines_goes_with_its_session(
        tmp_path: Path, aiohttp_client: AiohttpClient) -> None:
    """Each session runs the app's code, so each makes its own `Tagged` class; Bokeh's
    model registry would keep every one of them (and `bokeh serve` does)."""
    from bokeh.model import Model

    app = tmp_path / "tagged.py"
    app.write_text(TAGGED)
    client = await aiohttp_client(create_app([app], unused_session_lifetime_ms=1))

    def registered() -> list[str]:
        return [name for name in Model.model_class_reverse_map if name.endswith(".Tagged")]

    for _ in range(5):
        assert (await client.get("/tagged")).status == 200
    assert len(registered()) == 5  # one class per live session
    await asyncio.sleep(0.01)
    assert await reap(client.server.app[STATE]) == 5
    assert registered() == []
