"""No import cycle between sovcloud's modules, counting the imports made inside functions (a lazy import
hides a cycle from Python, not from the design): data flows one way, a lower module never imports one that
imports it back. Read from the source with ``ast``; nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import sovcloud

ROOT = Path(sovcloud.__file__).parent


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports, anywhere in its body (``from a import b`` is ``a.b`` when
    ``b`` is a module, else ``a``; the package's own ``__init__`` is left out)."""
    package = root.name
    modules: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                           for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target not in (name, package):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
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
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_sovcloud_has_no_import_cycle():
    assert cycles(import_graph(ROOT)) == []


def test_the_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    package = tmp_path / "pkg"
    (package / "orders").mkdir(parents=True)
    (package / "provisioning").mkdir()
    for path in (package / "__init__.py", package / "orders" / "__init__.py", package / "provisioning" / "__init__.py"):
        path.write_text("")
    (package / "orders" / "service.py").write_text("from pkg.provisioning.engine import start\n")
    (package / "provisioning" / "engine.py").write_text(
        "def start():\n    from pkg.orders import service\n    return service\n")
    (package / "provisioning" / "runner.py").write_text("from pkg.provisioning import engine\n")
    assert cycles(import_graph(package)) == [["pkg.orders.service", "pkg.provisioning.engine"]]
