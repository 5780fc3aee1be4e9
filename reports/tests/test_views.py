import datetime

import pytest
from django.urls import reverse

from beneficiaries.coverage import month_end
from common.models import Job
from org.models import AccessLog, Role
from org.scoping import Scope
from org.tests.factories import UserFactory
from reports import services
from reports.models import MonthlyReport, Scorecard
from reports.tests.factories import scheme, township_project

SYSTEM = Scope.system("test data")

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture
def reports(tree):
    township_project(tree)
    return {
        "mine": services.monthly_report_generate(user=SYSTEM, township_id=tree.township.pk, month=OCTOBER),
        "other": services.monthly_report_generate(user=SYSTEM, township_id=tree.township2.pk, month=OCTOBER),
    }


def login(client, user):
    client.force_login(user)
    return client


def test_a_township_never_sees_another_townships_report(client, users, reports):
    login(client, users[Role.TOWNSHIP_STAFF])
    assert client.get(reverse("reports:report-detail", args=[reports["mine"].pk])).status_code == 200
    assert client.get(reverse("reports:report-detail", args=[reports["other"].pk])).status_code == 404
    assert client.get(reverse("reports:report-file", args=[reports["other"].pk, "pdf"])).status_code == 404
    body = client.get(reverse("reports:report-list")).content.decode()
    assert "城关镇" in body and "陡沟镇" not in body


