"""The beneficiaries and concerns sources (landed with main): the report's "payments" and
"concerns" sections, and the "callback_coverage" and "concerns_on_time" scorecard items, all
against hand-computed numbers, with the day and time-zone boundaries and a zero denominator."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from beneficiaries.coverage import month_end
from beneficiaries.models import Callback, Enrolment, Payment, PaymentBatch
from beneficiaries.tests.factories import active_enrolment
from fieldwork.models import Concern
from org.models import Department, Role
from org.scoping import Scope
from reports import services, sources
from reports.models import Scorecard
from reports.tests.factories import scheme, township_project

SYSTEM = Scope.system("test data")

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def section(report, key):
    return next(s for s in report.sections if s["key"] == key)


# --- the payments section ----------------------------------------------------------------------


def exit_(enrolment, on):
    Enrolment.objects.filter(pk=enrolment.pk).update(status="exited", exit_on=on, exit_reason="deceased")


def batch(project, township, *, reconciled_at, number, payments):
    made = PaymentBatch.objects.create(
        project=project,
        division=township,
        period_start=OCTOBER,
        number=number,
        status="reconciled",
        reconciled_at=reconciled_at,
    )
    for enrolment, period, amount, status in payments:
        Payment.objects.create(
            batch=made,
            enrolment=enrolment,
            covers_from=period,
            covers_to=month_end(period),
            amount=Decimal(amount),
            status=status,
            failure_reason="户名不符" if status == "failed" else "",
        )
    return made


@pytest.fixture
def paid(tree):
    project = township_project(tree)
    v = tree.village
    e1 = active_enrolment(project=project, village=v, active_from=datetime.date(2026, 1, 1))
    e2 = active_enrolment(project=project, village=v, active_from=datetime.date(2026, 10, 1))  # new
    e3 = active_enrolment(project=project, village=v, active_from=datetime.date(2026, 1, 1))
    exit_(e3, datetime.date(2026, 10, 20))  # exited in October
    e4 = active_enrolment(project=project, village=tree.village2, active_from=datetime.date(2026, 1, 1))
    exit_(e4, datetime.date(2026, 11, 5))  # still enrolled and active at 31 October
    e5 = active_enrolment(project=project, village=v)
    Enrolment.objects.filter(pk=e5.pk).update(
        status="applied", active_from=None, applied_on=datetime.date(2026, 10, 10)
    )  # enrolled, not active
    e6 = active_enrolment(project=project, village=v)
    Enrolment.objects.filter(pk=e6.pk).update(
        status="applied", active_from=None, applied_on=datetime.date(2026, 11, 3)
    )  # not yet applied at 31 October
    other = township_project(tree, division=tree.township2)
    elsewhere = active_enrolment(project=other, village=tree.village3)
    # Reconciled on the last evening of October (Shanghai): counts.
    batch(
        project,
        tree.township,
        reconciled_at=local(2026, 10, 31, 23, 30),
        number=1,
        payments=[
            (e1, OCTOBER, "100.00", "paid"),
            (e2, OCTOBER, "100.00", "paid"),
            (e3, OCTOBER, "100.00", "failed"),
        ],
    )
    # Five past midnight on 1 October in Shanghai is still 30 September in UTC: counts.
    batch(
        project,
        tree.township,
        reconciled_at=local(2026, 10, 1, 0, 5),
        number=2,
        payments=[(e4, datetime.date(2026, 8, 1), "50.00", "paid")],
    )
    # Ten past midnight on 1 November in Shanghai (31 October in UTC): November's.
    batch(
        project,
        tree.township,
        reconciled_at=local(2026, 11, 1, 0, 10),
        number=3,
        payments=[(e4, datetime.date(2026, 9, 1), "100.00", "paid")],
    )
    # Another township's batch: never in 城关镇's report.
    batch(
        other,
        tree.township2,
        reconciled_at=local(2026, 10, 15, 9, 0),
        number=1,
        payments=[(elsewhere, OCTOBER, "900.00", "paid")],
    )
    return project


def test_payments_section_of_october(tree, paid):
    report = services.monthly_report_generate(user=SYSTEM, township_id=tree.township.pk, month=OCTOBER)
    payments = section(report, "payments")
    assert payments["available"] is True
    (row,) = payments["rows"]
    assert row["code"] == paid.code
    # enrolled: e1 e2 e4 e5; active: e1 e2 e4; new: e2; exited: e3
    assert (row["enrolled"], row["active"], row["new"], row["exited"]) == (4, 3, 1, 1)
    # batches 1 and 2: paid e1 e2 (100 each) and e4 (50); failed e3 (100)
    assert (row["batches"], row["paid"], row["paid_amount"], row["failed"], row["failed_amount"]) == (
        2,
        3,
        "250.00",
        1,
        "100.00",
    )
    assert payments["totals"]["paid_amount"] == "250.00" and payments["totals"]["enrolled"] == 4


def test_payments_section_of_a_month_with_nothing(tree, paid):
    report = services.monthly_report_generate(
        user=SYSTEM, township_id=tree.township2.pk, month=datetime.date(2026, 3, 1)
    )
    payments = section(report, "payments")
    assert payments["rows"] == [] or all(r["paid"] == 0 for r in payments["rows"])
    assert payments["totals"]["paid_amount"] == "0.00"


# --- the concerns section ----------------------------------------------------------------------


def concern(tree, users, village, *, created, deadline=None, resolved=None, departments=()):
    made = Concern.objects.create(
        village=village,
        category="other",
        description="路灯坏了",
        status="resolved" if resolved else ("dispatched" if deadline else "collected"),
        deadline=deadline,
        resolved_on=resolved,
        created_by=users[Role.TOWNSHIP_STAFF],
    )
    Concern.objects.filter(pk=made.pk).update(created_at=created)
    made.departments.add(*departments)
    return made


D = datetime.date


def test_concerns_section_of_october(tree, users):
    v, v2 = tree.village, tree.village2
    concern(tree, users, v, created=local(2026, 10, 5, 9), deadline=D(2026, 10, 20), resolved=D(2026, 10, 18))
    concern(tree, users, v, created=local(2026, 9, 10, 9), deadline=D(2026, 10, 10), resolved=D(2026, 10, 15))
    concern(tree, users, v, created=local(2026, 9, 20, 9), deadline=D(2026, 10, 30))  # overdue
    concern(tree, users, v, created=local(2026, 10, 25, 9), deadline=D(2026, 10, 31))  # due day: in time
    concern(tree, users, v, created=local(2026, 10, 31, 23, 0))  # the last evening counts
    concern(tree, users, v, created=local(2026, 11, 1, 0, 30))  # November's
    concern(tree, users, v2, created=local(2026, 8, 1, 9), deadline=D(2026, 9, 1), resolved=D(2026, 11, 3))
    concern(tree, users, tree.village3, created=local(2026, 10, 5, 9))  # another township
    report = services.monthly_report_generate(user=SYSTEM, township_id=tree.township.pk, month=OCTOBER)
    concerns = section(report, "concerns")
    assert concerns["available"] is True
    rows = {r["village"]: (r["opened"], r["resolved"], r["on_time"], r["overdue"]) for r in concerns["rows"]}
    assert rows == {"东庄村": (3, 2, 1, 1), "西湖村": (0, 0, 0, 1)}
    totals = concerns["totals"]
    assert (totals["opened"], totals["resolved"], totals["on_time"], totals["overdue"]) == (3, 2, 1, 2)


def test_no_section_is_left_unavailable(tree):
    assert all(s.available for s in sources.SECTIONS)
    assert all(s.available for s in sources.ITEM_SOURCES)


# --- the concerns-on-time item -------------------------------------------------------------------


def test_concerns_on_time_item(tree, users):
    office = Department.objects.get(division=tree.township, name="民政所")
    v = tree.village
    jan = local(2026, 1, 5, 9)
    concern(
        tree, users, v, created=jan, deadline=D(2026, 3, 10), resolved=D(2026, 3, 9), departments=[office]
    )
    concern(
        tree, users, v, created=jan, deadline=D(2026, 4, 10), resolved=D(2026, 4, 12), departments=[office]
    )
    concern(tree, users, v, created=jan, deadline=D(2026, 6, 30))  # due, still open: late
    concern(tree, users, v, created=jan, deadline=D(2026, 7, 15), resolved=D(2026, 6, 20))  # early
    concern(tree, users, v, created=jan, deadline=D(2026, 7, 20))  # not due yet: not judged
    concern(tree, users, v, created=jan, deadline=D(2026, 5, 1), resolved=D(2026, 7, 1))  # late
    concern(tree, users, v, created=jan)  # never dispatched: no deadline
    made = scheme(
        tree.county,
        period="mid_year",
        items=[("诉求按时办结", "concerns_on_time", "50"), ("日常检查", "manual", "50")],
    )
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    mine = Scorecard.objects.get(scheme=made, unit_name="城关镇")
    line = mine.lines.get(item__source="concerns_on_time")
    # due 5 (all but the July one and the undispatched one), on time 2: 40 % of 50
    assert (line.rate, line.points) == (Decimal("0.4000"), Decimal("20.00"))
    assert list(line.numbers.values()) == [5, 2]
    # 陡沟镇 has no concerns: the rate is undefined, no points, and the reason says so
    other = Scorecard.objects.get(scheme=made, unit_name="陡沟镇").lines.get(item__source="concerns_on_time")
    assert other.rate is None and other.points == Decimal("0.00") and "undefined" in other.reason

    # A department is judged on the concerns dispatched to it: 1 of 2 on time.
    by_department = scheme(
        tree.township, level="department", period="mid_year", items=[("按时办结", "concerns_on_time", "100")]
    )
    services.scorecard_compute(user=users[Role.TOWNSHIP_STAFF], scheme_id=by_department.pk)
    line = Scorecard.objects.get(scheme=by_department, unit_name="民政所").lines.get()
    assert (line.rate, line.points) == (Decimal("0.5000"), Decimal("50.00"))


# --- the callback-coverage item ------------------------------------------------------------------


def callback(enrolment, on, reached):
    return Callback.objects.create(enrolment=enrolment, method="phone", called_on=on, reached=reached)


def test_callback_coverage_item(tree, users):
    project = township_project(tree)
    a1, a2, a3, a4, x1, y1 = (
        active_enrolment(project=project, village=tree.village, name=n) for n in "甲乙丙丁戊己"
    )
    exit_(x1, D(2026, 5, 1))
    Enrolment.objects.filter(pk=y1.pk).update(status="applied")
    callback(a1, D(2026, 3, 1), True)
    callback(a2, D(2026, 3, 1), False)  # not reached
    callback(a3, D(2026, 7, 5), True)  # after the mid-year
    callback(a4, D(2026, 2, 1), True)
    callback(a4, D(2026, 4, 1), True)  # twice, counted once
    callback(x1, D(2026, 3, 1), True)  # exited: not counted
    township_project(tree, division=tree.township2)  # 陡沟镇: a project, nobody enrolled
    made = scheme(
        tree.county,
        period="mid_year",
        items=[("回访覆盖率", "callback_coverage", "40"), ("日常检查", "manual", "60")],
    )
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    line = Scorecard.objects.get(scheme=made, unit_name="城关镇").lines.get(item__source="callback_coverage")
    # 2 of 4 active beneficiaries reached by 30 June: 50 % of 40
    assert (line.rate, line.points) == (Decimal("0.5000"), Decimal("20.00"))
    assert list(line.numbers.values()) == [4, 2]
    other = Scorecard.objects.get(scheme=made, unit_name="陡沟镇").lines.get(item__source="callback_coverage")
    assert other.rate is None and other.points == Decimal("0.00")
