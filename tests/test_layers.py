"""Layers between packages, one way (docs/architecture.md, "Layers between packages").

The top-level packages and modules of coachprog/ are ranked, lowest first; a package imports
only packages of a lower rank (the core modules of rank 0 may import each other, without a
cycle). A lower package that must react to a higher one offers a registry or a signal instead.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "coachprog"

# The written order (docs/architecture.md keeps the same list, with what lives where).
LAYERS: tuple[tuple[str, ...], ...] = (
    # core: no domain knowledge
    ("runtime", "errors", "validation", "db", "extensions", "storage", "pdf", "personal_data",
     "error_summary", "authority", "roles", "problems", "glossary", "web"),
    # platform
    ("governance",),
    ("panels",),
    ("jobs",),
    ("notifications",),
    ("auth",),
    ("people",),
    ("policy",),
    # program domains
    ("rubrics",),
    ("calibration",),
    ("assessments",),
    ("selection",),
    ("coaching",),
    ("recordings",),
    ("practicum",),
    ("audits",),
    ("certification",),
    ("safeguarding",),
    ("bias_audit",),
    ("program",),
    # aggregators
    ("home",),
    ("backup",),
    ("api",),
    ("seed",),
    ("cli",),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
# The app factory (coachprog/__init__.py) wires everything together, so it imports every layer.
APP_FACTORY = PACKAGE / "__init__.py"
MAX_FUNCTION_LEVEL_IMPORTS = 10


def _top(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _coachprog_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coachprog."):
            found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.ImportFrom) and node.module == "coachprog":
            found += [(node.lineno, f"coachprog.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name.startswith("coachprog.")]
    return found


def _modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p != APP_FACTORY]


def _edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _modules():
        source = _top(path)
        for line, module in _coachprog_imports(ast.parse(path.read_text())):
            target = module.split(".")[1]
            if target != source:
                edges[(source, target)].append(f"{path.relative_to(PACKAGE)}:{line}")
    return edges


def test_every_package_has_a_layer() -> None:
    names = {_top(path) for path in _modules()}
    assert names - RANK.keys() == set(), "add the new package to LAYERS and docs/architecture.md"
    assert RANK.keys() - names == set(), "LAYERS names a package that no longer exists"


def test_packages_import_only_lower_layers() -> None:
    upward = [
        f"{source} -> {target} ({', '.join(where[:3])})"
        for (source, target), where in sorted(_edges().items())
        if RANK[target] > RANK[source] or (RANK[target] == RANK[source] and RANK[source] > 0)
    ]
    assert upward == [], "a lower package imports a higher one; register or signal instead"


def test_package_graph_is_acyclic() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in _edges():
        graph[source].add(target)
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> None:
        assert node not in path, f"import cycle: {' -> '.join([*path, node])}"
        if node in done:
            return
        path.append(node)
        for target in sorted(graph[node]):
            visit(target)
        path.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


def _function_level_imports() -> list[tuple[Path, int]]:
    found: set[tuple[Path, int]] = set()
    for path in _modules():
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                found.update((path, line) for line, _ in _coachprog_imports(function))
    return sorted(found)


def test_few_coachprog_imports_inside_functions_each_saying_why() -> None:
    inside = _function_level_imports()
    assert len(inside) <= MAX_FUNCTION_LEVEL_IMPORTS, [
        f"{path.relative_to(PACKAGE)}:{line}" for path, line in inside]
    for path, line in inside:
        lines = path.read_text().splitlines()
        said = "#" in lines[line - 1] or lines[line - 2].strip().startswith("#")
        assert said, f"{path.relative_to(PACKAGE)}:{line}: say in a comment why it is imported here"
