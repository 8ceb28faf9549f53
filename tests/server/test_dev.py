"""--dev: files edited under a running server reload the app in process."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import watchfiles
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.client import ClientSession
from aioserve.server.dev import DEV
from tests.server.dev_edits import edit, write

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]

APP = """\
from aioserve import curdoc
from aioserve.models import Div
curdoc().add_root(Div(text="{text}", name="out"))
"""


async def until(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def page_text(client: TestClientT, path: str) -> tuple[int, str]:
    response = await client.get(path)
    return response.status, await response.text()


async def shown(client: TestClientT, path: str) -> str:
    """What the app's Div says, through a real session of the page."""
    session = await ClientSession.open(str(client.make_url(path)))
    try:
        return str(session.document.find(name="out")["text"])
    finally:
        await session.close()


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "hello.py"
    write(path, APP.format(text="version one"))
    return path


async def test_an_edit_reloads_the_app_and_refreshes_open_pages(
        aiohttp_client: AiohttpClient, script: Path) -> None:
    client = await aiohttp_client(create_app([str(script)], dev=True))
    reloader = client.app[DEV]
    open_page = await ClientSession.open(str(client.make_url("/hello")))
    assert open_page.document.find(name="out")["text"] == "version one"

    await edit(reloader, script, APP.format(text="version two"))

    # The open page was told to reload, then its socket closed normally.
    async def told() -> bool:
        return open_page.closed is not None

    await until(told)
    assert {"type": "reload"} in open_page.messages
    assert open_page.closed is not None and open_page.closed.code == 1000
    await open_page.close()
    # Its session ended with the old code; the next page gets the new code.
    assert len(client.app[DEV].state.apps["/hello"].registry) == 0
    assert await shown(client, "/hello") == "version two"


async def test_a_named_session_comes_back_with_the_new_code(
        aiohttp_client: AiohttpClient, script: Path) -> None:
    client = await aiohttp_client(create_app([str(script)], dev=True))
    url = str(client.make_url("/hello"))
    first = await ClientSession.open(url, session_id="shared")
    assert first.document.find(name="out")["text"] == "version one"
    await edit(client.app[DEV], script, APP.format(text="version two"))
    await first.close()
    again = await ClientSession.open(url, session_id="shared")
    try:
        assert again.document.find(name="out")["text"] == "version two"
    finally:
        await again.close()


async def test_a_syntax_error_shows_in_the_page_and_the_log_and_a_fix_recovers(
        aiohttp_client: AiohttpClient, script: Path, caplog: pytest.LogCaptureFixture) -> None:
    client = await aiohttp_client(create_app([str(script)], dev=True))
    reloader = client.app[DEV]
    caplog.set_level(logging.INFO, logger="aioserve")
    await edit(reloader, script, "from aioserve import curdoc\nx = (\n")

    status, html = await page_text(client, "/hello")
    assert status == 500
    assert "SyntaxError" in html and "was never closed" in html
    assert str(script) in html
    assert any("does not load" in r.getMessage() and "SyntaxError" in r.getMessage()
               for r in caplog.records)
    # The error page waits for the fix.
    wait_url = re.search(r'<meta name="aioserve-dev-wait" content="([^"]+)"', html)
    assert wait_url, html
    assert 'src="/static/' in html and "dev.js" in html
    waiting = asyncio.ensure_future(client.get(wait_url.group(1).replace("&amp;", "&")))
    await asyncio.sleep(0.1)
    assert not waiting.done()

    await edit(reloader, script, APP.format(text="fixed"))
    answer = await asyncio.wait_for(waiting, 5)
    assert (await answer.json())["changed"] is True
    assert await shown(client, "/hello") == "fixed"


async def test_the_wait_endpoint_answers_at_once_for_a_past_reload(
        aiohttp_client: AiohttpClient, script: Path) -> None:
    client = await aiohttp_client(create_app([str(script)], dev=True))
    await edit(client.app[DEV], script, APP.format(text="two"))
    response = await client.get("/_aioserve/dev/wait", params={"since": "0"})
    assert await response.json() == {"generation": 1, "changed": True}
    assert (await client.get("/_aioserve/dev/wait?since=x")).status == 400


async def test_no_dev_routes_without_dev(aiohttp_client: AiohttpClient, script: Path) -> None:
    client = await aiohttp_client(create_app([str(script)]))
    assert DEV not in client.app
    assert (await client.get("/_aioserve/dev/wait")).status == 404
    write(script, "x = (\n")
    status, html = await page_text(client, "/hello")
    assert status == 200 and "aioserve-dev-wait" not in html  # still the old code


