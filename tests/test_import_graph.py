"""Imports run one way: no circle of imports between the files of aioserve/.

Every import that runs counts, at module level or deferred inside a function
(a deferred import is how a circle usually hides). Imports under
`if TYPE_CHECKING:` do not run and do not count: annotations may name a type
from a module that imports this one.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "aioserve"


def module_names(package: Path) -> dict[str, tuple[Path, bool]]:
    """`aioserve.x.y` -> (file, is a package __init__)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = (path, is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(tree: ast.Module, module: str, is_package: bool,
                   modules: dict[str, tuple[Path, bool]]) -> set[str]:
    """Dotted names this module imports at run time (absolute; `x.y.name` for
    `from x.y import name`, since `name` may be a submodule)."""
    found: set[str] = set()
    package = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:  # `from pkg import mod` imports pkg.mod; else pkg
                found.add(f"{source}.{alias.name}")
                found.add(source if f"{source}.{alias.name}" not in modules else "")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard("")
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the aioserve modules it imports at run time."""
    modules = module_names(package)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        targets = set()
        for imported in imported_names(ast.parse(path.read_text()), name, is_package,
                                       modules):
            while imported and imported not in modules:  # `pkg.mod.func` -> `pkg.mod`
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def describe(group: list[str], graph: dict[str, set[str]]) -> str:
    members = set(group)
    return "; ".join(f"{m} -> {', '.join(sorted(graph[m] & members))}" for m in group)


def test_no_import_circle_in_the_package() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 50  # the whole package was read
    found = circles(graph)
    assert not found, "import circles:\n" + "\n".join(describe(g, graph) for g in found)


def test_the_check_sees_deferred_circles_and_ignores_type_checking(tmp_path: Path) -> None:
    package = tmp_path / "aioserve"
    (package / "server").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "server" / "__init__.py").write_text("")
    (package / "server" / "runner.py").write_text(
        "from aioserve.server import workers\n")
    (package / "server" / "workers.py").write_text(
        "def spawn():\n    from aioserve.server.runner import serve\n")
    (package / "keys.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aioserve.auth import A\n")
    (package / "auth.py").write_text("from .keys import USER\n")
    graph = import_graph(package)
    assert graph["aioserve.keys"] == set()
    assert graph["aioserve.auth"] == {"aioserve.keys"}
    assert circles(graph) == [["aioserve.server.runner", "aioserve.server.workers"]]
