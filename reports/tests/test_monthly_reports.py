import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from org.models import Role
from org.scoping import Scope
from org.tests.factories import UserFactory
from reports import services
from reports.models import MonthlyReport
from reports.tests.factories import township_project

SYSTEM = Scope.system("test data")

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def generate(tree, month=OCTOBER, **kwargs):
    kwargs.setdefault("user", SYSTEM)
    return services.monthly_report_generate(township_id=tree.township.pk, month=month, **kwargs)


def section(report, key):
    return next(s for s in report.sections if s["key"] == key)


def test_snapshot_holds_hand_computed_numbers(tree):
    township_project(tree, quantity="100", actual="40")
    report = generate(tree)
    assert report.version == 1 and report.is_current and report.status == "draft"
    (row,) = section(report, "projects")["rows"]
    assert (row["target"], row["actual"], row["completion"]) == ("100.00", "40.00", "0.4000")
    funds = section(report, "funds")
    central = next(r for r in funds["rows"] if r["source"] == "central")
    # 80,000 / 100,000; 60,000 / 80,000; 30,000 / 60,000 (the November payment is not counted)
    assert central["received_rate"] == "0.8000"
    assert central["allocated_rate"] == "0.7500"
    assert central["spent_rate"] == "0.5000"
    assert central["spent"] == "30000.00"
    provincial = next(r for r in funds["rows"] if r["source"] == "provincial")
    assert provincial["received_rate"] is None  # nothing planned: "—", not 0 and not an error
    assert report.headline["completion_rate"] == "0.4000"
    assert report.xlsx.name.endswith(".xlsx") and report.pdf.name.endswith(".pdf")


def test_absent_apps_are_not_available_never_zero(tree, monkeypatch):
    from reports import sources
    from reports.sources import registry

    # Every app has landed; an app that is missing (a module that does not exist) still shows
    # as "not available", never as zeros. The list is patched where it is read: the registry.
    ghost = sources.Section(
        "ghost", "Ghosts", "ghostapp.selectors", lambda u, p: {"rows": [0]}, needs="ghosts"
    )
    monkeypatch.setattr(registry, "SECTIONS", [*registry.SECTIONS, ghost])
    report = generate(tree)
    entry = section(report, "ghost")
    assert entry["available"] is False
    assert "rows" not in entry
    assert "ghosts" in entry["note"]


def test_generation_is_idempotent(tree):
    first = generate(tree)
    second = generate(tree)
    assert first.pk == second.pk
    assert MonthlyReport.objects.filter(township=tree.township, month=OCTOBER).count() == 1


def test_database_refuses_two_current_reports(tree):
    first = generate(tree)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReport.objects.create(
            township=tree.township, month=OCTOBER, version=2, snapshot=first.snapshot
        )


def test_snapshot_is_immutable(tree):
    report = generate(tree)
    report = MonthlyReport.objects.get(pk=report.pk)
    report.snapshot["headline"]["completion_rate"] = "1.0000"
    with pytest.raises(ValidationError):
        report.save()
    fresh = MonthlyReport.objects.get(pk=report.pk)
    fresh.summary = "ok"
    fresh.save()  # other fields may change


def test_the_database_refuses_a_changed_snapshot_too(tree):
    """Below the model: a queryset update (the admin's bulk actions, a script) is refused."""
    from django.db import IntegrityError, transaction

    report = MonthlyReport.objects.get(pk=generate(tree).pk)
    with pytest.raises(IntegrityError, match="snapshot cannot be changed"), transaction.atomic():
        MonthlyReport.objects.filter(pk=report.pk).update(snapshot={"headline": {}})
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReport.objects.filter(pk=report.pk).update(version=9)
    MonthlyReport.objects.filter(pk=report.pk).update(summary="写好的总结", status=report.status)
    assert MonthlyReport.objects.get(pk=report.pk).snapshot == report.snapshot


def test_future_and_current_month_are_refused(tree):
    with pytest.raises(ValidationError, match="has not ended"):
        generate(tree, month=datetime.date(2099, 1, 1))
    assert not MonthlyReport.objects.exists()


def test_village_is_not_a_township(tree):
    with pytest.raises(ValidationError):
        services.monthly_report_generate(user=SYSTEM, township_id=tree.village.pk, month=OCTOBER)


def test_outside_scope_is_refused(tree, users):
    other_staff = UserFactory(role=Role.TOWNSHIP_STAFF, division=tree.township2)
    with pytest.raises(PermissionDenied):
        generate(tree, user=other_staff)


