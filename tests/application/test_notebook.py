"""Notebooks as apps: nbformat reads them, IPython syntax is turned into Python."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.application.notebook import cell_source, notebook_source
from aioserve.client import ClientSession
from aioserve.errors import AppLoadError

nbformat = pytest.importorskip("nbformat")
new_code_cell, new_markdown_cell = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    cells = [
        new_markdown_cell("# A notebook app\n%not code, just text"),
        new_code_cell("%matplotlib inline\nimport math\nfrom aioserve import curdoc\n"
                      "from aioserve.models import Div\nparts = []"),
        new_code_cell("!echo hello from the shell\nparts.append('shell line skipped')"),
        new_code_cell("%%time\nraise RuntimeError('a %%time cell must be skipped')"),
        new_code_cell("%%bash\necho this is not Python"),
        new_code_cell("if True:\n    %time parts.append('never')\n    parts.append('indented')"),
        new_code_cell("curdoc().add_root(Div(text=', '.join(parts), name='parts'))"),
    ]
    path = tmp_path / "book.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    return path


async def test_served_notebook_skips_magics(aiohttp_client: AiohttpClient, notebook: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aioserve")
    c = await aiohttp_client(create_app(str(notebook)))
    async with await ClientSession.open(str(c.make_url("/book")), http=c.session) as session:
        assert session.document.find(name="parts")["text"] == "shell line skipped, indented"
    messages = [r.getMessage() for r in caplog.records]
    assert "Replacing IPython line '%matplotlib inline' in code cell 2 with pass" in messages
    assert ("Replacing IPython line '!echo hello from the shell' in code cell 3 with pass"
            in messages)
    assert "Stripping out IPython magic %%time in code cell 4" in messages
    assert "Stripping out IPython magic %%bash in code cell 5" in messages


def test_notebook_source(notebook: Path) -> None:
    source = notebook_source(notebook)
    assert "%" not in source.replace("%%time cell", "")
    assert "    pass\n    parts.append('indented')" in source
    compile(source, str(notebook), "exec")


@pytest.mark.parametrize(("cell", "expected"), [
    ("x = 1", "x = 1"),
    ("%timeit x = 1\ny = 2", "pass\ny = 2"),
    ("  !ls -l", "  pass"),
    ("%%html\n<b>hi</b>", ""),
    ("\n%%capture\nx = 1", ""),
    ("x = '%d' % 3", "x = '%d' % 3"),
])
def test_cell_source(cell: str, expected: str) -> None:
    assert cell_source(cell, 1) == expected


async def test_a_broken_notebook_fails_its_page_only(aiohttp_client: AiohttpClient,
                                                     tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{ this is not json")
    (tmp_path / "fine.py").write_text("")
    c = await aiohttp_client(create_app([str(tmp_path / "broken.ipynb"),
                                         str(tmp_path / "fine.py")], show_errors=True))
    response = await c.get("/broken")
    assert response.status == 500
    assert "not a readable notebook" in await response.text()
    assert (await c.get("/fine")).status == 200


def test_notebook_source_of_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{}")
    with pytest.raises(AppLoadError, match="not a readable notebook"):
        notebook_source(tmp_path / "broken.ipynb")
