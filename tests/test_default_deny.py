"""Default deny (issue 14): a read of a scoped model in a request or a task always says whose
scope it is in.

The mechanism is this scan. Every view, API, admin, export (exports*, excel, pdf), job, task
and selector module of the apps is parsed; each ``Model.objects…`` / ``Model._default_manager…``
chain on a scoped model (one with ``SCOPE_PATH`` / a ``visible_to`` queryset, names resolved
through the module's imports to the model class) must

- go through ``.visible_to(<user or Scope>)`` in the same chain, or
- be ``.none()`` (DRF views start from it), or ``.create()`` / ``.bulk_create()`` /
  ``.bulk_update()`` (writes of the objects handed over, not a read), or
- be a correlated subquery (``filter(project=OuterRef("pk"))``): it reads for one row of an
  outer query, and that outer query is the one that must be (and is checked to be) scoped, or
- sit inside a block or function marked as system work: ``with Scope.system("reason"):`` or
  ``@Scope.system("reason")`` (org/scoping.py), or
- be listed in ALLOWED below with a one-line reason (not a read of scoped data).

``get_object_or_404(Model, …)`` / ``get_list_or_404(Model, …)`` on a scoped model class is an
unscoped read too: pass ``Model.objects.visible_to(user)`` instead.

Related-manager reads (``project.targets.all()``) are not scanned: which model ``project`` is
cannot be told from the syntax without type inference, and the accessor names (``items``,
``events``, ``payments``) are shared by scoped and unscoped models alike. They start from an
object already fetched in scope; where a child may lie outside its parent's scope (a county
project's targets in other townships), the selector filters the children with visible_to.
"""

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

from org.scoping import Scope

ROOT = Path(__file__).resolve().parent.parent
APPS = ("org", "common", "projects", "beneficiaries", "publicity", "fieldwork", "partycare", "reports")
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SCOPING_METHODS = {"visible_to", "none"}
WRITE_METHODS = {"create", "bulk_create", "bulk_update"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}

