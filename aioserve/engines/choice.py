"""Which engine serves an app (DESIGN.md §2.7).

An explicit choice wins: `--engine aioserve|bokeh`, or the type of the object
given to `create_app` (an aioserve `Application`, a `bokeh.application.Application`
or a Bokeh handler). Otherwise the app's source is read, not run: Bokeh imports
alone choose bokeh; aioserve imports alone, or none, choose aioserve; both is
an error asking for `--engine`.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aioserve.application.application import Application, load_application
from aioserve.engines.base import Engine
from aioserve.engines.native import AioserveEngine
from aioserve.errors import AppLoadError, ConfigError

if TYPE_CHECKING:
    from aioserve.engines.bokeh import BokehEngine

EngineName = Literal["auto", "aioserve", "bokeh"]
ENGINE_NAMES: tuple[str, ...] = ("auto", "aioserve", "bokeh")
INSTALL_HINT = "pip install 'aioserve[bokeh]'"
# What a source file is read for when it does not parse (IPython syntax, a typo).
_IMPORT_LINE = re.compile(r"^\s*(?:from|import)\s+(bokeh|aioserve)\b", re.MULTILINE)


def engine_for_path(path: Path, argv: Sequence[str], engine: str = "auto") -> Engine:
    """The engine serving a script, notebook or directory."""
    chosen = engine if engine != "auto" else detect_engine(path)
    if chosen == "bokeh":
        return _bokeh_engine().from_path(path, argv)
    return AioserveEngine(load_application(path, argv))


def engine_for_object(app: Any, argv: Sequence[str], engine: str = "auto") -> Engine:
    """The engine serving an object given to `create_app`."""
    if isinstance(app, Engine):
        return app
    if isinstance(app, Application):
        return AioserveEngine(app)
    if _is_bokeh_object(app):
        return _bokeh_engine().from_object(app)
    if callable(app):
        if engine == "bokeh":  # a `def app(doc)` meant for a Bokeh document
            return _bokeh_engine().from_object(app)
        return AioserveEngine(Application(app))
    raise ConfigError(f"not an app: {app!r} (give a path, a function, an aioserve "
                      "Application, or a Bokeh Application or handler)")


def detect_engine(path: Path) -> str:
    """"bokeh" or "aioserve", from the imports of the app's source files."""
    found: set[str] = set()
    for source in _sources(path):
        found |= imported_engines(source)
    if found == {"bokeh", "aioserve"}:
        raise AppLoadError(f"{path} imports both aioserve and bokeh: choose its engine "
                           "with --engine aioserve or --engine bokeh")
    return "bokeh" if found == {"bokeh"} else "aioserve"


def imported_engines(source: str) -> set[str]:
    """Which of "bokeh" and "aioserve" the source imports (at any depth)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(_IMPORT_LINE.findall(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & {"bokeh", "aioserve"}


def _sources(path: Path) -> Iterable[str]:
    """The text of the files that make the app: script, notebook cells, a
    directory's main and lifecycle hooks."""
    if path.is_dir():
        files = [path / name for name in ("main.py", "main.ipynb", "app_hooks.py",
                                          "server_lifecycle.py")]
    else:
        files = [path]
    for file in files:
        if not file.is_file():
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # loading the app reports it properly
        yield _notebook_code(text) if file.suffix == ".ipynb" else text


def _notebook_code(text: str) -> str:
    """The code cells of a notebook, one after another (magics and all)."""
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return ""
    parts = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            parts.append("".join(source) if isinstance(source, list) else str(source))
    # Should IPython syntax remain, imported_engines falls back to reading lines.
    return "\n".join(line for part in parts for line in _parsable(part))


def _parsable(cell: str) -> list[str]:
    """A cell's lines, with magics and shell lines blanked (they are not Python)."""
    return [("" if line.lstrip().startswith(("%", "!")) else line) for line in
            cell.splitlines()]


def _is_bokeh_object(app: Any) -> bool:
    module = type(app).__module__ or ""
    if not module.startswith("bokeh."):
        return False
    _bokeh_engine()
    from aioserve.engines.bokeh import is_bokeh_app_object

    return is_bokeh_app_object(app)


def _bokeh_engine() -> type[BokehEngine]:
    """The bokeh engine, or a one-line error when Bokeh is not installed."""
    try:
        import bokeh
    except ImportError:
        raise AppLoadError(f"this app needs Bokeh, which is not installed: "
                           f"{INSTALL_HINT}") from None
    major, minor = (int(p) for p in re.findall(r"\d+", bokeh.__version__)[:2])
    if (major, minor) < (3, 9):
        raise AppLoadError(f"the bokeh engine needs Bokeh 3.9 or later (found "
                           f"{bokeh.__version__}): {INSTALL_HINT} --upgrade")
    from aioserve.engines.bokeh import BokehEngine

    return BokehEngine

