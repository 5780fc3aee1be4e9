"""Pages and endpoints of enrolments, batches, anomalies and callbacks: wiring, scope per role,
the auditor who reads and downloads but never writes, masking, the bank file round trip with
its access-log entry, flat query counts."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from beneficiaries import excel, services
from beneficiaries.coverage import month_end
from beneficiaries.models import AnomalyFinding, Callback, Enrolment, Payment, PaymentBatch, SubsidyStandard
from beneficiaries.tests.factories import active_enrolment, standard
from common.jobs import job_run
from common.models import Job
from core import clock
from org.models import AccessLog, Role
from org.tests.factories import UserFactory
from projects.tests.factories import ProjectFactory

MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def world(tree, users):
    """Two enrolments in the first township (one per village), one in township 2, one in the
    other county; a reconciled-ready batch in the first township; a finding in each village."""
    inside = ProjectFactory(division=tree.township, name="残疾人补贴", code="D1")
    second = ProjectFactory(division=tree.township2, name="残疾人补贴二", code="D2")
    outside = ProjectFactory(division=tree.other_township, name="邻县补贴", code="D3")
    for project in (inside, second, outside):
        standard(project=project, amount="726.00")
    e1 = active_enrolment(project=inside, village=tree.village, name="东庄甲", card="6228000011112222333")
    e2 = active_enrolment(project=inside, village=tree.village2, name="西湖乙", card="6228000011112222444")
    e3 = active_enrolment(project=second, village=tree.village3, name="南岗丙")
    e4 = active_enrolment(project=outside, village=tree.other_village, name="外村民")
    batch = services.batch_generate(
        user=users[Role.TOWNSHIP_STAFF], project=inside, division=tree.township, period_start=MARCH
    )
    for e in (e1, e2, e3, e4):
        AnomalyFinding.objects.create(
            rule="two_villages",
            key=f"t:{e.pk}",
            village=e.village,
            person=e.person,
            detail=e.person.name,
            last_seen=batch.created_at,
        )
    return {"enrolments": (e1, e2, e3, e4), "batch": batch, "project": inside}


SEES = {
    Role.TOWNSHIP_STAFF: {"东庄甲", "西湖乙"},
    Role.TOWNSHIP_LEADER: {"东庄甲", "西湖乙"},
    Role.VILLAGE_CADRE: {"东庄甲"},
    Role.COUNTY_REVIEWER: {"东庄甲", "西湖乙", "南岗丙"},
    Role.COUNTY_AUDITOR: {"东庄甲", "西湖乙", "南岗丙"},
    "admin": {"东庄甲", "西湖乙", "南岗丙", "外村民"},
}
NAMES = {"东庄甲", "西湖乙", "南岗丙", "外村民"}


@pytest.mark.parametrize("role", list(SEES))
def test_roster_page_and_api_show_exactly_the_scope(client, users, world, role):
    client.force_login(users[role])
    body = client.get(reverse("beneficiaries:enrolment-list")).content.decode()
    assert {n for n in NAMES if n in body} == SEES[role]
    api = APIClient()
    api.force_authenticate(users[role])
    rows = api.get("/api/v1/enrolments/", {"page_size": 100}).json()["results"]
    assert {r["person_name"] for r in rows} == SEES[role]
    findings = api.get("/api/v1/anomalies/", {"page_size": 100}).json()["results"]
    assert {f["detail"] for f in findings} == SEES[role]
    payments = api.get("/api/v1/payments/", {"page_size": 100}).json()["results"]
    assert {p["person_name"] for p in payments} == SEES[role] & {"东庄甲", "西湖乙"}


@pytest.mark.parametrize("role", list(SEES))
def test_details_outside_the_scope_answer_404(client, users, world, role):
    client.force_login(users[role])
    for enrolment in world["enrolments"]:
        response = client.get(reverse("beneficiaries:enrolment-detail", args=[enrolment.pk]))
        assert response.status_code == (200 if enrolment.person.name in SEES[role] else 404)


def test_roster_masks_numbers(client, users, world):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    e1 = world["enrolments"][0]
    body = client.get(reverse("beneficiaries:enrolment-list")).content.decode()
    assert e1.person.masked_id_number in body and e1.person.id_number not in body
    body = client.get(reverse("beneficiaries:batch-detail", args=[world["batch"].pk])).content.decode()
    assert "6228000011112222333" not in body and e1.person.id_number not in body


def _posts(world, tree):
    e1 = world["enrolments"][0]
    batch = world["batch"]
    return [
        (
            reverse("beneficiaries:enrolment-action", args=[e1.pk]),
            {"action": "exit", "exit_reason": "moved", "exit_on": "2026-03-02"},
        ),
        (
            reverse("beneficiaries:callback-add", args=[e1.pk]),
            {"method": "phone", "called_on": "2026-03-02", "reached": "no"},
        ),
        (reverse("beneficiaries:batch-action", args=[batch.pk]), {"action": "check"}),
        (reverse("beneficiaries:batch-action", args=[batch.pk]), {"action": "delete"}),
        (
            reverse("beneficiaries:batch-list"),
            {"project": world["project"].pk, "division": tree.township.pk, "period_start": "2026-04"},
        ),
        (
            reverse("beneficiaries:standard-list"),
            {
                "project": world["project"].pk,
                "amount": "1",
                "effective_from": "2027-01-01",
                "unit": "person",
                "period": "year",
            },
        ),
        (reverse("beneficiaries:person-enrol", args=[e1.person_id]), {"project": world["project"].pk}),
        (
            reverse(
                "beneficiaries:anomaly-detail",
                args=[AnomalyFinding.objects.filter(village=tree.village).first().pk],
            ),
            {"decision": "explain", "note": "x"},
        ),
        (reverse("beneficiaries:anomaly-list"), {}),
    ]


def _state():
    return (
        list(Enrolment.objects.order_by("pk").values_list("status", flat=True)),
        Callback.objects.count(),
        list(PaymentBatch.objects.order_by("pk").values_list("status", flat=True)),
        SubsidyStandard.objects.count(),
        list(AnomalyFinding.objects.order_by("pk").values_list("status", flat=True)),
        Job.objects.count(),
    )


def test_county_auditor_reads_and_downloads_but_never_writes(client, tree, users, world):
    client.force_login(users[Role.COUNTY_AUDITOR])
    before = _state()
    for url, data in _posts(world, tree):
        response = client.post(url, data)
        assert response.status_code in (302, 403), url
    assert _state() == before
    api = APIClient()
    api.force_authenticate(users[Role.COUNTY_AUDITOR])
    e1 = world["enrolments"][0]
    response = api.post(
        "/api/v1/callbacks/",
        {"enrolment": e1.pk, "contact_method": "phone", "called_on": "2026-03-02", "reached": False},
    )
    assert response.status_code == 403
    assert _state() == before
    # but downloads the roster export
    response = client.post(reverse("beneficiaries:export"), {"kind": "roster"})
    assert response.status_code == 302 and Job.objects.count() == before[-1] + 1


def _buttons(client, batch) -> set[str]:
    body = client.get(reverse("beneficiaries:batch-detail", args=[batch.pk])).content.decode()
    return set(re.findall(r'name="action" value="(check|reopen|approve|export)"', body))


def test_batch_buttons_and_four_eyes_through_the_pages(client, tree, users, world, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the page's messages read in English
    batch = world["batch"]
    url = reverse("beneficiaries:batch-action", args=[batch.pk])
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    checker = UserFactory(username="checker", role=Role.TOWNSHIP_STAFF, division=tree.township)
    # the preparer sees no check button, is told why, and a forged POST changes nothing
    client.force_login(staff)
    assert _buttons(client, batch) == set()
    body = client.get(reverse("beneficiaries:batch-detail", args=[batch.pk])).content.decode()
    assert 'id="blocked-steps"' in body and 'data-step="check"' in body  # says why
    client.post(url, {"action": "check"})
    assert PaymentBatch.objects.get(pk=batch.pk).status == "draft"
    client.force_login(checker)
    # the world's open findings hold both lines (issue 15): cleared with a reason first
    assert _buttons(client, batch) == set()
    _clear_held(client, batch)
    assert _buttons(client, batch) == {"check"}
    client.post(url, {"action": "check"})
    assert PaymentBatch.objects.get(pk=batch.pk).status == "checked"
    # the checker may send it back to draft but not approve it (their role may not anyway)
    assert _buttons(client, batch) == {"reopen"}
    client.force_login(leader)
    assert _buttons(client, batch) == {"reopen", "approve"}
    # approving cannot be undone: the first post asks to confirm and changes nothing
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 200 and 'name="confirmed"' in response.content.decode()
    assert PaymentBatch.objects.get(pk=batch.pk).status == "checked"
    response = client.post(url, {"action": "approve", "confirmed": "yes"}, follow=True)
    batch = PaymentBatch.objects.get(pk=batch.pk)
    assert batch.status == "approved" and response.status_code == 200
    assert f"Batch {batch} approved: 2 payments, 121.00 元." in response.content.decode()
    assert len({batch.prepared_by_id, batch.checked_by_id, batch.approved_by_id}) == 3


def _clear_held(client, batch):
    """Clear every held line of ``batch`` through the page, as the logged-in user."""
    from beneficiaries.selectors import held_lines

    for line in held_lines(batch):
        for finding in line.findings:
            client.post(
                reverse("beneficiaries:payment-clear", args=[batch.pk]),
                {"payment": line.payment.pk, "finding": finding.pk, "reason": "已核实：同名不同人"},
            )
    assert held_lines(batch) == []


def test_the_leader_who_checked_sees_no_approve_button(client, tree, users, world):
    batch = world["batch"]
    leader = users[Role.TOWNSHIP_LEADER]
    client.force_login(leader)
    _clear_held(client, batch)
    services.batch_check(user=leader, batch=batch)
    client.force_login(leader)
    assert _buttons(client, batch) == {"reopen"}
    client.post(reverse("beneficiaries:batch-action", args=[batch.pk]), {"action": "approve"})
    assert PaymentBatch.objects.get(pk=batch.pk).status == "checked"


def test_bank_file_is_logged_and_its_result_reconciles(client, users, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    batch = world["batch"]
    client.force_login(leader)
    _clear_held(client, batch)
    services.batch_check(user=UserFactory(role=Role.TOWNSHIP_STAFF, division=batch.division), batch=batch)
    services.batch_approve(user=leader, batch=batch)
    # the office makes the bank file at approval, before the batch is marked sent
    client.force_login(staff)
    response = client.post(reverse("beneficiaries:batch-bank-file", args=[batch.pk]), {"format": "xlsx"})
    job = Job.objects.get(kind="beneficiaries.bank_file", created_by=staff)
    assert response.status_code == 302 and job_run(job_id=job.pk) == "done"
    assert b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content)
    assert AccessLog.objects.get(user=staff).action == "download_unmasked"
    url = reverse("beneficiaries:batch-action", args=[batch.pk])
    client.post(url, {"action": "export", "confirmed": "yes"})
    assert PaymentBatch.objects.get(pk=batch.pk).status == "exported"
    client.force_login(users[Role.COUNTY_AUDITOR])
    response = client.post(reverse("beneficiaries:batch-bank-file", args=[batch.pk]), {"format": "xlsx"})
    job = Job.objects.get(kind="beneficiaries.bank_file", created_by=users[Role.COUNTY_AUDITOR])
    assert response.status_code == 302 and job_run(job_id=job.pk) == "done"
    download = client.get(reverse("jobs:download", args=[job.pk]))
    content = b"".join(download.streaming_content)
    # The bank file holds whole numbers: an unmasked download, with its real row count.
    entry = AccessLog.objects.get(user=users[Role.COUNTY_AUDITOR])
    assert (entry.action, entry.rows) == ("download_unmasked", batch.payments.count())
    rows = excel.read_bank_result(io.BytesIO(content), name="bank.xlsx")
    e1 = world["enrolments"][0]
    assert {r["id_number"] for r in rows} >= {e1.person.id_number}  # whole numbers for the bank
    # the bank fills in 结果 / 失败原因: one failure
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    for col, column in enumerate(excel.BANK_SPEC.columns):
        sheet.write_string(0, col, str(column.header))
    for r, row in enumerate(rows, 1):
        row = {**row, "result": "成功" if r > 1 else "失败", "reason": "" if r > 1 else "户名不符"}
        for col, column in enumerate(excel.BANK_SPEC.columns):
            value = row.get(column.key)
            if isinstance(value, Decimal):
                sheet.write_number(r, col, float(value))
            elif value is not None:
                sheet.write_string(r, col, str(value))
    book.close()
    out.seek(0)
    out.name = "结果.xlsx"
    client.force_login(staff)
    client.post(reverse("beneficiaries:batch-reconcile", args=[batch.pk]), {"file": out})
    job = Job.objects.get(kind="beneficiaries.reconcile")
    assert job_run(job_id=job.pk) == "done", Job.objects.get(pk=job.pk).message
    assert PaymentBatch.objects.get(pk=batch.pk).status == "reconciled"
    assert sorted(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == ["failed", "paid"]


def test_nightly_check_is_scheduled_once(db):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="beneficiaries.anomaly_check", enabled=True).count() == 1


def test_nightly_task_runs_the_checks(world):
    from beneficiaries.tasks import anomaly_check_task

    summary = anomaly_check_task.apply().get()
    assert set(summary) == set(AnomalyFinding.Rule.values)


# --- flat query counts -------------------------------------------------------------------------


def _grow(tree, world, count):
    for i in range(count):
        e = active_enrolment(
            project=world["project"], village=tree.village, name=f"增{i}", card=f"62280000111{i:08d}"
        )
        Callback.objects.create(enrolment=e, method="phone", called_on=MARCH, reached=True, satisfied=True)
        AnomalyFinding.objects.create(
            rule="shared_card",
            key=f"g:{e.pk}",
            village=tree.village,
            person=e.person,
            detail="x",
            last_seen=world["batch"].created_at,
        )
        Payment.objects.create(
            batch=world["batch"],
            enrolment=e,
            covers_from=MARCH,
            covers_to=month_end(MARCH),
            amount=Decimal("60.50"),
        )


def _count(call):
    with CaptureQueriesContext(connection) as context:
        response = call()
    assert response.status_code == 200
    return len(context.captured_queries)


# Every page starts with session, user, the user's division (scope: 3); the session is renewed at
# most once a minute, so a page view writes nothing. Then, pinned so an N+1 shows at once:
PAGES = {
    # count, the page of enrolments (project, person, village joined), projects and villages
    # for the filters
    "beneficiaries:enrolment-list": 7,
    # count, projects for the filter, the page of batches, townships for the form
    "beneficiaries:batch-list": 7,
    # count and the page of findings (village, person joined), the latest nightly run (issue 17)
    "beneficiaries:anomaly-list": 6,
    # count of the not-yet-reached, the grouped coverage, projects for the filter, the page
    "beneficiaries:callback-coverage": 7,
    # count and the page of standards, projects for the form
    "beneficiaries:standard-list": 6,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_list_pages_are_flat(client, tree, users, world, name):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    _grow(tree, world, 2)
    small = _count(lambda: client.get(reverse(name)))
    assert small == PAGES[name]
    _grow(tree, world, 12)
    assert _count(lambda: client.get(reverse(name))) == small


def test_batch_detail_is_flat(client, tree, users, world):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    url = reverse("beneficiaries:batch-detail", args=[world["batch"].pk])
    _grow(tree, world, 2)
    small = _count(lambda: client.get(url))
    # session, user, division (scope), the batch (people joined), count and page of payments;
    # the held lines (issue 15): the township's open findings, the lines they name, their clearances
    assert small == 9
    _grow(tree, world, 12)
    assert _count(lambda: client.get(url)) == small


# Endpoints: the count and the page of rows (related rows joined).
@pytest.mark.parametrize(
    "endpoint", ["enrolments", "payments", "payment-batches", "callbacks", "anomalies", "subsidy-standards"]
)
def test_api_lists_are_flat(tree, users, world, endpoint, django_assert_num_queries):
    api = APIClient()
    api.force_authenticate(users[Role.COUNTY_REVIEWER])
    _grow(tree, world, 2)
    with django_assert_num_queries(2):
        api.get(f"/api/v1/{endpoint}/")
    _grow(tree, world, 12)
    with django_assert_num_queries(2):
        api.get(f"/api/v1/{endpoint}/")


def test_notice_page_posts_a_public_notice_for_the_waiting_enrolments(client, tree, users, world):
    from publicity.models import PublicNotice

    e1, e2 = world["enrolments"][:2]
    Enrolment.objects.filter(pk__in=[e1.pk, e2.pk]).update(status="village_reviewed")
    data = {
        "project": world["project"].pk,
        "division": tree.village.pk,
        "round": "village",
        "starts_on": "2026-03-01",  # typed in the past: not a field any more, the notice starts today
        "ends_on": (clock.today() + datetime.timedelta(days=7)).isoformat(),
    }
    client.force_login(users[Role.COUNTY_AUDITOR])
    client.post(reverse("beneficiaries:notice-list"), data)
    assert not PublicNotice.objects.exists()
    client.force_login(users[Role.TOWNSHIP_STAFF])
    short = (clock.today() + datetime.timedelta(days=6)).isoformat()
    client.post(reverse("beneficiaries:notice-list"), {**data, "ends_on": short})  # under 7 full days
    assert not PublicNotice.objects.exists()
    client.post(reverse("beneficiaries:notice-list"), data)
    notice = PublicNotice.objects.get()
    assert notice.starts_on == clock.today() and notice.days == 7
    linked = set(Enrolment.objects.filter(village_notice=notice).values_list("pk", flat=True))
    assert linked == {e1.pk}  # only the village's own enrolment
    assert e1.person.id_number not in str(notice.rows) and e1.person.masked_id_number in str(notice.rows)
    body = client.get(reverse("beneficiaries:notice-list")).content.decode()
    assert notice.title in body


def test_cadre_records_a_callback_through_the_api_in_their_village_only(users, world):
    api = APIClient()
    api.force_authenticate(users[Role.VILLAGE_CADRE])
    e1, e2 = world["enrolments"][:2]
    data = {"contact_method": "visit", "called_on": "2026-03-02", "reached": True, "satisfied": True}
    assert api.post("/api/v1/callbacks/", {**data, "enrolment": e1.pk}, format="json").status_code == 201
    assert api.post("/api/v1/callbacks/", {**data, "enrolment": e2.pk}, format="json").status_code == 400
    assert Callback.objects.filter(enrolment=e2).count() == 0