# (module path, enclosing function or class, model): why it is not an unscoped read of scoped data.
ALLOWED: dict[tuple[str, str, str], str] = {
    # The job machinery (common/jobs.py belongs to the jobs helper of issue 14, item 3): the worker
    # claims and finishes the job row it was handed by id; who may *see* a job is Job.visible_to.
    ("common/jobs.py", "job_requeue_task", "Job"): "beat task: requeues stuck jobs by status (system work)",
    ("common/jobs.py", "job_files_purge", "Job"): "beat task: deletes expired result files (system work)",
    ("common/jobs.py", "_purge_orphans", "Job"): "beat task: files on disk without a job row (system work)",
    ("common/jobs.py", "_claim", "Job"): "the worker locks the job row it was handed by id",
    ("common/jobs.py", "_finish_failed", "Job"): "the worker marks the job row it runs as failed",
    ("common/jobs.py", "job_run", "Job"): "the worker re-reads the job row it was handed by id",
    (
        "common/jobs.py",
        "_reads_replica",
        "Job",
    ): "the worker asks whether the replica already holds the job row it was handed by id",
    ("org/selectors.py", "task_user", "User"): "a task re-fetches its acting user by id: the scope itself",
    # The guard of a batch's steps counts every held line of a batch the caller already fetched in
    # the user's scope (a check/approve must see them all, whoever acts).
    (
        "beneficiaries/selectors.py",
        "held_lines",
        "AnomalyFinding",
    ): "the findings of the batch's own township",
    ("beneficiaries/selectors.py", "held_lines", "Payment"): "the lines of a batch fetched in scope",
    ("beneficiaries/selectors.py", "held_lines", "PaymentClearance"): "the clearances of those lines",
    # A global unique key: the national ID identifies a person across the whole portal.
    ("beneficiaries/excel/roster_import.py", "_read_registry", "Person"): (
        "duplicate check on the national ID's blind index; outside the scope the row only says "
        "'registered in another area'"
    ),
    ("beneficiaries/excel/roster_import.py", "_validate_against_registry", "Enrolment"): (
        "double-enrolment check of the persons found above; only reported for in-scope villages"
    ),
    ("beneficiaries/excel/roster_import.py", "_record_heads", "Household"): (
        "writes the head of households this import just created or matched in scope (ids)"
    ),
    # Children of one object the caller fetched in scope, on the same division path.
    ("beneficiaries/excel/bank.py", "bank_rows", "Payment"): (
        "the lines of one batch fetched through PaymentBatch.visible_to (a batch pays its township)"
    ),
    (
        "projects/selectors.py",
        "site_controls",
        "SiteControl",
    ): "the six controls of a site fetched by site_get",
    ("partycare/notices.py", "aid_notice", "PublicNotice"): "the notice an in-scope application links to",
    ("fieldwork/selectors.py", "visit_callbacks_prefetch", "Callback"): (
        "Prefetch of the callbacks of visits fetched in scope (recorded on that visit, its village)"
    ),
    ("publicity/selectors.py", "notice_blocking_reason", "PublicNotice"): (
        "re-reads the status of a notice the caller already holds (fresh, not a new record)"
    ),
    ("publicity/selectors.py", "notices_for_source", "PublicNotice"): (
        "the notices posted for one record the caller fetched in scope (its own publicity)"
    ),
    # Scope rules wider than visible_to, built on it.
    ("beneficiaries/selectors.py", "enrolment_projects", "Project"): (
        "visible_to(user) plus the user's own township/county projects (a cadre enrols in them)"
    ),
    ("beneficiaries/selectors.py", "standard_list", "SubsidyStandard"): (
        "the standards of enrolment_projects(user=…), the same widened rule"
    ),
    ("reports/selectors.py", "_latest_scorecards", "ScorecardScheme"): (
        "the county scheme holding the user's own card (ids from Scorecard.visible_to)"
    ),
    ("reports/selectors.py", "scheme_get", "ScorecardScheme"): (
        "visible_to(user) plus the schemes holding the user's own cards (Scorecard.visible_to)"
    ),
    ("partycare/selectors.py", "campaign_coverage", "Branch"): (
        "branch names of the member rows just read through CampaignTarget.visible_to"
    ),
    # Not personal data: words and counts.
    ("projects/excel.py", "project_table_rows", "Target"): (
        "the unit word (例, 人 …) of visible projects' top targets for the header; no quantities"
    ),
    ("publicity/selectors.py", "project_counts", "Project"): (
        "how many projects each given unit leads (quota arithmetic, a count)"
    ),
    ("publicity/selectors.py", "_submission_counts", "InfoSubmission"): (
        "counts of submissions per given unit and kind (quota arithmetic, no content)"
    ),
    # The public column (no login): published items only, personal data masked in the snapshot.
    ("publicity/selectors.py", "public_current_notices", "PublicNotice"): "public column: notices open today",
    ("publicity/selectors.py", "public_notice_queryset", "PublicNotice"): "public column: published notices",
    ("publicity/selectors.py", "public_submission_list", "InfoSubmission"): "public column: published items",
    ("publicity/selectors.py", "public_submission_get", "InfoSubmission"): "public column: published items",
}


def _is_scanned(relative: Path) -> bool:
    """View, API, admin, export, job, task and selector modules (and packages of that name); a
    ``notices`` module holds the reads of a notice that guards need below the selectors."""
    if "tests" in relative.parts or "migrations" in relative.parts or relative.name.startswith("test_"):
        return False
    stem = relative.stem
    if set(relative.parts[1:-1]) & {"api", "views", "selectors", "exports", "excel"}:
        return True
    return (
        "views" in stem
        or stem.startswith("admin")
        or "exports" in stem
        or stem in {"excel", "pdf", "jobs", "tasks", "selectors", "notices"}
    )


def scanned_modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if _is_scanned(path.relative_to(ROOT)):
                found.append(path)
    return found


