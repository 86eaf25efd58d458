"""The project's import graph keeps its shape (docs/architecture.md): apps point one way
(issues ← reports ← bench, demo), shared helpers (rectify/lib) import no app, and no two
modules import each other, directly or round a loop — counting imports inside functions and
under TYPE_CHECKING, which hide a cycle from Python but not from the next reader."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rectify", "issues", "audit", "users", "notify", "outbox", "reports", "bench", "demo")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


MODULES = project_modules()


def _resolve(name: str) -> str | None:
    """The project module `name` stands for: itself, or the package holding it (a name
    imported from a package may be a function, not a module)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    return imports_in(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")


def imports_in(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every project module the source of `module` imports, wherever the import statement
    stands: at the top, inside a function, under TYPE_CHECKING."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def edges(source: str, target: str) -> list[str]:
    return sorted(
        f"{a} → {b}"
        for a, targets in GRAPH.items()
        for b in targets
        if (a == source or a.startswith(source + "."))
        and (b == target or b.startswith(target + "."))
    )


def test_the_graph_sees_the_project():
    assert {"issues.models", "issues.services", "reports.selectors", "rectify.lib.text"} <= set(
        GRAPH
    )
    assert "issues.models" in GRAPH["issues.services"]
    assert "rectify.lib.text" in GRAPH["issues.models"]


def test_the_walk_finds_imports_inside_functions_and_type_checking():
    source = """
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from reports.selectors import LedgerRow


def later():
    from ..importing import readers
    from . import services
    import rectify.lib.text
"""
    assert imports_in(source, "issues.importing.sample") == {
        "reports.selectors",
        "issues.importing.readers",
        "issues.importing",  # the package a `from … import` names is imported too
        "issues.importing.services",
        "rectify.lib.text",
    }


def test_cycles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles():
    found = cycles(GRAPH)
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in found)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("issues", "reports"),
        ("issues", "audit"),
        ("issues", "users"),
        ("issues", "notify"),
        ("audit", "notify"),
        ("users", "notify"),
        ("rectify.lib", "notify"),
        ("audit", "users"),
        ("issues", "outbox"),
        ("audit", "outbox"),
        ("users", "outbox"),
        ("notify", "outbox"),
        ("outbox", "notify"),
        ("rectify.lib", "outbox"),
        ("audit", "reports"),
        ("issues", "bench"),
        ("issues", "demo"),
        ("reports", "bench"),
        ("reports", "demo"),
        ("rectify.lib", "issues"),
        ("rectify.lib", "reports"),
        ("rectify.lib", "bench"),
        ("rectify.lib", "demo"),
        ("rectify.lib", "audit"),
        ("rectify.lib", "users"),
    ],
)
def test_apps_point_one_way(source, target):
    assert edges(source, target) == []
