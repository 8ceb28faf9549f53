"""Turn a Jupyter notebook into the Python source of an app.

nbformat reads the file but does not translate IPython syntax, so we do:
a cell that starts with a cell magic (`%%time`, `%%bash`) is skipped whole;
a line magic (`%matplotlib inline`) or a shell line (`!pip install x`)
becomes `pass`, keeping its indentation so blocks stay valid. Each is logged.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aioserve.errors import AppLoadError

log = logging.getLogger("aioserve.application")


def notebook_source(path: Path) -> str:
    try:
        import nbformat
    except ImportError:
        raise AppLoadError(f"{path}: serving notebooks needs nbformat "
                           "(pip install 'aioserve[notebook]')") from None
    try:
        notebook = nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises many kinds for a broken file
        raise AppLoadError(f"{path}: not a readable notebook: {exc}") from None
    cells = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            cells.append(cell_source(cell.source, number))
    return "\n\n".join(cells) + "\n"


def cell_source(source: str, number: int) -> str:
    first = source.lstrip().split("\n", 1)[0]
    if first.startswith("%%"):
        log.info("Stripping out IPython magic %s in code cell %d", first.split()[0], number)
        return ""
    lines = []
    for line in source.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            log.info("Replacing IPython line %r in code cell %d with pass", stripped, number)
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines)
