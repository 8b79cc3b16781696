"""The package rules of shared/ARCHITECTURE.md ("who may know whom"), checked on the source.

Every ``import`` in ``models/``, ``training/`` and ``service/`` (module-level, inside functions and
under ``TYPE_CHECKING`` alike) is read with ``ast``. Packages are ``models``, ``training``, each
``service.<package>`` and each top-level module of ``service`` (``service.app``, ``service.errors`` …).
Run ``python tests/test_architecture.py`` to print the package graph.
"""
from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("models", "training", "service")
#: Web and CLI layers: parse, call a plain function, render; no SQL or sklearn in them.
THIN = ("service/api/", "service/pages/", "service/cli/", "service/akismet/views.py", "service/web/")
MAX_MODULE_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """``(imported module, names, line)`` of every import in ``path`` (relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".") if is_pkg else module.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            names = [a.name for a in node.names]
            out.append((base, names, node.lineno))
            out += [(f"{base}.{n}", [], node.lineno) for n in names if f"{base}.{n}" in MODULES]
    return out


def package_of(module: str) -> str:
    """``models``, ``training``, ``service.<package>``, or a top-level service module itself
    (``service.app``, ``service.errors`` …: the factory and the leaves everyone may use)."""
    parts = module.split(".")
    if parts[0] != "service" or len(parts) == 1:
        return parts[0]
    return f"service.{parts[1]}"


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        src = package_of(module)
        graph[src]
        for target, _names, _line in _imports(module, path):
            if target.split(".")[0] in SOURCES and target not in SOURCES:  # ``from service import x``: x counts
                dst = package_of(target)
                if dst != src:
                    graph[src].add(dst)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _violations(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for module, path in MODULES.items():
        if not (module == prefix or module.startswith(prefix + ".")):
            continue
        for target, _names, line in _imports(module, path):
            if any(target == f or target.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return bad


def test_no_cycles_between_packages():
    assert _cycles(package_graph()) == []


def test_models_know_nothing_of_the_web_the_database_redis_or_training():
    assert _violations("models", ("flask", "werkzeug", "sqlalchemy", "redis", "service", "training")) == []


def test_training_never_imports_the_service():
    assert _violations("training", ("service", "flask", "sqlalchemy", "redis")) == []


def test_no_private_names_imported_across_modules():
    bad = []
    for module, path in MODULES.items():
        for target, names, line in _imports(module, path):
            if target.split(".")[0] in SOURCES and target != module:
                bad += [f"{path.relative_to(ROOT)}:{line} imports {target}.{n}" for n in names
                        if n.startswith("_") and not n.startswith("__")]
    assert bad == []


@pytest.mark.parametrize("place", THIN)
def test_thin_layers_hold_no_sql_and_no_sklearn(place):
    bad = []
    for module, path in MODULES.items():
        rel = str(path.relative_to(ROOT))
        if not rel.startswith(place):
            continue
        for target, names, line in _imports(module, path):
            if target.startswith("sklearn") or (target == "sqlalchemy" and set(names) & {"select", "update", "delete",
                                                                                           "insert", "func", "text"}):
                bad.append(f"{rel}:{line} imports {target} {names}")
    assert bad == []


def test_modules_stay_under_the_size_limit():
    big = {str(p.relative_to(ROOT)): n for p in MODULES.values()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert big == {}


if __name__ == "__main__":  # print the package graph
    g = package_graph()
    for pkg in sorted(g):
        print(f"{pkg:<22} -> {', '.join(sorted(g[pkg])) or '-'}")
    print("cycles:", _cycles(g) or "none")
    sys.exit(0)
