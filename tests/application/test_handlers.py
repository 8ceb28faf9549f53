"""Scripts, directories and functions as applications: how their code runs per session."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.application.application import load_application
from aioserve.client import ClientSession
from aioserve.document import Document
from aioserve.errors import AppLoadError
from aioserve.models import Div

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]

SCRIPT = """\
import sys
import handlers_helper              # from the app's own folder
from aioserve import curdoc
from aioserve.models import Div

handlers_helper.loads += 1
counter = globals().setdefault("counter", 0) + 1   # fresh module: always 1
curdoc().add_root(Div(name="facts", text=__import__("json").dumps({
    "module": __name__, "file": __file__, "argv": sys.argv, "counter": counter,
    "in_sys_modules": __name__ in sys.modules})))
"""


async def facts(c: TestClientT, path: str) -> dict[str, Any]:
    async with await ClientSession.open(str(c.make_url(path)), http=c.session) as session:
        found: dict[str, Any] = json.loads(session.document.find(name="facts")["text"])
        return found


@pytest.fixture(autouse=True)
def forget_app_helpers() -> Iterator[None]:
    """The apps below import modules from their folders; Python keeps them in
    sys.modules, so each test takes them out again for the tests that follow."""
    yield
    for name in ("handlers_helper", "handlers_shared"):
        sys.modules.pop(name, None)


async def test_script_runs_once_per_session_in_a_fresh_module(
        aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    (tmp_path / "facts.py").write_text(SCRIPT)
    (tmp_path / "handlers_helper.py").write_text("loads = 0\n")
    c = await aiohttp_client(create_app(str(tmp_path / "facts.py"), args=("--flag", "x")))
    first, second = await facts(c, "/facts"), await facts(c, "/facts")
    assert first["module"] != second["module"]
    assert first["module"].startswith("aioserve_app_")
    assert first["counter"] == second["counter"] == 1
    assert first["in_sys_modules"]
    assert first["file"] == str(tmp_path / "facts.py")
    assert first["argv"] == ["facts.py", "--flag", "x"]
    assert sys.argv[0] != "facts.py"  # restored after the app ran
    assert str(tmp_path) not in sys.path  # the app folder is importable only while it runs


async def test_function_apps_sync_and_async(aiohttp_client: AiohttpClient) -> None:
    def plain(doc: Document) -> None:
        doc.add_root(Div(text="plain", name="facts"))

    async def coroutine(doc: Document) -> None:
        doc.title = "Async"
        doc.add_root(Div(text="async", name="facts"))

    c = await aiohttp_client(create_app({"/plain": plain, "/async": coroutine}))
    for path, text in (("/plain", "plain"), ("/async", "async")):
        async with await ClientSession.open(str(c.make_url(path)), http=c.session) as session:
            assert session.document.find(name="facts")["text"] == text
    assert "<title>Async</title>" in await (await c.get("/async")).text()


async def test_a_single_function_is_served_at_the_root(aiohttp_client: AiohttpClient) -> None:
    c = await aiohttp_client(create_app(lambda doc: doc.add_root(Div(text="root"))))
    response = await c.get("/")
    assert response.status == 200
    assert 'content="/ws"' in await response.text()


HOOKS = """\
import json
from pathlib import Path
here = Path(__file__).parent

def log(line):
    with open(here / "events.txt", "a") as events:
        events.write(line + "\\n")

def on_server_loaded(server_context):
    log("server loaded")

async def on_server_unloaded(server_context):
    log("server unloaded")

async def on_session_created(session_context):
    log("session created")

def on_session_destroyed(session_context):
    log("session destroyed")

def process_request(request):
    log("process request")
    return {"visitor": request.query.get("name", "nobody"), "path": request.path}
"""
MAIN = """\
import json
from pathlib import Path
from aioserve import curdoc
from aioserve.models import Div
import handlers_shared              # a module next to main.py

with open(Path(__file__).parent / "events.txt", "a") as events:
    events.write("main ran\\n")
ctx = curdoc().session_context
curdoc().add_root(Div(name="facts", text=json.dumps({
    "payload_visitor": ctx.token_payload.get("visitor"),
    "payload_path": ctx.token_payload.get("path"),
    "shared": handlers_shared.VALUE})))
"""


@pytest.fixture
def directory_app(tmp_path: Path) -> Path:
    folder = tmp_path / "hooked"
    folder.mkdir()
    (folder / "main.py").write_text(MAIN)
    (folder / "app_hooks.py").write_text(HOOKS)
    (folder / "handlers_shared.py").write_text("VALUE = 42\n")
    return folder


def events(folder: Path) -> list[str]:
    path = folder / "events.txt"
    return path.read_text().splitlines() if path.exists() else []


async def test_directory_app_hooks_run_in_order(aiohttp_server: Any,
                                                directory_app: Path) -> None:
    server = await aiohttp_server(create_app(str(directory_app)))
    assert events(directory_app) == ["server loaded"]
    url = str(server.make_url("/hooked?name=Ada"))
    async with await ClientSession.open(url) as session:
        seen = json.loads(session.document.find(name="facts")["text"])
    assert seen == {"payload_visitor": "Ada", "payload_path": "/hooked", "shared": 42}
    assert events(directory_app) == ["server loaded", "process request", "session created",
                                     "main ran"]
    await server.close()
    assert events(directory_app)[-2:] == ["session destroyed", "server unloaded"]


async def test_directory_app_with_a_notebook(aiohttp_client: AiohttpClient,
                                             tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    folder = tmp_path / "nb"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from aioserve import curdoc\nfrom aioserve.models import Div\n"
        "curdoc().add_root(Div(text='from a notebook', name='facts'))")])
    nbformat.write(notebook, str(folder / "main.ipynb"))
    c = await aiohttp_client(create_app(str(folder)))
    async with await ClientSession.open(str(c.make_url("/nb")), http=c.session) as session:
        assert session.document.find(name="facts")["text"] == "from a notebook"


def test_directory_app_needs_main(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    # The loader refuses it; create_app serves it as broken (tests/server/test_app_checks.py).
    with pytest.raises(AppLoadError, match="needs a main.py or main.ipynb"):
        load_application(tmp_path / "empty")


def test_one_hooks_file_only(directory_app: Path) -> None:
    (directory_app / "server_lifecycle.py").write_text("")
    with pytest.raises(AppLoadError, match="not both"):
        load_application(directory_app)


def test_a_broken_hooks_file_is_a_load_error(directory_app: Path) -> None:
    (directory_app / "app_hooks.py").write_text("import no_such_module_here\n")
    with pytest.raises(AppLoadError, match="no_such_module_here"):
        load_application(directory_app)


def test_server_lifecycle_py_is_the_older_name(directory_app: Path) -> None:
    (directory_app / "app_hooks.py").rename(directory_app / "server_lifecycle.py")
    app = create_app(str(directory_app))
    assert app is not None


def test_unknown_file_type_is_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("")
    with pytest.raises(AppLoadError, match="expected a .py script"):
        create_app(str(tmp_path / "data.txt"))