def codes(excinfo) -> set:
    """The codes of a ValidationError (the messages depend on the active language)."""
    error = excinfo.value
    errors = (
        [e for items in error.error_dict.values() for e in items]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return {e.code for e in errors}


def walk_to_submitted(report, users):
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    services.monthly_report_summary_set(user=staff, report_id=report.pk, summary="本月进展顺利。")
    services.monthly_report_transition(user=staff, report_id=report.pk, name="request_approval")
    return services.monthly_report_transition(user=leader, report_id=report.pk, name="submit")


def test_workflow_and_version_chain(tree, users):
    staff, reviewer = users[Role.TOWNSHIP_STAFF], users[Role.COUNTY_REVIEWER]
    first = generate(tree)
    submitted = walk_to_submitted(first, users)
    assert submitted.status == "submitted" and submitted.approved_by == users[Role.TOWNSHIP_LEADER]
    with pytest.raises(ValidationError, match="not possible"):  # submitting twice
        services.monthly_report_transition(
            user=users[Role.TOWNSHIP_LEADER], report_id=first.pk, name="submit"
        )
    with pytest.raises(ValidationError):  # a return needs a comment
        services.monthly_report_transition(user=reviewer, report_id=first.pk, name="return")
    services.monthly_report_transition(user=reviewer, report_id=first.pk, name="return", comment="数据有误")
    with pytest.raises(ValidationError) as excinfo:  # accepting a returned report
        services.monthly_report_transition(user=reviewer, report_id=first.pk, name="accept")
    assert codes(excinfo) == {"invalid_transition"}
    second = services.monthly_report_regenerate(user=staff, report_id=first.pk)
    first.refresh_from_db()
    assert (second.version, second.previous_id, second.is_current) == (2, first.pk, True)
    assert first.is_current is False and first.status == "returned"
    assert second.summary == "本月进展顺利。"  # carried over to be revised
    # the old version changes no more
    with pytest.raises(ValidationError, match="old version"):
        services.monthly_report_transition(user=reviewer, report_id=first.pk, name="accept")
    walk_to_submitted(second, users)
    accepted = services.monthly_report_transition(user=reviewer, report_id=second.pk, name="accept")
    assert accepted.status == "accepted"
    assert list(
        MonthlyReport.objects.filter(month=OCTOBER).values_list("version", flat=True).order_by("version")
    ) == [1, 2]


def test_four_eyes_leader_who_prepared_cannot_submit(tree, users):
    leader = UserFactory(role=Role.TOWNSHIP_LEADER, division=tree.township)
    report = generate(tree)
    services.monthly_report_summary_set(user=users[Role.TOWNSHIP_STAFF], report_id=report.pk, summary="x")
    services.monthly_report_transition(
        user=users[Role.TOWNSHIP_STAFF], report_id=report.pk, name="request_approval"
    )
    MonthlyReport.objects.filter(pk=report.pk).update(prepared_by=leader)
    with pytest.raises(ValidationError) as excinfo:
        services.monthly_report_transition(user=leader, report_id=report.pk, name="submit")
    assert codes(excinfo) == {"four_eyes"}
    assert MonthlyReport.objects.get(pk=report.pk).status == "awaiting_approval"


def test_summary_required_and_wrong_roles(tree, users):
    report = generate(tree)
    with pytest.raises(ValidationError, match="summary"):
        services.monthly_report_transition(
            user=users[Role.TOWNSHIP_STAFF], report_id=report.pk, name="request_approval"
        )
    with pytest.raises(PermissionDenied):
        services.monthly_report_transition(
            user=users[Role.COUNTY_AUDITOR], report_id=report.pk, name="accept"
        )
    other = UserFactory(role=Role.TOWNSHIP_STAFF, division=tree.township2)
    with pytest.raises(Http404):
        services.monthly_report_summary_set(user=other, report_id=report.pk, summary="x")
    assert MonthlyReport.objects.get(pk=report.pk).summary == ""


@pytest.mark.parametrize(
    ("local", "late"),
    [
        (datetime.datetime(2026, 11, 5, 23, 59, 59), False),
        (datetime.datetime(2026, 11, 6, 0, 0, 0), True),
        (datetime.datetime(2026, 11, 1, 8, 0), False),
        (datetime.datetime(2026, 12, 2, 8, 0), True),
    ],
)
def test_late_at_the_day_boundary_in_shanghai(settings, local, late):
    settings.REPORTS_SUBMISSION_DEADLINE_DAY = 5
    submitted_at = local.replace(tzinfo=SHANGHAI).astimezone(datetime.UTC)
    assert services.is_late(month=OCTOBER, submitted_at=submitted_at) is late


def test_deadline_day_is_configurable_and_clamped(settings):
    settings.REPORTS_SUBMISSION_DEADLINE_DAY = 31
    assert services.submission_deadline(datetime.date(2026, 1, 1)) == datetime.date(2026, 2, 28)
    settings.REPORTS_SUBMISSION_DEADLINE_DAY = 10
    assert services.submission_deadline(datetime.date(2026, 12, 1)) == datetime.date(2027, 1, 10)


def test_pdf_embeds_a_cjk_font(tree, tmp_path):
    import subprocess

    township_project(tree)
    report = generate(tree)
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf.read())
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts
    lines = [line for line in fonts.splitlines() if "CJK" in line]
    assert all(" yes " in line for line in lines)  # embedded


def test_xlsx_has_a_sheet_per_section(tree):
    import openpyxl

    township_project(tree)
    report = generate(tree)
    book = openpyxl.load_workbook(report.xlsx.open("rb"))
    assert len(book.sheetnames) == 1 + len(report.sections)


def test_beat_schedule_exists_once():
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="reports.monthly_reports_generate_all").count() == 1


def test_beat_task_fans_out_and_is_idempotent(tree, settings):
    from reports.tasks import monthly_reports_generate_all_task

    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        monthly_reports_generate_all_task()
        monthly_reports_generate_all_task()
    finally:
        app.conf.task_always_eager = False
    # three townships in the tree (two in the county, one in the other county)
    assert MonthlyReport.objects.filter(is_current=True).count() == 3
    assert MonthlyReport.objects.count() == 3


def test_generation_without_a_scope_is_refused(tree):
    """user=None used to mean "the schedule, everything"; now the schedule says Scope.system."""
    township_project(tree)
    with pytest.raises(TypeError):
        services.monthly_report_generate(township_id=tree.township.pk, month=OCTOBER, user=None)
    assert not MonthlyReport.objects.exists()
    report = generate(tree, user=Scope.system("test: the monthly schedule"))
    assert report.generated_by is None  # system work: no person recorded as author


def test_generation_task_needs_a_user_or_a_system_reason(tree):
    from reports.tasks import monthly_report_generate_task

    township_project(tree)
    with pytest.raises(TypeError):
        monthly_report_generate_task(tree.township.pk, "2026-10")
    assert not MonthlyReport.objects.exists()
    assert monthly_report_generate_task(tree.township.pk, "2026-10", system="test: the schedule")
