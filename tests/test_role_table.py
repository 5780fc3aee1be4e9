"""One table of role groups (org/roles.py), imported by name everywhere (issue 16).

The scan below reads every non-test, non-migration module with ``ast`` and refuses, outside
org/roles.py:
- a tuple / list / set literal, or a frozenset() / set() / tuple() / list() call, holding two or
  more ``Role.X`` members, or a starred role group next to a ``Role.X`` or another group;
- a call with two or more ``Role.X`` positional arguments, or a starred group plus a ``Role.X``
  (``has_role(user, Role.A, Role.B)``, ``require_role(user, *OFFICE, Role.C)``);
- a set operation between role groups or role literals (``OFFICE | {Role.VILLAGE_CADRE}``);
- a module-level name standing for roles: a literal of ``Role.X`` members (even one), or an
  alias of a group (``OFFICE_ROLES = OFFICE``, ``ALL = tuple(ALL_ROLES)``).
A single role stays a single role (``has_role(user, Role.COUNTY_REVIEWER)``).
"""

import ast
import os
from pathlib import Path

import pytest

from org import roles
from org.models import Role

ROOT = Path(__file__).resolve().parent.parent
ROLE_TABLE = Path("org/roles.py")
SKIP_DIRS = {".venv", "node_modules", "var", "static", "locale", "migrations", "tests", ".git", "__pycache__"}
COLLECTIONS = (ast.Tuple, ast.List, ast.Set)
COLLECTION_CALLS = {"frozenset", "set", "tuple", "list"}


def _group_names() -> set[str]:
    """The groups org/roles.py defines: its module-level UPPER_CASE assignments."""
    tree = ast.parse((ROOT / ROLE_TABLE).read_text(encoding="utf-8"))
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
    }


GROUPS = _group_names()


def _is_role(node) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def _is_group(node) -> bool:
    return isinstance(node, ast.Name) and node.id in GROUPS


def _is_starred_group(node) -> bool:
    return isinstance(node, ast.Starred) and isinstance(node.value, ast.Name) and node.value.id in GROUPS


def _members_make_a_group(elements) -> bool:
    """Two or more roles, or a starred group next to a role or another starred group."""
    role_count = sum(_is_role(e) for e in elements)
    starred = sum(_is_starred_group(e) for e in elements)
    loose_star = any(isinstance(e, ast.Starred) for e in elements)
    return role_count >= 2 or (loose_star and role_count >= 1) or starred >= 2


def _literal(node):
    """The elements of a role literal: ``(a, b)``, ``[a]``, ``{a}``, ``frozenset({a, b})``."""
    if isinstance(node, COLLECTIONS):
        return node.elts
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in COLLECTION_CALLS
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], COLLECTIONS)
    ):
        return node.args[0].elts
    return None


def _role_ish(node) -> bool:
    """A group, a role, or a literal / call made of them (for set operations and aliases)."""
    if _is_group(node) or _is_role(node):
        return True
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in COLLECTION_CALLS
        and len(node.args) == 1
    ):
        return _role_ish(node.args[0])
    elements = _literal(node)
    return bool(elements) and all(_is_role(e) or _is_starred_group(e) for e in elements)


