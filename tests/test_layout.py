"""The layout holds: a lower app never imports a higher one (DESIGN.md "Apps and what they own"),
and no module outside migrations grows past ~800 lines without being split by topic."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lower number, lower layer. core holds the pure utilities (money, ID numbers, spreadsheets, the
# task base) below org; common holds the job and state-machine framework, which uses org's roles
# and scoping, so it sits above org and below the domain apps.
LAYER = {
    "core": 0,
    "org": 1,
    "common": 2,
    "projects": 3,
    "publicity": 4,
    "beneficiaries": 5,
    "fieldwork": 6,
    "partycare": 7,
    "reports": 8,
}

MAX_LINES = 800
#: module → why it is still larger (each one a split waiting to be done, not a licence)
LARGE: dict[str, str] = {}


def _modules():
    for app in LAYER:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" not in relative.parts:
                yield relative, path


def _imported_apps(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYER:
                yield top, node.lineno


def test_no_app_imports_a_higher_one():
    upward = []
    for relative, path in _modules():
        app = relative.parts[0]
        if "tests" in relative.parts:
            continue  # a test may build data of any app
        for imported, line in _imported_apps(path):
            if LAYER[imported] > LAYER[app]:
                upward.append(f"{relative}:{line} imports {imported} (a higher layer than {app})")
    assert upward == [], "\n".join(upward)


def test_no_module_grows_past_the_limit():
    large = {}
    for relative, path in _modules():
        if "tests" in relative.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            large[str(relative)] = lines
    unexplained = sorted(set(large) - set(LARGE))
    assert unexplained == [], f"split these by topic into a package (lines: {large})"
    stale = sorted(set(LARGE) - set(large))
    assert stale == [], f"these are small now: take them off LARGE: {stale}"


def test_the_scan_sees_an_upward_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("from reports import selectors\nimport org.models\n", encoding="utf-8")
    assert sorted(_imported_apps(module)) == [("org", 2), ("reports", 1)]