async def test_a_directory_app_reloads_helpers_templates_and_hooks(
        aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    folder = tmp_path / "dash"
    (folder / "templates").mkdir(parents=True)
    write(folder / "helper.py", "WORD = 'alpha'\n")
    write(folder / "main.py", "from helper import WORD\n" + APP.format(text="{WORD}")
          .replace('text="{WORD}"', "text=WORD"))
    write(folder / "app_hooks.py", "def process_request(request):\n    return {'v': 1}\n")
    template = ('{% extends base %}{% block contents %}<p id="banner">BANNER</p>'
                '{{ super() }}{% endblock %}')
    write(folder / "templates" / "index.html", template.replace("BANNER", "first banner"))
    client = await aiohttp_client(create_app([str(folder)], dev=True))
    reloader = client.app[DEV]
    assert await shown(client, "/dash") == "alpha"

    await edit(reloader, folder / "helper.py", "WORD = 'beta'\n")
    assert await shown(client, "/dash") == "beta"  # the helper module was imported afresh

    await edit(reloader, folder / "templates" / "index.html",
               template.replace("BANNER", "second banner"))
    _, html = await page_text(client, "/dash")
    assert "second banner" in html

    await edit(reloader, folder / "app_hooks.py",
               "def process_request(request):\n    return {'v': 2}\n")
    session = await ClientSession.open(str(client.make_url("/dash")))
    try:
        served = client.app[DEV].state.apps["/dash"]
        live = served.registry.get(session.id)
        assert live is not None and live.context.token_payload["v"] == 2
    finally:
        await session.close()


async def test_dev_watch_files_reload_every_app(aiohttp_client: AiohttpClient,
                                                script: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write(data / "words.json", json.dumps(["one"]))
    other = tmp_path / "other.py"
    write(other, APP.format(text="other"))
    client = await aiohttp_client(create_app([str(script), str(other)], dev=True,
                                             dev_watch=(str(data),)))
    reloader = client.app[DEV]
    assert sorted(s.path for s in reloader.affected({data / "words.json"})) == ["/hello",
                                                                               "/other"]
    assert [s.path for s in reloader.affected({other})] == ["/other"]
    assert reloader.affected({tmp_path / "unrelated.txt"}) == []
    await edit(reloader, data / "words.json", json.dumps(["two"]))


def test_the_watcher_watches_folders_not_files(script: Path, tmp_path: Path) -> None:
    reloader = create_app([str(script)], dev=True)[DEV]
    # Editors save by renaming a new file over the old one; a watch on the file
    # itself would stop seeing it, a watch on its folder does not.
    assert reloader.roots() == [tmp_path.resolve()]
    assert reloader.relevant(watchfiles.Change.modified, str(script.resolve()))
    assert not reloader.relevant(watchfiles.Change.modified, str(tmp_path / "notes.txt"))
    assert not reloader.relevant(watchfiles.Change.modified,
                                 str(tmp_path / "__pycache__" / "hello.cpython-311.pyc"))


async def test_an_atomic_save_is_seen(aiohttp_client: AiohttpClient, script: Path) -> None:
    client = await aiohttp_client(create_app([str(script)], dev=True))
    reloader = client.app[DEV]

    async def save_by_rename() -> None:
        temporary = script.with_name(".hello.py.tmp")
        write(temporary, APP.format(text="renamed in"))
        temporary.replace(script)

    await edit(reloader, script, "", save=save_by_rename)
    assert await shown(client, "/hello") == "renamed in"


def test_dev_under_the_cli(cli_server: Callable[..., Any], tmp_path: Path) -> None:
    """`aioserve serve app.py --dev` in a subprocess: an edit shows on the next page."""
    script = tmp_path / "live.py"
    write(script, APP.format(text="cli one"))
    server = cli_server(str(script), "--dev")
    base = server.base_url

    async def check() -> None:
        async with aiohttp.ClientSession() as http:
            async def page_has(text: str) -> bool:
                session = await ClientSession.open(f"{base}/live", http=http)
                try:
                    return bool(session.document.find(name="out")["text"] == text)
                finally:
                    await session.close()

            assert await page_has("cli one")
            for attempt in range(5):
                write(script, APP.format(text=f"cli two {attempt}"))
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline:
                    if await page_has(f"cli two {attempt}"):
                        return
                    await asyncio.sleep(0.1)
            raise AssertionError("the edit never showed:\n" + server.output())

    asyncio.run(check())
    assert "--dev: reloaded /live" in server.output()


async def test_a_reload_failure_does_not_stop_the_server(
        aiohttp_client: AiohttpClient, script: Path) -> None:
    client = await aiohttp_client(create_app([str(script)], dev=True))
    reloader = client.app[DEV]
    await edit(reloader, script, "raise RuntimeError('at import')\n")
    status, html = await page_text(client, "/hello")
    assert status == 500 and "at import" in html
    await edit(reloader, script, APP.format(text="back"))
    assert await shown(client, "/hello") == "back"
