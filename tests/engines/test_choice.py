"""Which engine serves an app: an explicit choice, else the app's imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aioserve import create_app
from aioserve.application.application import Application
from aioserve.engines.choice import detect_engine, engine_for_object, engine_for_path
from aioserve.errors import AppLoadError
from aioserve.server.keys import STATE

BOKEH_APP = "from bokeh.io import curdoc\nfrom bokeh.models import Div\n" \
            "curdoc().add_root(Div(text='hi'))\n"
AIOSERVE_APP = "from aioserve import curdoc\nfrom aioserve.models import Div\n" \
               "curdoc().add_root(Div(text='hi'))\n"
MIXED_APP = "import bokeh.plotting\nfrom aioserve import curdoc\n"
ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def notebook(path: Path, *cells: str) -> Path:
    nb = {"cells": [{"cell_type": "code", "source": cell, "metadata": {}, "outputs": [],
                     "execution_count": None} for cell in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return write(path, json.dumps(nb))


@pytest.mark.parametrize(("source", "engine"), [
    (BOKEH_APP, "bokeh"),
    ("import bokeh\n", "bokeh"),
    ("def f():\n    from bokeh.models import Div\n", "bokeh"),
    (AIOSERVE_APP, "aioserve"),
    ("print('no imports at all')\n", "aioserve"),
    ("import bokehx\nfrom .bokeh import x\n", "aioserve"),  # neither is Bokeh
    ("from bokeh.io import curdoc\n%matplotlib inline\n", "bokeh"),  # does not parse
])
def test_a_scripts_imports_choose_its_engine(tmp_path: Path, source: str, engine: str) -> None:
    assert detect_engine(write(tmp_path / "app.py", source)) == engine


def test_notebook_cells_and_directory_files_are_read(tmp_path: Path) -> None:
    nb = notebook(tmp_path / "nb.ipynb", "%%time\nx = 1", "from bokeh.plotting import figure")
    assert detect_engine(nb) == "bokeh"
    folder = tmp_path / "d"
    write(folder / "main.py", "x = 1\n")
    write(folder / "server_lifecycle.py", "import bokeh\n")
    assert detect_engine(folder) == "bokeh"
    write(folder / "main.py", "import aioserve\n")
    with pytest.raises(AppLoadError, match="--engine"):
        detect_engine(folder)


def test_both_imports_is_an_error_naming_the_choice(tmp_path: Path) -> None:
    with pytest.raises(AppLoadError) as error:
        create_app([write(tmp_path / "mixed.py", MIXED_APP)])
    message = str(error.value)
    assert "--engine aioserve" in message and "--engine bokeh" in message
    assert "\n" not in message


def test_an_explicit_engine_wins(tmp_path: Path) -> None:
    mixed = write(tmp_path / "mixed.py", MIXED_APP)
    assert engine_for_path(mixed, [], "bokeh").name == "bokeh"
    assert engine_for_path(mixed, [], "aioserve").name == "aioserve"
    app = create_app([mixed], engine="bokeh")
    assert app[STATE].apps["/mixed"].engine.name == "bokeh"
    assert engine_for_object(lambda doc: None, [], "bokeh").name == "bokeh"
    assert engine_for_object(lambda doc: None, []).name == "aioserve"
    assert engine_for_object(Application(lambda doc: None), [], "bokeh").name == "aioserve"


def test_without_bokeh_the_error_names_the_extra(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bokeh", None)  # what `import bokeh` sees uninstalled
    with pytest.raises(AppLoadError) as error:
        engine_for_path(write(tmp_path / "app.py", BOKEH_APP), [])
    assert "pip install 'aioserve[bokeh]'" in str(error.value)
    assert "\n" not in str(error.value)
    # aioserve apps need no Bokeh.
    assert engine_for_path(write(tmp_path / "mine.py", AIOSERVE_APP), []).name == "aioserve"


def test_the_command_line_says_it_in_one_line(tmp_path: Path) -> None:
    write(tmp_path / "mixed.py", MIXED_APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOSERVE_", "BOKEH_"))}
    done = subprocess.run([sys.executable, "-m", "aioserve", "serve", "mixed.py", "--port", "0"],
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "--engine" in lines[0] and "mixed.py" in lines[0]
