"""Apps are checked at startup: a broken one is one ERROR line, the others serve.

Run as a user runs it: `aioserve serve` in a subprocess, its log read line by line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest

from aioserve import create_app

if TYPE_CHECKING:
    from conftest import StartServer

HELLO = """\
from aioserve import curdoc
from aioserve.models import Div
curdoc().add_root(Div(text="hello", name="hello"))
"""
HTML = {"Accept": "text/html"}


@pytest.fixture
def apps(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "hello.py").write_text(HELLO)
    (tmp_path / "typo.py").write_text("x = 1\ndef oops(:\n    pass\n")
    (tmp_path / "notebook.ipynb").write_text("this is not JSON {")
    (tmp_path / "nomain").mkdir()
    (tmp_path / "nomain" / "helper.py").write_text("")
    (tmp_path / "twohooks").mkdir()
    for name in ("main.py", "app_hooks.py", "server_lifecycle.py"):
        (tmp_path / "twohooks" / name).write_text("")
    return {p.stem: p for p in tmp_path.iterdir()}


async def test_broken_apps_are_one_error_line_each_and_the_others_serve(
        cli_server: StartServer, apps: dict[str, Path], tmp_path: Path) -> None:
    order = ["typo", "hello", "notebook", "nomain", "twohooks"]
    server = cli_server("--log-format", "%(levelname)s %(message)s",
                        *(str(apps[name]) for name in order))
    output = server.output()
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    reasons = {"typo": r"typo\.py, line 2: SyntaxError: invalid syntax",
               "notebook": r"not a readable notebook",
               "nomain": r"a directory app needs a main\.py or main\.ipynb",
               "twohooks": r"use app_hooks\.py or server_lifecycle\.py, not both"}
    assert len(errors) == len(reasons), output
    for line, (name, reason) in zip(errors, reasons.items(), strict=True):
        assert re.match(rf"ERROR App /{name} does not load; ", line), line
        assert re.search(reason, line), line
    assert "Traceback" not in output  # one line each, no traceback
    # Announced: the good app only, after every check.
    assert server.app_urls == [server.base_url + "/hello"]
    assert output.index("running at") > output.index(errors[-1])

    async with aiohttp.ClientSession() as http:
        async with http.get(server.base_url + "/hello") as response:
            assert response.status == 200
        async with http.get(server.base_url + "/") as response:  # the index marks them
            index = await response.text()
        for name in order:
            card = re.search(rf'<span class="aio-app-name">{name}( <span class="aio-app-broken">'
                             rf'failed to load</span>)?</span>', index)
            assert card is not None and bool(card[1]) == (name != "hello"), name
        for name in reasons:
            async with http.get(f"{server.base_url}/{name}", headers=HTML) as response:
                html = await response.text()
            assert response.status == 500, name
            assert "This app failed to load" in html and str(tmp_path) not in html
            error_id = re.search(r"Error id <code>([0-9a-f]{8})</code>", html)
            assert error_id is not None
            await server.await_for(rf"Error building a session of /{name} \(error id "
                                   rf"{error_id[1]}\)")


async def test_a_path_that_is_no_app_still_refuses_to_start(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(Exception, match=r"expected a \.py script"):
        create_app(str(tmp_path / "notes.txt"))
