"""The house: no import cycle among checker/ modules, no top-level module named like a rule module, no issue
numbers in code comments (docs/architecture.md)."""

from __future__ import annotations

import ast
import re

from .support.run import ROOT

CHECKER = ROOT / "checker"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in CHECKER.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return out


def _imports(name: str, path, tree: ast.Module, known: set[str]) -> set[str]:
    """Modules of checker/ that ``name`` imports at run time (annotations under TYPE_CHECKING aside)."""
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
               for child in node.body for n in ast.walk(child)}
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for candidate in [target] + [f"{target}.{a.name}" for a in node.names]:
                if candidate in known and candidate != name:
                    out.add(candidate)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
    return out


def test_no_import_cycle_among_checker_modules():
    modules = _modules()
    graph = {name: _imports(name, path, tree, set(modules)) for name, (path, tree) in modules.items()}
    # a package's __init__ importing its own submodules is how a package is built, not a cycle of the design
    graph = {n: {t for t in targets if not t.startswith(n + ".")} for n, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_no_top_level_module_shares_a_rule_modules_name():
    top = {p.stem for p in CHECKER.glob("*.py")} - {"__init__", "__main__"}
    rules = {p.stem for p in (CHECKER / "rules").glob("*.py")}
    assert top & rules == set()


def test_comments_say_why_not_which_issue():
    issue = re.compile(r"#.*\bissues? #\d+|\(#\d+\)")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in CHECKER.rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if issue.search(line)]
    assert found == []
