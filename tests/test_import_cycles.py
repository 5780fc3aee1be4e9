"""No two modules of the portal import each other, not even through a function-level import.

An import inside a function that exists only to dodge a cycle hides one: the modules still need
each other, and which of them loads first decides whether the process starts. Imports run one way:
guards below state machines below predicates, querysets below models, selectors below services.
"""

import ast
from pathlib import Path

from tests.test_layout import LAYER, ROOT


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _portal_modules() -> dict[str, Path]:
    modules = {}
    for app in LAYER:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or "tests" in relative.parts:
                continue
            modules[_module_name(path)] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the portal modules it imports anywhere in its body (function-level included).

    ``from package import name`` counts as importing ``package.name`` when that is a module, and
    the package otherwise; importing a package does not count as importing its submodules.
    """
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [
                    f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                    for alias in node.names
                ]
            else:
                continue
            graph[name].update(target for target in targets if target in modules and target != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
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


def test_no_import_cycles():
    found = cycles(import_graph(_portal_modules()))
    assert found == [], (
        "these modules import each other (break the cycle by moving the shared piece down):\n"
        + ("\n".join(" ↔ ".join(component) for component in found))
    )


def test_the_scan_sees_a_function_level_cycle(tmp_path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "models.py").write_text("from shop.querysets import Q\n", encoding="utf-8")
    (tmp_path / "shop" / "querysets.py").write_text(
        "def visible():\n    from shop.models import Item\n", encoding="utf-8"
    )
    (tmp_path / "shop" / "views.py").write_text("from shop import models\n", encoding="utf-8")
    modules = {
        "shop.models": tmp_path / "shop" / "models.py",
        "shop.querysets": tmp_path / "shop" / "querysets.py",
        "shop.views": tmp_path / "shop" / "views.py",
    }
    graph = import_graph(modules)
    assert graph["shop.views"] == {"shop.models"}
    assert cycles(graph) == [["shop.models", "shop.querysets"]]


def test_permissions_and_states_never_import_services():
    """Who may do what is decided below the services that act on it: a guard or a machine that
    reaches for a service of its app is the first half of a cycle."""
    graph = import_graph(_portal_modules())
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in graph.items()
        if name.rsplit(".", 1)[-1] in {"permissions", "states", "guards"}
        for target in targets
        if target.split(".")[0] == name.split(".")[0] and "services" in target.split(".")[1:]
    )
    assert upward == []
