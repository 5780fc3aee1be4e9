"""Every export escapes formula injection (issue 9): text a resident or an officer typed that
starts like a formula (=, +, -, @, tab, CR) must reach Excel, WPS or LibreOffice as text.

Two parts. Statically, spreadsheets are written only by the shared writers of core/excel/
(which escape every text cell) or by a module named here and tested below. Dynamically, the
small demo is seeded, hostile text is planted in the fields exports show (names, project and
village names, bank names, anomaly details), and EVERY registered export job kind is run and
its file read back cell by cell: no formula, no text starting with a formula character. A new
export kind fails the test until it has parameters in EXPORT_PARAMS (or is declared not to
produce a spreadsheet)."""

import ast
import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from openpyxl import load_workbook

from common.jobs import job_enqueue, job_kinds, job_run
from common.models import Job
from core.excel import FORMULA_STARTS

ROOT = Path(__file__).resolve().parent.parent
# What writes a spreadsheet: these libraries' writers (reading a file with them is fine).
WRITER_MODULES = {"xlsxwriter", "rustpy_xlsxwriter"}
WRITER_NAMES = {("csv", "writer"), ("csv", "DictWriter"), ("openpyxl", "Workbook")}
# Modules that may use a spreadsheet library directly, and why.
DIRECT_WRITERS = {
    "core/excel/templates.py": "the import templates (escaping tested in core/tests/test_excel.py)",
    "core/excel/csv_writer.py": "the shared CSV writer (escaping tested in core/tests/test_excel.py)",
    "reports/rendering.py": "the monthly report's sheets; escaping checked in test_monthly_report_xlsx_escapes",
}
SKIPPED_DIRS = {".venv", "node_modules", "var", "static", "bench", "tests", "migrations", "locale"}


def _python_files():
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts[:-1])
        if parts & SKIPPED_DIRS or path.name.startswith("test_"):
            continue
        yield path


def _writers_used(tree) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] in WRITER_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = node.module.split(".")[0]
            if module in WRITER_MODULES:
                found.append((node.lineno, node.module))
            found += [
                (node.lineno, f"{module}.{a.name}") for a in node.names if (module, a.name) in WRITER_NAMES
            ]
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in WRITER_NAMES
        ):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return found


def test_spreadsheets_are_written_only_through_the_shared_writers():
    offenders = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in DIRECT_WRITERS:
            continue
        for line, what in _writers_used(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{relative}:{line} uses {what}")
    assert not offenders, "write spreadsheets with core.excel (it escapes formulas): " + "; ".join(offenders)


def test_the_static_check_sees_a_writer():
    source = (
        "import csv\nfrom openpyxl import Workbook\nimport xlsxwriter\ncsv.writer(None)\ncsv.reader([])\n"
    )
    assert [what for _line, what in _writers_used(ast.parse(source))] == [
        "openpyxl.Workbook",
        "xlsxwriter",
        "csv.writer",
    ]


HOSTILE = '=HYPERLINK("http://127.0.0.1/x","点我")'


def _plant_hostile_text():
    from beneficiaries.models import AnomalyFinding, Person
    from org.models import Department, Division
    from projects.models import Project

    Person.objects.update(name=Concat(Value("="), F("name")), bank_name=Value("+86 银行"))
    Project.objects.update(name=Concat(Value("@"), F("name")))
    Division.objects.filter(level="village").update(name=Concat(Value("-"), F("name")))
    Department.objects.update(name=Concat(Value("\t="), F("name")))
    AnomalyFinding.objects.update(detail=Value(HOSTILE))


def _export_params():
    """Parameters for each export kind; a kind missing here fails the test (add it)."""
    from beneficiaries.models import PaymentBatch
    from partycare.models import Campaign

    batch = PaymentBatch.objects.order_by("pk").first()
    campaign = Campaign.objects.order_by("pk").first()
    return {
        "projects.export_table": {"year": 2026},
        "projects.export_progress": {"year": 2026},
        "beneficiaries.bank_file": {"batch": batch.pk, "format": "xlsx"},
        "beneficiaries.bank_file/csv": {"batch": batch.pk, "format": "csv"},
        "beneficiaries.export_roster": {"filters": {}},
        "beneficiaries.export_batch": {"batch": batch.pk},
        "beneficiaries.export_anomalies": {"filters": {}},
        "reports.fund_position": {"month": "2026-10"},
        "reports.roster": {},
        "reports.audit_history": {"kind": "person"},
        "reports.aid_payments": {"year": 2026},
        "reports.payment_batches": {"year": 2026},
        "partycare.export_old_members": {},
        "fieldwork.export_visits": {"year": 2026},
        "partycare.export_aid_payments": {"year": 2026},
        "partycare.export_campaign_coverage": {"campaign": campaign.pk},
    }


# Kinds that read a file or compute records instead of producing a spreadsheet.
NOT_EXPORTS = {
    "beneficiaries.anomaly_check": "writes findings, no file",
    "reports.monthly_generate": "its .xlsx is checked in test_monthly_report_xlsx_escapes",
    "reports.scorecard_compute": "writes scorecards, no file",
}


def _cells(content: bytes, name: str):
    if name.endswith(".pdf"):
        return
    if name.endswith(".csv"):
        text = content.decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text)):
            yield from ((value, False) for value in row)
        return
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                yield cell.value, cell.data_type == "f"


