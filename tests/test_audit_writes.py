"""No code writes an audited model past its audit history.

A model with ``HistoricalRecords`` (simple-history's ``registered_models``) is written in bulk only
through ``org/audit.py``: ``queryset.update()``, ``bulk_update()`` and ``bulk_create()`` write no
history rows, and a hand-set ``_history_user`` is how a forgotten user slipped through before. This
test reads the source of every app module (not tests, not migrations) and of bench/, and fails on:

- ``.update(`` / ``.bulk_update(`` / ``.bulk_create(`` on a receiver that names an audited model:
  ``Person.objects…``, ``models.Person._default_manager…``, an alias (``from … import Person as
  P``), a name assigned such a queryset earlier in the same function or module
  (``late = Concern.objects.filter(…)``; ``late.update(…)``), or a related manager whose accessor
  yields the model (``batch.payments.update(…)``);
- simple-history's own ``bulk_update_with_history`` / ``bulk_create_with_history`` (they fall back
  to the request's user: the helper names the user, or ``SYSTEM``);
- an assignment to ``_history_user`` (or ``setattr(…, "_history_user", …)``);
- raw SQL that updates, inserts into or deletes from an audited model's table.

Allowed: org/audit.py itself and beneficiaries/bulk.py (COPY inserts that write their own "+"
history rows), and the demo and benchmark writes listed in ``EXCEPTIONS`` with their reason.
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from simple_history.models import registered_models

ROOT = Path(settings.BASE_DIR)

ALLOWED_MODULES = {
    "org/audit.py": "the helper every audited write goes through",
    "beneficiaries/bulk.py": "COPY inserts for the roster import and batch generation; they write their own '+' history rows",
}

BULK_METHODS = {"update", "bulk_update", "bulk_create"}
#: attributes that lead from an audited model to one that is not: its history table, an m2m table
LEAVES_THE_MODEL = {"history", "through"}
HISTORY_UTILS = {"bulk_update_with_history", "bulk_create_with_history"}

DEMO = (
    "demo data (seed_demo): fictitious rows loaded before anybody uses the portal, like data that was there "
    "before the audit history; writing history rows for them would double the county profile's load time "
    "for nothing to audit"
)
DEMO_FIX = (
    "demo data (seed_demo) backdating or planting a state the demo needs (an old date, a deceased payee), "
    "not a change anybody made"
)
BENCH = "benchmark fixture data, written to a throwaway database and never shown as anybody's change"
FLOOR = (
    "the benchmark's floor: a bare bulk_create of the same rows, the yardstick the roster import (with "
    "history) is measured against"
)

#: (module, "Model.method") → why it may write without the helper. The test fails when an entry is
#: no longer needed, so the list stays the list of what really bypasses the history.
EXCEPTIONS = {
    ("beneficiaries/demo.py", "Callback.bulk_create"): DEMO,
    ("beneficiaries/demo.py", "Enrolment.bulk_create"): DEMO,
    ("beneficiaries/demo.py", "Household.bulk_create"): DEMO,
    ("beneficiaries/demo.py", "Household.bulk_update"): DEMO,
    ("beneficiaries/demo.py", "PaymentBatch.update"): DEMO_FIX,
    ("beneficiaries/demo.py", "Person.bulk_create"): DEMO,
    ("beneficiaries/demo.py", "Person.update"): DEMO_FIX,
    ("org/demo.py", "Department.bulk_create"): DEMO,
    ("org/demo.py", "Division.bulk_create"): DEMO,
    ("org/demo.py", "User.bulk_create"): DEMO,
    ("partycare/demo.py", "AidApplication.bulk_create"): DEMO,
    ("partycare/demo.py", "AidApplication.update"): DEMO_FIX,
    ("partycare/demo.py", "Branch.bulk_create"): DEMO,
    ("partycare/demo.py", "CareCase.bulk_create"): DEMO,
    ("partycare/demo.py", "Pairing.bulk_create"): DEMO,
    ("partycare/demo.py", "Pairing.update"): DEMO_FIX,
    ("partycare/demo.py", "PartyMember.bulk_create"): DEMO,
    ("partycare/demo.py", "Person.bulk_create"): DEMO,
    ("partycare/demo.py", "PioneerItem.bulk_create"): DEMO,
    ("fieldwork/demo.py", "Callback.bulk_create"): DEMO,
    ("fieldwork/demo.py", "Concern.bulk_create"): DEMO,
    ("fieldwork/demo.py", "Concern.bulk_update"): DEMO_FIX,
    ("projects/demo.py", "Department.bulk_create"): DEMO,
    ("projects/demo.py", "FundLine.bulk_create"): DEMO,
    ("projects/demo.py", "FundMovement.bulk_create"): DEMO,
    ("projects/demo.py", "ProgressReport.bulk_create"): DEMO,
    ("projects/demo.py", "Project.bulk_create"): DEMO,
    ("projects/demo.py", "Site.bulk_create"): DEMO,
    ("projects/demo.py", "SiteControl.bulk_create"): DEMO,
    ("projects/demo.py", "Target.bulk_create"): DEMO,
    ("publicity/demo.py", "Activity.bulk_create"): DEMO,
    ("publicity/demo.py", "InfoSubmission.bulk_create"): DEMO,
    ("publicity/demo.py", "Objection.bulk_create"): DEMO,
    ("publicity/demo.py", "PublicNotice.bulk_create"): DEMO,
    ("publicity/demo.py", "Supervisor.bulk_create"): DEMO,
    ("publicity/demo.py", "SupervisorVisit.bulk_create"): DEMO,
    ("publicity/demo.py", "Survey.bulk_create"): DEMO,
    ("publicity/demo.py", "SurveyResponse.bulk_create"): DEMO,
    ("reports/demo.py", "MonthlyReport.update"): DEMO_FIX,
    ("bench/measure_beneficiaries.py", "Person.bulk_create"): FLOOR,
    ("bench/measure_projects.py", "ProgressReport.bulk_create"): BENCH,
    ("bench/measure_projects.py", "Project.bulk_create"): BENCH,
    ("bench/measure_projects.py", "Target.bulk_create"): BENCH,
}


# --- what is audited ---------------------------------------------------------------------------


def audited_models() -> dict[str, type]:
    return {model.__name__: model for model in registered_models.values()}


def related_accessors(models: dict[str, type]) -> dict[str, str]:
    """Attribute names that give a manager of an audited model: ``batch.payments`` → Payment."""
    accessors = {}
    for name, model in models.items():
        for field in model._meta.get_fields():
            if field.many_to_one and field.concrete and not field.remote_field.hidden:
                accessors[field.remote_field.get_accessor_name()] = name
            elif field.many_to_many and field.concrete and field.related_model.__name__ in models:
                accessors[field.name] = field.related_model.__name__
    return accessors


def audited_tables(models: dict[str, type]) -> dict[str, str]:
    return {model._meta.db_table: name for name, model in models.items()}


# --- the scanner -------------------------------------------------------------------------------


def _chain(node) -> tuple[str | None, list[str]]:
    """The root name and the attribute names along ``a.b(…).c[…].d``, root first."""
    attributes = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id, attributes[::-1]
        else:
            return None, attributes[::-1]


class Scanner:
    """Finds the writes of audited models in one module's source. ``findings`` are
    ``(line, "Model.method")`` (Model is "?" for a ``_history_user`` or a history utility)."""

    def __init__(self, source: str, *, models: set[str], accessors: dict[str, str], tables: dict[str, str]):
        self.models, self.accessors, self.tables = models, accessors, tables
        self.tree = ast.parse(source)
        self.findings: list[tuple[int, str]] = []
        self.aliases = self._imports()
        self._scan_scope(self.tree, dict(self.aliases))

    def _imports(self) -> dict[str, str]:
        aliases = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in self.models:
                        aliases[alias.asname or alias.name] = alias.name
        return aliases

    def model_of(self, node, names: dict[str, str]) -> str | None:
        root, attributes = _chain(node)
        found = names.get(root) if root else None
        if found is None and root in self.models:
            found = root
        for attribute in attributes:
            if attribute in LEAVES_THE_MODEL:
                found = None
            elif attribute in self.models:
                found = attribute
            elif attribute in self.accessors:
                found = self.accessors[attribute]
        return found

    def _scan_scope(self, scope, names: dict[str, str]) -> None:
        # names bound to an audited model's queryset or manager anywhere in this scope
        # (flow-insensitive: a name reused for something else is renamed, not guessed at)
        body_nodes = list(self._own_nodes(scope))
        for node in body_nodes:
            targets = []
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                if isinstance(target, ast.Name):
                    model = self.model_of(value, names)
                    if model is not None:
                        names[target.id] = model
        for node in body_nodes:
            self._check(node, names)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                self._scan_scope(node, dict(names))

    def _own_nodes(self, scope):
        """The nodes of ``scope`` without descending into nested functions and classes (they
        are scopes of their own, yielded themselves)."""
        stack = list(ast.iter_child_nodes(scope))
        while stack:
            node = stack.pop()
            yield node
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                stack.extend(ast.iter_child_nodes(node))

    def _check(self, node, names) -> None:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in BULK_METHODS:
                model = self.model_of(func.value, names)
                if model is not None:
                    self.findings.append((node.lineno, f"{model}.{func.attr}"))
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in HISTORY_UTILS:
                self.findings.append((node.lineno, f"?.{called}"))
            if (
                called == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "_history_user"
            ):
                self.findings.append((node.lineno, "?._history_user"))
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr == "_history_user":
                    self.findings.append((node.lineno, "?._history_user"))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in re.finditer(
                r"\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+\"?(\w+)\"?", node.value, re.IGNORECASE
            ):
                if match.group(2) in self.tables:
                    self.findings.append((node.lineno, f"{self.tables[match.group(2)]}.raw-sql"))


def scan(source: str) -> list[tuple[int, str]]:
    models = audited_models()
    return Scanner(
        source, models=set(models), accessors=related_accessors(models), tables=audited_tables(models)
    ).findings


def modules() -> list[Path]:
    roots = [ROOT / "bench"]
    for config in apps.get_app_configs():
        path = Path(config.path)
        if path.is_relative_to(ROOT) and not path.relative_to(ROOT).parts[0].startswith("."):
            roots.append(path)  # the project's apps, not the installed packages under .venv
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if {"tests", "migrations"} & set(relative.parts) or path.name.startswith("test_"):
                continue
            found.append(path)
    return found


def all_findings() -> dict[tuple[str, str], list[int]]:
    found = {}
    for path in modules():
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED_MODULES:
            continue
        for line, what in scan(path.read_text(encoding="utf-8")):
            found.setdefault((relative, what), []).append(line)
    return found


# --- the tests ---------------------------------------------------------------------------------


def test_the_scan_covers_every_app_and_finds_the_audited_models():
    names = {path.relative_to(ROOT).parts[0] for path in modules()}
    assert {
        "org",
        "projects",
        "publicity",
        "beneficiaries",
        "fieldwork",
        "partycare",
        "reports",
        "common",
        "bench",
    } <= names
    assert {"Person", "Payment", "PaymentBatch", "Household", "Concern", "AnomalyFinding"} <= set(
        audited_models()
    )


def test_no_audited_model_is_written_past_its_history():
    found = all_findings()
    unexplained = {key: lines for key, lines in found.items() if key not in EXCEPTIONS}
    assert not unexplained, (
        "Write these through org.audit (audited_save / audited_update / audited_bulk_update / "
        "audited_bulk_create, with the acting user or SYSTEM), or list them in EXCEPTIONS with the reason: "
        + "; ".join(f"{path}:{lines} {what}" for (path, what), lines in sorted(unexplained.items()))
    )


def test_every_exception_is_still_needed():
    found = all_findings()
    stale = sorted(key for key in EXCEPTIONS if key not in found)
    assert not stale, f"These exceptions no longer occur: remove them from EXCEPTIONS: {stale}"


SNIPPETS = [
    # (source, what the scanner must report)
    ("Person.objects.filter(pk=1).update(relation='head')", ["Person.update"]),
    ("models.Person._default_manager.filter(pk=1).update(name='x')", ["Person.update"]),
    ("from beneficiaries.models import Person as P\nP.objects.all().update(name='x')", ["Person.update"]),
    ("Payment.objects.bulk_update(changed, ['status'])", ["Payment.bulk_update"]),
    ("AnomalyFinding.objects.bulk_create(new, ignore_conflicts=True)", ["AnomalyFinding.bulk_create"]),
    (
        "def f():\n    late = Concern.objects.filter(is_overdue=True)\n    late.exclude(x=1).update(is_overdue=False)",
        ["Concern.update"],
    ),
    ("late = Concern.objects.all()\ndef f():\n    late.update(is_overdue=False)", ["Concern.update"]),
    ("def f(batch):\n    batch.payments.all().update(status='paid')", ["Payment.update"]),
    ("Person.history.filter(pk=1).update(history_change_reason='x')", []),
    ("through = Concern.departments.through\nthrough.objects.bulk_create(rows)", []),
    ("def f(obj, user):\n    obj._history_user = user", ["?._history_user"]),
    ("setattr(obj, '_history_user', user)", ["?._history_user"]),
    ("bulk_update_with_history(objs, Payment, ['status'])", ["?.bulk_update_with_history"]),
    ("cursor.execute('UPDATE beneficiaries_household AS h SET head_id = 1')", ["Household.raw-sql"]),
    # not audited, or not a model at all
    ("Job.objects.filter(pk=1).update(progress=2)", []),
    ("counts = {}\ncounts.update(a=1)", []),
    ("self.fields['x'].widget.attrs.update(autocomplete='off')", []),
    ("def f():\n    households = {}\n    households.update(zip(a, b))", []),
    ("audited_update(Concern.objects.filter(pk=1), user=SYSTEM, reason='t', is_overdue=True)", []),
]


@pytest.mark.parametrize(("source", "expected"), SNIPPETS)
def test_the_scanner_sees_the_patterns(source, expected):
    assert [what for _line, what in scan(source)] == expected