def test_auditor_downloads_but_changes_nothing(client, users, reports):
    auditor = users[Role.COUNTY_AUDITOR]
    login(client, auditor)
    report = reports["mine"]
    response = client.get(reverse("reports:report-file", args=[report.pk, "xlsx"]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    for action in ("accept", "return", "submit"):
        client.post(reverse("reports:report-action", args=[report.pk]), {"action": action, "comment": "x"})
    client.post(reverse("reports:report-summary", args=[report.pk]), {"summary": "改了"})
    report.refresh_from_db()
    assert (report.status, report.summary) == ("draft", "")
    assert (
        client.post(
            reverse("reports:report-generate"), {"township": report.township_id, "month": "2026-09"}
        ).status_code
        == 403
    )
    assert not Job.objects.filter(kind="reports.monthly_generate").exists()
    assert MonthlyReport.objects.count() == 2


def test_download_is_logged_and_the_log_is_readable_by_auditors(client, users, reports):
    auditor = users[Role.COUNTY_AUDITOR]
    login(client, auditor)
    client.get(reverse("reports:report-file", args=[reports["mine"].pk, "pdf"]))
    entry = AccessLog.objects.get(user=auditor)
    assert entry.action == "download" and entry.object_id == str(reports["mine"].pk)
    assert "城关镇" in entry.what and entry.what.endswith(".pdf")
    page = client.get(reverse("reports:access-log")).content.decode()
    assert entry.what in page
    # a township's staff may not read the county's log
    login(client, users[Role.TOWNSHIP_STAFF])
    assert client.get(reverse("reports:access-log")).status_code == 403


def test_year_end_download_is_logged(client, users, tree):
    township_project(tree)
    login(client, users[Role.COUNTY_AUDITOR])
    response = client.get(reverse("reports:year-end-file", args=["xlsx"]) + "?year=2026")
    assert response.status_code == 200
    (entry,) = AccessLog.objects.all()
    assert entry.action == AccessLog.Action.DOWNLOAD and entry.user == users[Role.COUNTY_AUDITOR]
    assert entry.rows == 1  # one project in the year (the log counted 0 for every summary)


def test_workflow_through_the_pages(client, users, reports):
    report = reports["mine"]
    login(client, users[Role.TOWNSHIP_STAFF])
    client.post(reverse("reports:report-summary", args=[report.pk]), {"summary": "十月份工作总结"})
    client.post(reverse("reports:report-action", args=[report.pk]), {"action": "request_approval"})
    login(client, users[Role.TOWNSHIP_LEADER])
    client.post(reverse("reports:report-action", args=[report.pk]), {"action": "submit"})
    login(client, users[Role.COUNTY_REVIEWER])
    page = client.get(reverse("reports:report-detail", args=[report.pk])).content.decode()
    assert 'value="accept"' in page and 'value="return"' in page
    client.post(
        reverse("reports:report-action", args=[report.pk]), {"action": "return", "comment": "补充说明"}
    )
    report.refresh_from_db()
    assert report.status == "returned" and report.review_comment == "补充说明"


def test_generate_page_starts_a_job(client, users, tree, settings):
    login(client, users[Role.TOWNSHIP_STAFF])
    response = client.post(
        reverse("reports:report-generate"), {"township": tree.township.pk, "month": "2026-09"}
    )
    job = Job.objects.get(kind="reports.monthly_generate")
    assert response["Location"] == job.get_absolute_url()
    assert job.params == {"township_id": tree.township.pk, "month": "2026-09"}
    response = client.post(
        reverse("reports:report-generate"), {"township": tree.township2.pk, "month": "2026-09"}
    )
    assert Job.objects.filter(kind="reports.monthly_generate").count() == 1  # outside the scope: 404/refused


def test_job_handlers_run(users, tree):
    from common.jobs import job_enqueue, job_run

    township_project(tree)
    staff, auditor = users[Role.TOWNSHIP_STAFF], users[Role.COUNTY_AUDITOR]
    job = job_enqueue(
        user=staff,
        kind="reports.monthly_generate",
        params={"township_id": tree.township.pk, "month": "2026-09"},
    )
    assert job_run(job_id=job.pk) == "done"
    assert MonthlyReport.objects.filter(township=tree.township, month=datetime.date(2026, 9, 1)).count() == 1
    for kind, params in (
        ("reports.fund_position", {"month": "2026-10"}),
        ("reports.roster", {}),
        ("reports.aid_payments", {"year": 2026}),
        ("reports.audit_history", {"kind": "fund_movement", "object_id": "", "date_from": "", "date_to": ""}),
    ):
        job = job_enqueue(user=auditor, kind=kind, params=params)
        assert job_run(job_id=job.pk) == "done", Job.objects.get(pk=job.pk).message
        job.refresh_from_db()
        assert job.result_name.endswith(".xlsx")
    made = scheme(tree.county)
    job = job_enqueue(
        user=users[Role.COUNTY_REVIEWER], kind="reports.scorecard_compute", params={"scheme_id": made.pk}
    )
    assert job_run(job_id=job.pk) == "done"
    assert Scorecard.objects.filter(scheme=made).count() == 2


def test_audit_history_rows_are_scoped(users, tree):
    from reports.history import history_rows

    township_project(tree)
    township_project(tree, division=tree.township2)
    staff = users[Role.TOWNSHIP_STAFF]
    rows = list(history_rows(user=staff, kind="project"))
    assert rows and all("陡沟镇" not in str(r) for r in rows)
    outsider = UserFactory(role=Role.TOWNSHIP_STAFF, division=tree.other_township)
    assert list(history_rows(user=outsider, kind="project")) == []


def test_scheme_page_shows_reasons(client, users, tree):
    township_project(tree)
    made = scheme(tree.county)
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    login(client, users[Role.COUNTY_AUDITOR])
    page = client.get(reverse("reports:scheme-detail", args=[made.pk])).content.decode()
    assert "城关镇" in page and "× 40" in page
    login(client, users[Role.TOWNSHIP_STAFF])  # a township sees its own card, not the other's
    page = client.get(reverse("reports:scheme-detail", args=[made.pk])).content.decode()
    assert "城关镇" in page and "陡沟镇" not in page


def test_admin_is_read_only_and_scoped(client, users, reports):
    login(client, users[Role.TOWNSHIP_STAFF])
    response = client.get(reverse("admin:reports_monthlyreport_change", args=[reports["mine"].pk]))
    assert response.status_code == 200 and "城关镇" in response.content.decode()
    assert client.get(
        reverse("admin:reports_monthlyreport_change", args=[reports["other"].pk])
    ).status_code in (302, 404)
    response = client.post(
        reverse("admin:reports_monthlyreport_change", args=[reports["mine"].pk]), {"summary": "x"}
    )
    assert response.status_code == 403
    assert MonthlyReport.objects.get(pk=reports["mine"].pk).summary == ""


def test_dashboards_render_for_each_level(client, users, reports):
    for role, marker in (
        (Role.COUNTY_REVIEWER, "county-chart"),
        (Role.TOWNSHIP_STAFF, "township-chart"),
        (Role.VILLAGE_CADRE, "village-projects"),
    ):
        login(client, users[role])
        page = client.get(reverse("reports:dashboard") + "?month=2026-10").content.decode()
        assert marker in page
        assert "<script>" not in page.replace("<script src", "")


def test_county_dashboard_numbers_link_to_the_report(client, users, reports):
    login(client, users[Role.COUNTY_AUDITOR])
    page = client.get(reverse("reports:dashboard") + "?month=2026-10").content.decode()
    link = reverse("reports:report-detail", args=[reports["mine"].pk]) + "#section-projects"
    assert f'<a href="{link}">40.00%</a>' in page  # 40 of 100, from the snapshot's headline


def test_township_dashboard_numbers_link_to_their_records(client, users, reports):
    """Each panel's number is a link to the list of records behind it."""
    login(client, users[Role.TOWNSHIP_STAFF])
    page = client.get(reverse("reports:dashboard")).content.decode()
    for panel, url in (
        ("watch-payments", reverse("beneficiaries:batch-list") + "?status=reconciled"),
        ("watch-anomalies", reverse("beneficiaries:anomaly-list") + "?status=open"),
        ("watch-concerns", reverse("fieldwork:concern-inbox") + "?overdue=1"),
        ("watch-care", reverse("partycare:member-list")),
        ("watch-quotas", reverse("publicity:quota") + "?year="),
    ):
        section = page.split(f'id="{panel}"', 1)[1].split("</section>", 1)[0]
        assert f'href="{url}' in section, panel
    # every page the panels link to answers for the same user
    for url in (
        reverse("beneficiaries:batch-list") + "?status=reconciled",
        reverse("beneficiaries:anomaly-list") + "?status=open",
        reverse("fieldwork:concern-inbox") + "?overdue=1",
        reverse("partycare:member-list"),
        reverse("publicity:quota"),
    ):
        assert client.get(url).status_code == 200, url


def test_download_centre_makes_batches_anomalies_and_rosters(client, users, tree):
    """The auditors' standard set: payment batches (hand-checked sums), the anomaly list and
    the beneficiary roster, each made as a job and logged when downloaded."""
    import io

    import openpyxl
    from django.utils import timezone

    from beneficiaries.models import AnomalyFinding, Payment, PaymentBatch
    from beneficiaries.tests.factories import active_enrolment
    from common.jobs import job_run

    project = township_project(tree)
    first, second = (active_enrolment(project=project, village=tree.village, name=n) for n in "甲乙")
    batch = PaymentBatch.objects.create(
        project=project,
        division=tree.township,
        period_start=OCTOBER,
        status="reconciled",
        payment_count=2,
        total_amount=300,
        reconciled_at=timezone.now(),
    )
    Payment.objects.create(
        batch=batch,
        enrolment=first,
        covers_from=OCTOBER,
        covers_to=month_end(OCTOBER),
        amount=100,
        status="paid",
    )
    Payment.objects.create(
        batch=batch,
        enrolment=second,
        covers_from=OCTOBER,
        covers_to=month_end(OCTOBER),
        amount=200,
        status="failed",
        failure_reason="销户",
    )
    AnomalyFinding.objects.create(
        rule="paid_after_exit", key="k1", village=tree.village, detail="已故仍发放", last_seen=timezone.now()
    )
    auditor = users[Role.COUNTY_AUDITOR]
    login(client, auditor)
    page = client.get(reverse("reports:downloads")).content.decode()
    for kind in ("reports.payment_batches", "beneficiaries.export_anomalies", "beneficiaries.export_roster"):
        assert f'value="{kind}"' in page
    made = {}
    for kind, data in (
        ("reports.payment_batches", {"year": "2026"}),
        ("beneficiaries.export_anomalies", {"status": "open"}),
        ("beneficiaries.export_roster", {}),
    ):
        response = client.post(reverse("reports:downloads"), {"kind": kind, **data})
        job = Job.objects.get(kind=kind)
        assert response["Location"] == job.get_absolute_url()
        assert job_run(job_id=job.pk) == "done", Job.objects.get(pk=job.pk).message
        made[kind] = job
    response = client.get(reverse("jobs:download", args=[made["reports.payment_batches"].pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header, line, totals = rows[0], rows[1], rows[-1]
    values = dict(zip(header, line, strict=False))
    assert (values["已发放笔数"], values["已发放(元)"], values["失败笔数"], values["失败(元)"]) == (
        1,
        100,
        1,
        200,
    )
    assert values["乡镇"] == "城关镇" and totals[0] == "合计"
    assert AccessLog.objects.filter(user=auditor, what__contains="发放批次").count() == 1
    # a wrong status is refused with a message, and no job is made
    client.post(reverse("reports:downloads"), {"kind": "beneficiaries.export_anomalies", "status": "x"})
    assert Job.objects.filter(kind="beneficiaries.export_anomalies").count() == 1