def offences(source: str) -> list[tuple[int, str]]:
    """Where ``source`` builds a group of roles of its own: (line, code) pairs."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if (
            (isinstance(node, COLLECTIONS) and _members_make_a_group(node.elts))
            or (isinstance(node, ast.Call) and _members_make_a_group(node.args))
            or (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.BitOr | ast.BitAnd | ast.Sub | ast.Add | ast.BitXor)
                and _role_ish(node.left)
                and _role_ish(node.right)
            )
        ):
            found.append(node)
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if value is not None and not _is_role(value) and _role_ish(value):
            found.append(node)  # a single role may have a name of its own; a group may not
    unique = {(node.lineno, ast.unparse(node)) for node in found}
    return sorted(unique)


def _modules():
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".py") or name.startswith("test_") or name == "conftest.py":
                continue
            path = Path(directory, name)
            relative = path.relative_to(ROOT)
            if relative != ROLE_TABLE:
                yield relative, path


def test_the_scan_reads_the_apps():
    scanned = {relative.as_posix() for relative, _ in _modules()}
    assert {"beneficiaries/permissions.py", "partycare/states.py", "reports/views.py"} <= scanned
    assert not any("/tests/" in f"/{name}" or "/migrations/" in f"/{name}" for name in scanned)


def test_no_module_keeps_a_tuple_of_roles_of_its_own():
    found = [
        f"{relative}:{line}: {code}"
        for relative, path in _modules()
        for line, code in offences(path.read_text(encoding="utf-8"))
    ]
    assert not found, "import a group from org.roles instead (add one there if none fits):\n" + "\n".join(
        found
    )


CAUGHT = [
    "EDITORS = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)",
    "x = [Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE]",
    "def f(user):\n    return user.role in {Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR}",
    "x = frozenset({Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER})",
    "x = set([Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER])",
    "class A:\n    write_roles = (*OFFICE, Role.VILLAGE_CADRE)",
    "class A:\n    write_roles = (Role.VILLAGE_CADRE, *STAFF)",
    "x = (*OFFICE, *COUNTY)",
    "def f(user):\n    require_role(user, Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)",
    "def f(user):\n    return has_role(user, *OFFICE, Role.COUNTY_REVIEWER)",
    "def f(qs):\n    return qs.filter(role__in=[Role.TOWNSHIP_LEADER, Role.TOWNSHIP_STAFF])",
    "x = OFFICE | {Role.VILLAGE_CADRE}",
    "x = ALL_ROLES - COUNTY",
    "PREPARER_ROLES = (Role.TOWNSHIP_STAFF,)",
    "OFFICE_ROLES = OFFICE",
    "OFFICE_ROLES = tuple(OFFICE)",
    "ALL = frozenset(ALL_ROLES)",
    "def f(user, *more):\n    return has_role(user, *more, Role.TOWNSHIP_STAFF)",
]

ALLOWED = [
    "def f(user):\n    return has_role(user, *OFFICE)",
    "def f(user):\n    require_role(user, Role.COUNTY_REVIEWER)",
    "class A:\n    write_roles = (Role.COUNTY_REVIEWER,)",
    "class A:\n    write_roles = OFFICE_AND_REVIEWER",
    "T = Transition('notice', (S.DRAFT,), S.NOTICE, (Role.TOWNSHIP_STAFF,))",
    "INBOX = {Role.VILLAGE_CADRE: (S.DRAFT,), Role.TOWNSHIP_STAFF: (S.DRAFT, S.CHECKED)}",
    "IMPORT_ROLES = {'targets': OFFICE, 'progress': FIELD}",
    "x = (Division.Level.TOWNSHIP, Division.Level.VILLAGE)",
    "LEADER = Role.TOWNSHIP_LEADER",
    "def f(*args):\n    return g(*args)",
]


@pytest.mark.parametrize("source", CAUGHT)
def test_the_scan_catches(source):
    assert offences(source), source


@pytest.mark.parametrize("source", ALLOWED)
def test_the_scan_lets_pass(source):
    assert offences(source) == [], source


def _groups():
    return {name: getattr(roles, name) for name in sorted(GROUPS)}


def test_the_table_holds_groups_only():
    assert len(GROUPS) >= 10
    for name, group in _groups().items():
        assert isinstance(group, frozenset), f"{name} is a {type(group).__name__}, not a frozenset"
        assert group, f"{name} is empty"
        assert group <= set(Role.values), f"{name} holds {set(group) - set(Role.values)}, not roles"
        assert all(isinstance(role, Role) for role in group), f"{name} holds plain strings"


def test_the_docstring_table_says_who_is_in_each_group():
    """The table in org/roles.py's docstring marks each group's members; it matches the code."""
    lines = roles.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["group"])
    header = lines[start]
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    abbreviations = {"TS": "township_staff", "TL": "township_leader", "VC": "village_cadre"}
    abbreviations |= {"CR": "county_reviewer", "CA": "county_auditor"}
    abbreviations |= {"MR": "city_reviewer", "MA": "city_auditor"}
    abbreviations |= {"PR": "province_reviewer", "PA": "province_auditor"}
    columns = {header.index(f" {key} ") + 1: role for key, role in abbreviations.items()}
    rows = {}
    for line in lines[start + 1 : end]:
        name = line.split()[0]
        if name in GROUPS:
            rows[name] = {role for col, role in columns.items() if line[col : col + 2].strip() == "x"}
    assert set(rows) == GROUPS, f"groups missing from the docstring table: {GROUPS - set(rows)}"
    for name, members in rows.items():
        assert members == set(getattr(roles, name)), name
    assert set(Role.values) == set(abbreviations.values()), "a new role needs a column in the table"


def test_require_role_names_the_roles_in_a_stable_order():
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied) as refused:
        roles.require_role(AnonymousUser(), *roles.OFFICE_AND_COUNTY)
    labels = [str(role.label) for role in Role if role in roles.OFFICE_AND_COUNTY]
    assert "、".join(labels) in str(refused.value)
