"""Projects' Excel: templates, the three imports (all-or-nothing, row/column/reason), the
exports (project table with totals, re-importable progress), round trips, scope."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from python_calamine import CalamineWorkbook

from common.jobs import job_enqueue, job_run, job_run_task
from common.models import Job
from core.tests.xlsx_files import workbook
from org.models import Role
from projects import services
from projects.excel import FUND_SPEC, PROGRESS_SPEC, TARGET_SPEC
from projects.models import FundMovement, ProgressReport, Target
from projects.tests.factories import FundLineFactory, project_with_targets

HEADERS = {
    "targets": [c.header for c in TARGET_SPEC.columns],
    "progress": [c.header for c in PROGRESS_SPEC.columns],
    "funds": [c.header for c in FUND_SPEC.columns],
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(job_run_task, "delay", lambda job_id: None)


def run(user, kind, *, rows=None, params=None, name="导入.xlsx") -> Job:
    upload = SimpleUploadedFile(name, workbook(rows)) if rows is not None else None
    with transaction.atomic():
        job = job_enqueue(user=user, kind=kind, params=params or {}, upload=upload)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def sheet_rows(job) -> list[list]:
    with job.result.open("rb") as handle:
        book = CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    return book.get_sheet_by_index(0).to_python()


def test_templates_download_for_every_import(client, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    for kind in ("targets", "progress", "funds"):
        response = client.get(reverse("projects:excel-template", args=[kind]))
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content[:4] == b"PK\x03\x04"
        rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        assert rows[0][: len(HEADERS[kind])] == HEADERS[kind]


def test_target_import_sets_targets_and_refuses_bad_rows_all_or_nothing(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    project, top, _children = project_with_targets(tree, villages=())
    good = [2026, project.code, "", tree.village.code, "", 60, "人"]
    job = run(
        staff,
        "projects.import_targets",
        rows=[HEADERS["targets"], good, [2026, project.code, "", tree.village2.code, "", 40, "人"]],
    )
    assert job.status == Job.Status.DONE, job.message
    assert {t.division_id: t.quantity for t in Target.objects.filter(parent=top)} == {
        tree.village.pk: Decimal("60"),
        tree.village2.pk: Decimal("40"),
    }

    before = list(Target.objects.values_list("pk", "quantity"))
    bad = run(
        staff,
        "projects.import_targets",
        rows=[
            HEADERS["targets"],
            [2026, project.code, "", tree.village.code, "", 50, "人"],  # fine on its own
            [2026, "NOPE", "", tree.village.code, "", 5, "人"],  # unknown project
            [2026, project.code, "", tree.village2.code, "", -1, "人"],  # negative
            [2026, project.code, "", tree.village2.code, "", 1, "吨"],  # unknown unit
            [2026, project.code, "", tree.village3.code, "", 1, "人"],  # another township: not in scope
        ],
    )
    assert bad.status == Job.Status.FAILED
    found = {(e["row"], e["header"]) for e in bad.errors}
    assert {(3, "项目编码"), (4, "目标数量"), (5, "单位"), (6, "行政区划代码")} <= found
    assert "NOPE" in next(e["message"] for e in bad.errors if e["row"] == 3)
    assert list(Target.objects.values_list("pk", "quantity")) == before  # row 2 was rolled back too


def test_progress_import_orders_months_and_refuses_future_and_lower(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    project, _top, (v1, _v2) = project_with_targets(tree)
    rows = [
        HEADERS["progress"],
        [2026, project.code, "", tree.village.code, "", "2026-03", 30, "", ""],
        [2026, project.code, "", tree.village.code, "", "2026-01", 10, "", ""],
        [2026, project.code, "", tree.village.code, "", "2026-02", 20, "", ""],
    ]
    job = run(staff, "projects.import_progress", rows=rows)
    assert job.status == Job.Status.DONE, job.errors
    assert list(
        ProgressReport.objects.filter(target=v1).order_by("month").values_list("actual", flat=True)
    ) == [Decimal("10"), Decimal("20"), Decimal("30")]

    future = datetime.date.today().replace(day=1) + datetime.timedelta(days=40)
    bad = run(
        staff,
        "projects.import_progress",
        rows=[
            HEADERS["progress"],
            [2026, project.code, "", tree.village.code, "", "2026-04", 25, "", ""],  # lower than March
            [2026, project.code, "", tree.village2.code, "", f"{future:%Y-%m}", 5, "", ""],  # future
        ],
    )
    assert bad.status == Job.Status.FAILED
    assert {(e["row"], e["header"]) for e in bad.errors} >= {(2, "累计完成"), (3, "月份")}
    assert ProgressReport.objects.count() == 3
    # With a reason the lower figure is a correction and goes through.
    ok = run(
        staff,
        "projects.import_progress",
        rows=[
            HEADERS["progress"],
            [2026, project.code, "", tree.village.code, "", "2026-04", 25, "重复统计", ""],
        ],
    )
    assert ok.status == Job.Status.DONE
    assert ProgressReport.objects.get(target=v1, month=datetime.date(2026, 4, 1)).is_correction


def test_cadre_imports_progress_only_for_own_village(tree, users):
    cadre = users[Role.VILLAGE_CADRE]
    project, _top, _children = project_with_targets(tree)
    job = run(
        cadre,
        "projects.import_progress",
        rows=[
            HEADERS["progress"],
            [2026, project.code, "", tree.village.code, "", "2026-01", 5, "", ""],
            [2026, project.code, "", tree.village2.code, "", "2026-01", 5, "", ""],
        ],
    )
    assert job.status == Job.Status.FAILED
    assert [e["row"] for e in job.errors] == [3]
    assert ProgressReport.objects.count() == 0
    with pytest.raises(PermissionDenied):  # cadres may not start target imports at all
        run(cadre, "projects.import_targets", rows=[HEADERS["targets"]])


def test_fund_import_enforces_order_of_money_and_refuses_duplicates(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    project, _top, _children = project_with_targets(tree)
    FundLineFactory(project=project, source="central", planned=Decimal("10000.00"))
    rows = [
        HEADERS["funds"],
        [2026, project.code, "", "中央", "拨付", datetime.date(2026, 3, 1), 4000, "B-2", ""],
        [2026, project.code, "", "中央", "到位", datetime.date(2026, 3, 1), 5000, "A-1", ""],
        [2026, project.code, "", "中央", "支出", datetime.date(2026, 4, 1), 3000.5, "C-3", ""],
    ]
    job = run(staff, "projects.import_funds", rows=rows)
    assert job.status == Job.Status.DONE, job.errors
    assert FundMovement.objects.count() == 3

    again = run(staff, "projects.import_funds", rows=rows[:2])
    assert again.status == Job.Status.FAILED and "重复" in again.errors[0]["message"]
    over = run(
        staff,
        "projects.import_funds",
        rows=[
            HEADERS["funds"],
            [2026, project.code, "", "中央", "支出", datetime.date(2026, 5, 1), 2000, "", ""],
        ],
    )
    assert over.status == Job.Status.FAILED
    message = over.errors[0]["message"]
    assert "3,000.50" in message or "3000.50" in message or "5,000.50" in message or "4,000.00" in message
    cents = run(
        staff,
        "projects.import_funds",
        rows=[
            HEADERS["funds"],
            [2026, project.code, "", "中央", "到位", datetime.date(2026, 5, 1), "12.345", "", ""],
        ],
    )
    assert cents.status == Job.Status.FAILED and cents.errors[0]["header"] == "金额（元）"
    assert FundMovement.objects.count() == 3


def test_progress_round_trip_gives_the_same_numbers(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    _project, _top, (v1, v2) = project_with_targets(tree, name='=HYPERLINK("http://x")')
    today = datetime.date(2026, 11, 1)
    for month, a, b in ((1, "10", "3.5"), (2, "20", "7.25"), (3, "35.5", "9")):
        services.progress_record(user=staff, target=v1, month=f"2026-{month:02d}", actual=a, today=today)
        services.progress_record(
            user=staff, target=v2, month=f"2026-{month:02d}", actual=b, note="+户", today=today
        )
    before = sorted(ProgressReport.objects.values_list("target_id", "month", "actual", "note"))

    export = run(staff, "projects.export_progress", params={"year": 2026})
    assert export.status == Job.Status.DONE and export.result_name.endswith(".xlsx")
    rows = sheet_rows(export)
    assert rows[0] == HEADERS["progress"]
    assert rows[1][2].startswith("'=")  # formula injection escaped
    assert any(r[8] == "'+户" for r in rows[1:])

    ProgressReport.objects.all().delete()
    with export.result.open("rb") as handle:
        content = handle.read()
    with transaction.atomic():
        job = job_enqueue(
            user=staff, kind="projects.import_progress", upload=SimpleUploadedFile("进度.xlsx", content)
        )
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.errors
    assert sorted(ProgressReport.objects.values_list("target_id", "month", "actual", "note")) == before


def test_project_table_export_has_totals_rates_and_scope(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    mine, _top, (v1, _v2) = project_with_targets(tree, name="=1+1 危房改造")
    project_with_targets(tree, division=tree.township2, villages=("village3",), name="陡沟镇的项目")
    FundLineFactory(project=mine, source="central", planned=Decimal("1000.00"))
    day = datetime.date(2026, 2, 1)
    services.fund_movement_record(
        user=staff, project=mine, source="central", kind="received", date=day, amount="800.00", today=day
    )
    services.fund_movement_record(
        user=staff, project=mine, source="central", kind="allocated", date=day, amount="600.00", today=day
    )
    services.progress_record(user=staff, target=v1, month="2026-02", actual="25", today=day)

    job = run(staff, "projects.export_table", params={"year": 2026})
    assert job.status == Job.Status.DONE, job.message
    rows = sheet_rows(job)
    header, data, totals = rows[0], rows[1:-1], rows[-1]
    assert (
        header[:3] == ["年度", "项目编码", "项目名称"] and "中央到位率" in header and "合计支出率" in header
    )
    assert len(data) == 1 and data[0][2] == "'=1+1 危房改造"  # the other township's project is not there
    row = dict(zip(header, data[0], strict=True))
    assert row["目标任务"] == 100 and row["累计完成"] == 25 and row["完成率"] == pytest.approx(0.25)
    assert row["中央计划（元）"] == 1000 and row["中央到位（元）"] == 800 and row["中央拨付（元）"] == 600
    assert row["中央到位率"] == pytest.approx(0.8) and row["中央拨付率"] == pytest.approx(0.75)
    assert row["中央支出率"] == 0  # 600 allocated, nothing spent yet
    assert row["省级到位率"] in ("", None)  # nothing planned: no rate, not an error
    total = dict(zip(header, totals, strict=True))
    assert total["项目编码"] == "合计" and total["合计到位（元）"] == 800


def test_excel_page_refuses_a_file_that_is_not_xlsx(client, tree, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.post(
        reverse("projects:excel"),
        {"kind": "progress", "file": SimpleUploadedFile("进度.xlsx", b"name,actual\n1,2\n")},
    )
    assert response.status_code == 400
    assert "xlsx" in response.content.decode().lower()
    assert Job.objects.count() == 0


def test_excel_page_starts_an_import_and_shows_the_job(client, tree, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.post(
        reverse("projects:excel"),
        {"kind": "progress", "file": SimpleUploadedFile("进度.xlsx", workbook([HEADERS["progress"]]))},
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url() and job.kind == "projects.import_progress"


def test_auditor_can_export_but_not_import(client, tree, users):
    client.force_login(users[Role.COUNTY_AUDITOR])
    page = client.get(reverse("projects:excel")).content.decode()
    assert 'value="progress"' in page  # the export choice
    assert '<option value="targets">' not in page
    response = client.post(
        reverse("projects:excel"),
        {"kind": "targets", "file": SimpleUploadedFile("t.xlsx", workbook([HEADERS["targets"]]))},
    )
    assert response.status_code == 400 and Job.objects.count() == 0
    response = client.post(reverse("projects:excel-export"), {"kind": "table", "year": 2026})
    assert response.status_code == 302 and Job.objects.get().kind == "projects.export_table"


def test_excel_page_refuses_a_50_mb_file_without_starting_a_job(client, tree, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    big = SimpleUploadedFile("进度.xlsx", b"PK\x03\x04" + b"\0" * (50 * 1024 * 1024))
    response = client.post(reverse("projects:excel"), {"kind": "progress", "file": big})
    assert response.status_code == 400
    assert "MB" in response.content.decode()
    assert Job.objects.count() == 0


def test_moved_columns_fail_the_import_with_the_expected_header(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    project, _top, _children = project_with_targets(tree)
    moved = HEADERS["progress"][:]
    moved[5], moved[6] = moved[6], moved[5]  # 累计完成 before 月份
    job = run(
        staff,
        "projects.import_progress",
        rows=[moved, [2026, project.code, "", tree.village.code, "", 5, "2026-01", "", ""]],
    )
    assert job.status == Job.Status.FAILED
    assert "月份" in job.message and "累计完成" in job.message
    assert ProgressReport.objects.count() == 0