def scoped_models() -> set[type]:
    return {
        model
        for model in apps.get_models()
        if hasattr(model, "SCOPE_PATH") or hasattr(model._default_manager, "visible_to")
    }


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    where: str
    model: str
    code: str

    def __str__(self):
        return (
            f"{self.path}:{self.line}: {self.code} in {self.where} reads {self.model} without saying "
            f"whose scope: use {self.model}.objects.visible_to(user) (or a selector), "
            f"or mark system work with `with Scope.system('reason'):`"
        )


class _Names:
    """What a name in a module stands for: its globals, plus every import anywhere in it
    (function-level imports included) and ``X = get_user_model()``."""

    def __init__(self, module_name: str, tree: ast.AST):
        module = importlib.import_module(module_name)
        self.names = dict(vars(module))
        package = module_name.rsplit(".", 1)[0] if not module_name.endswith("__init__") else module_name
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                    source = ".".join(base + ([source] if source else []))
                for alias in node.names:
                    value = self._import(source, alias.name)
                    if value is not None:
                        self.names.setdefault(alias.asname or alias.name, value)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    try:
                        value = importlib.import_module(alias.name)
                    except ImportError:
                        continue
                    if alias.asname:
                        self.names.setdefault(alias.asname, value)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                func = node.value.func
                if getattr(func, "id", getattr(func, "attr", None)) == "get_user_model":
                    from django.contrib.auth import get_user_model

                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.names.setdefault(target.id, get_user_model())

    @staticmethod
    def _import(source: str, name: str):
        try:
            module = importlib.import_module(source)
        except ImportError:
            return None
        if hasattr(module, name):
            return getattr(module, name)
        try:
            return importlib.import_module(f"{source}.{name}")
        except ImportError:
            return None

    def resolve(self, node):
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return getattr(base, node.attr, None) if base is not None else None
        return None


def _parents(tree) -> dict:
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _chain(node, parents) -> tuple[list[str], bool]:
    """The methods called along the chain that starts at ``node`` (``Model.objects``), and
    whether it is a correlated subquery (an argument refers to the outer query's row)."""
    methods, correlated = [], False
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            grand = parents.get(parent)
            if isinstance(grand, ast.Call) and grand.func is parent:
                methods.append(parent.attr)
                correlated |= any(
                    isinstance(inner, ast.Call) and getattr(inner.func, "id", None) == "OuterRef"
                    for argument in [*grand.args, *(k.value for k in grand.keywords)]
                    for inner in ast.walk(argument)
                )
                node = grand
                continue
            node = parent
            continue
        return methods, correlated


def _is_system_marker(expression, names: _Names) -> bool:
    return (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Attribute)
        and expression.func.attr == "system"
        and names.resolve(expression.func.value) is Scope
    )


def _context(node, parents, names: _Names) -> tuple[str, bool]:
    """The qualified name of the enclosing function/class, and whether it is system work."""
    where, system = [], False
    current = node
    while current in parents:
        current = parents[current]
        if isinstance(current, ast.With | ast.AsyncWith):
            system |= any(_is_system_marker(item.context_expr, names) for item in current.items)
        elif isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            where.append(current.name)
            if not isinstance(current, ast.ClassDef):
                system |= any(_is_system_marker(d, names) for d in current.decorator_list)
    return ".".join(reversed(where)) or "<module>", system


def scan_source(source: str, module_name: str, path: str, models: set[type]) -> list[Finding]:
    tree = ast.parse(source)
    names = _Names(module_name, tree)
    parents = _parents(tree)
    findings = []
    for node in ast.walk(tree):
        model = None
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            model = names.resolve(node.value)
            if model not in models:
                continue
            methods, correlated = _chain(node, parents)
            if SCOPING_METHODS & set(methods) or correlated or (methods and methods[0] in WRITE_METHODS):
                continue
            code = (
                f"{ast.unparse(node)}." + ".".join(f"{m}()" for m in methods)
                if methods
                else ast.unparse(node)
            )
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in SHORTCUTS and node.args:
            model = names.resolve(node.args[0])
            if model not in models:
                continue
            code = f"{node.func.id}({model.__name__}, …)"
        else:
            continue
        where, system = _context(node, parents, names)
        if system:
            continue
        findings.append(Finding(path, node.lineno, where, model.__name__, code))
    return findings


