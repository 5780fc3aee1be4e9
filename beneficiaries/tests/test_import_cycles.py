"""The beneficiaries app's modules import each other without a cycle, function-level imports
included (issue 16): the guards and state machines of ``beneficiaries.permissions`` sit below the
services, which import them, never the reverse."""

import ast
import pathlib

APP = pathlib.Path(__file__).resolve().parents[1]


def _module_name(path: pathlib.Path, root: pathlib.Path) -> str:
    name = ".".join(path.relative_to(root).with_suffix("").parts)
    return name.removesuffix(".__init__")


def import_graph(app: pathlib.Path) -> dict[str, set[str]]:
    """Each module of the app (tests and migrations left out) → the app's modules it imports,
    anywhere in its body."""
    root = app.parent
    modules = {
        _module_name(path, root): path
        for path in app.rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(app).parts)
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_beneficiaries_has_no_import_cycle():
    assert cycles(import_graph(APP)) == []


def test_permissions_import_no_service():
    imported = import_graph(APP)["beneficiaries.permissions"]
    assert not {name for name in imported if name.startswith("beneficiaries.services")}


def test_the_scan_sees_a_function_level_cycle(tmp_path):
    app = tmp_path / "app"
    (app / "services").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "services" / "__init__.py").write_text("")
    (app / "permissions.py").write_text("def guard():\n    from app.services.steps import MACHINE\n")
    (app / "services" / "steps.py").write_text("from app.permissions import guard\n")
    assert cycles(import_graph(app)) == [["app.permissions", "app.services.steps"]]
