"""docs/architecture.md names every Python module under aioserve/, and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "docs" / "architecture.md"


def modules_on_disk(root: Path) -> set[str]:
    """`aioserve/x/y.py` for each module; a package's `__init__.py` as `aioserve/x/`."""
    found = set()
    for path in (root / "aioserve").rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if path.name == "__init__.py" and path.parent != root / "aioserve":
            rel = rel.removesuffix("__init__.py")
        found.add(rel)
    return found


def modules_in_map(text: str) -> set[str]:
    """The first cell of each row of the module table: `` | `aioserve/...` | ... |``."""
    return set(re.findall(r"^\| `(aioserve/[^`]*)` \|", text, flags=re.MULTILINE))


def test_every_module_has_a_line_in_the_map() -> None:
    on_disk = modules_on_disk(ROOT)
    in_map = modules_in_map(MAP.read_text())
    assert len(on_disk) > 50
    missing = sorted(on_disk - in_map)
    assert not missing, (
        "add a line for each to the module table of docs/architecture.md: " + ", ".join(missing))
    gone = sorted(in_map - on_disk)
    assert not gone, "docs/architecture.md names modules that do not exist: " + ", ".join(gone)


def test_the_map_check_sees_a_new_module(tmp_path: Path) -> None:
    (tmp_path / "aioserve" / "server").mkdir(parents=True)
    for name in ("__init__.py", "server/__init__.py", "server/app.py", "server/engine.py"):
        (tmp_path / "aioserve" / name).write_text("")
    table = ("| module | what |\n|---|---|\n"
             "| `aioserve/server/` | x |\n| `aioserve/server/app.py` | y |\n")
    assert modules_on_disk(tmp_path) - modules_in_map(table) == {
        "aioserve/__init__.py", "aioserve/server/engine.py"}


def test_the_map_follows_a_request_and_says_where_things_go() -> None:
    text = MAP.read_text()
    for heading in ("## One request, from GET to patch", "## Where to add"):
        assert heading in text
    path = text.split("## One request, from GET to patch")[1].split("## Where to add")[0]
    for step in ("GET", "Session", "Websocket", "Event", "Patch"):
        assert f"**{step}" in path
    for module in ("server/pages.py", "server/page_session.py", "server/websocket.py",
                   "sessions/session.py", "document/document.py"):
        assert module in path and (ROOT / "aioserve" / module).exists()
    for what in ("**A model**", "**A route**", "**An option**"):
        assert what in text