def scan() -> list[Finding]:
    models = scoped_models()
    findings = []
    for path in scanned_modules():
        relative = path.relative_to(ROOT)
        module_name = ".".join(relative.with_suffix("").parts)
        findings += scan_source(path.read_text(), module_name, str(relative), models)
    return findings


def test_scan_covers_every_kind_of_module():
    paths = {str(p.relative_to(ROOT)) for p in scanned_modules()}
    for expected in (
        "beneficiaries/views/batches.py",
        "beneficiaries/api/views.py",
        "beneficiaries/admin.py",
        "beneficiaries/excel/roster_import.py",
        "beneficiaries/excel/bank.py",
        "beneficiaries/excel/exports.py",
        "beneficiaries/jobs.py",
        "beneficiaries/tasks.py",
        "beneficiaries/selectors.py",
        "publicity/exports.py",
        "publicity/pdf.py",
        "publicity/public_views.py",
        "partycare/views_setup.py",
        "fieldwork/exports.py",
        "fieldwork/views.py",
        "fieldwork/api/views.py",
        "common/api_views.py",
    ):
        assert expected in paths
    assert not any("/tests/" in p or "/migrations/" in p for p in paths)
    assert {m.__name__ for m in scoped_models()} >= {"Person", "Enrolment", "Project", "Division", "User"}


@pytest.mark.parametrize(
    ("snippet", "flagged"),
    [
        ("def f(user):\n    return Person.objects.filter(pk=1)", True),
        ("def f(user):\n    return Person.objects.all().visible_to(user).get(pk=1)", False),
        ("def f(user):\n    return Person.objects.visible_to(user).get(pk=1)", False),
        ("def f():\n    return Person._default_manager.count()", True),
        ("def f():\n    return models.Person.objects.get(pk=1)", True),
        ("class V:\n    queryset = Person.objects.none()", False),
        ("class V:\n    queryset = Person.objects.all()", True),
        ("def f():\n    return Person.objects.create(name='x')", False),
        ("def f():\n    return get_object_or_404(Person, pk=1)", True),
        ("def f(user):\n    return get_object_or_404(Person.objects.visible_to(user), pk=1)", False),
        ("def f():\n    with Scope.system('nightly'):\n        return Person.objects.count()", False),
        ("@Scope.system('nightly')\ndef f():\n    return Person.objects.count()", False),
        ("def f():\n    with open('x'):\n        return Person.objects.count()", True),
        ("def f():\n    return Person.DoesNotExist", False),
        ("def f():\n    return PersonObjects.objects.all()", False),
        ("def f():\n    return Person.objects.filter(village=OuterRef('pk')).values('pk')", False),
        ("def f(pks):\n    return Person.objects.filter(pk__in=pks).values('pk')", True),
    ],
)
def test_scan_flags_unscoped_reads(snippet, flagged):
    source = (
        "from django.shortcuts import get_object_or_404\n"
        "from beneficiaries import models\n"
        "from beneficiaries.models import Person\n"
        "from org.scoping import Scope\n" + snippet + "\n"
    )
    findings = scan_source(source, "beneficiaries.selectors", "example.py", scoped_models())
    assert bool(findings) is flagged, findings


def test_no_unscoped_reads():
    findings = scan()
    used = {(f.path, f.where, f.model) for f in findings}
    unexplained = [str(f) for f in findings if (f.path, f.where, f.model) not in ALLOWED]
    assert not unexplained, "\n".join(unexplained)
    stale = set(ALLOWED) - used
    assert not stale, f"ALLOWED entries that match nothing any more (remove them): {sorted(stale)}"