def _dangerous(content: bytes, name: str) -> list:
    bad = []
    for value, is_formula in _cells(content, name):
        if is_formula or (isinstance(value, str) and value.startswith(FORMULA_STARTS)):
            bad.append(value)
    return bad


def _runner(kind):
    from org.models import Role, User

    for role in (Role.COUNTY_AUDITOR, Role.TOWNSHIP_STAFF):
        if role in kind.roles:
            return User.objects.get(username=f"demo-{'auditor' if role == Role.COUNTY_AUDITOR else 'staff'}")
    return User.objects.get(username="demo-admin")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module inside a transaction that is rolled back at its end (a flush
    would also remove the schedules the migrations create)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", profile="small", verbosity=0)
            _plant_hostile_text()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
def test_every_export_kind_escapes_formulas(seeded, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    params = _export_params()
    kinds = {k.kind: k for k in job_kinds() if not k.spec and not k.kind.startswith("test.")}
    missing = set(kinds) - {key.split("/")[0] for key in params} - set(NOT_EXPORTS)
    assert not missing, f"add parameters for the export kinds {sorted(missing)} to EXPORT_PARAMS"
    checked = []
    for key, kind_params in params.items():
        kind = kinds[key.split("/")[0]]
        user = _runner(kind)
        job = job_enqueue(user=user, kind=kind.kind, params=kind_params)
        assert job_run(job_id=job.pk) == "done", (key, Job.objects.get(pk=job.pk).message)
        job = Job.objects.get(pk=job.pk)
        with job.result.open("rb") as handle:
            content = handle.read()
        assert content, key
        assert not _dangerous(content, job.result_name), (key, _dangerous(content, job.result_name)[:5])
        checked.append(key)
    assert len(checked) == len(params)


@pytest.mark.django_db
def test_planted_text_really_reaches_the_exports(seeded, settings, tmp_path):
    """The check above would pass on an export that dropped the names: this one proves the
    hostile names are in the file, escaped with a leading apostrophe."""
    from org.models import User

    settings.MEDIA_ROOT = tmp_path
    job = job_enqueue(user=User.objects.get(username="demo-auditor"), kind="reports.roster", params={})
    assert job_run(job_id=job.pk) == "done"
    with Job.objects.get(pk=job.pk).result.open("rb") as handle:
        values = [v for v, _f in _cells(handle.read(), "x.xlsx") if isinstance(v, str)]
    assert any(v.startswith("'=") for v in values) and any(v.startswith("'-") for v in values)


def test_monthly_report_xlsx_escapes():
    from reports.rendering import sections_xlsx

    content = sections_xlsx(
        title=HOSTILE,
        meta=[("+乡镇", "-1+2")],
        summary="@SUM(A1:A3)",
        sections=[
            {
                "title": "=项目",
                "columns": [
                    {"key": "name", "label": "=名称"},
                    {"key": "n", "label": "数", "kind": "integer"},
                ],
                "rows": [{"name": "\t=1+1", "n": 3}, {"name": "-x", "n": "=2"}],
                "totals": {"name": "+合计", "n": 3},
                "note": "=备注",
            }
        ],
    )
    assert not _dangerous(content, "report.xlsx")
