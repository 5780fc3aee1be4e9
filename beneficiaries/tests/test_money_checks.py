"""Money anomaly checks (a day covered twice, paid after exit or death, above the standard for the
span) and recovery items (追回) for days paid out after a death, move or exit recorded late."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from beneficiaries import selectors, services
from beneficiaries.models import AnomalyFinding, Enrolment, Payment, Person, Recovery, SubsidyStandard
from beneficiaries.tests.factories import active_enrolment, sent_to_bank
from org.models import Role
from org.scoping import Scope
from org.tests.factories import UserFactory
from projects.tests.factories import ProjectFactory

SYSTEM = Scope.system("test data")
TODAY = datetime.date(2026, 12, 31)
JAN = datetime.date(2026, 1, 1)
D = datetime.date


@pytest.fixture
def project(tree):
    return ProjectFactory(division=tree.township, name="农村居民最低生活保障", code="DB")


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


@pytest.fixture
def leader(users):
    return users[Role.TOWNSHIP_LEADER]


@pytest.fixture
def checker(tree):
    return UserFactory(username="checker", role=Role.TOWNSHIP_STAFF, division=tree.township)


def _standard(project, *, amount="1000.00", proration="month_any", period="year"):
    return SubsidyStandard.objects.create(
        project=project, amount=amount, period=period, proration=proration, effective_from=JAN
    )


def _generate(staff, project, division, start=JAN, period="year"):
    return services.batch_generate(
        user=staff, project=project, division=division, period_start=start, period=period
    )


def _pay(batch, *, staff, leader, checker):
    """Check, approve, send and reconcile a batch through the services: every line paid."""
    services.batch_check(user=checker, batch=batch)
    services.batch_approve(user=leader, batch=batch)
    sent_to_bank(batch=batch, user=staff)
    results = [
        {"row": i + 2, "reference": p.reference, "amount": p.amount, "result": "paid"}
        for i, p in enumerate(batch.payments.order_by("pk"))
    ]
    return services.batch_reconcile(user=staff, batch=batch, results=results)


def _run(rule):
    services.anomaly_check_run(user=SYSTEM, rules=[rule])
    return list(AnomalyFinding.objects.filter(rule=rule).order_by("pk"))


def _die(user, enrolment, on):
    return services.person_set_status(
        user=user, person=enrolment.person, status="deceased", on=on, today=TODAY
    )


# --- anomaly rules ---------------------------------------------------------------------------------


def test_the_database_refuses_a_second_live_cover_of_a_day(tree, project, staff):
    _standard(project, period="month", amount="80.00")
    e = active_enrolment(project=project, village=tree.village)
    batch = _generate(staff, project, tree.township, D(2026, 3, 1), "month")
    # another start (the unique start index does not apply), one day in common: the exclusion
    # constraint of migration 0008 refuses it
    with (
        pytest.raises(IntegrityError, match="payment_covers_no_day_twice"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO beneficiaries_payment (batch_id, enrolment_id, covers_from, covers_to, kind,"
            " amount, bank_card_cipher, bank_name, status, failure_reason, bank_reference,"
            " adjust_reason, failure_kind) VALUES (%s, %s, %s, %s, 'regular', 80, '', '', 'pending', '', '', '', '')",
            [batch.pk, e.pk, D(2026, 3, 31), D(2026, 4, 30)],
        )


def _without_exclusion():
    """Drop the exclusion constraint inside the test's transaction (rolled back after it): the
    rows written before migration 0008, or on SQLite, where only the service checks."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on the table
        cursor.execute(
            "ALTER TABLE beneficiaries_payment DROP CONSTRAINT IF EXISTS payment_covers_no_day_twice"
        )


def test_a_day_covered_twice_is_found_once_per_pair(tree, project, staff):
    _standard(project, period="month", amount="80.00")
    e = active_enrolment(project=project, village=tree.village, active_from=D(2026, 3, 1))
    quiet = active_enrolment(
        project=project,
        village=tree.village,
        name="赵六",
        card="6228480012345670000",
        active_from=D(2026, 3, 1),
    )
    march = _generate(staff, project, tree.township, D(2026, 3, 1), "month")
    mine = march.payments.get(enrolment=e)
    _without_exclusion()
    quarter = Payment.objects.create(
        batch=march, enrolment=e, covers_from=D(2026, 1, 2), covers_to=D(2026, 3, 5), amount="200.00"
    )
    # a failed payment over the same days is no second cover (it is re-issued, never both paid)
    Payment.objects.create(
        batch=march,
        enrolment=quiet,
        covers_from=D(2026, 3, 2),
        covers_to=D(2026, 3, 20),
        amount="50.00",
        status="failed",
        failure_reason="账户冻结",
    )
    found = _run("covered_twice")
    low, high = sorted((mine.pk, quarter.pk))
    assert [(f.key, f.payment_id, f.person_id) for f in found] == [
        (f"covered_twice:{low}:{high}", low, e.person_id)
    ]
    assert "2026-03-01 – 2026-03-05" in found[0].detail
    assert _run("covered_twice")[0].pk == found[0].pk  # a rerun finds the same row


@pytest.mark.parametrize(
    "proration, paid_month, found_days",
    [
        ("month_any", D(2026, 8, 1), None),  # the month of the death is owed whole
        ("month_any", D(2026, 9, 1), "2026-09-01 – 2026-09-30"),
        ("day", D(2026, 8, 1), "2026-08-16 – 2026-08-31"),
    ],
)
def test_paid_for_days_after_death_names_the_days(tree, project, staff, proration, paid_month, found_days):
    _standard(project, period="month", amount="80.00", proration=proration)
    e = active_enrolment(project=project, village=tree.village)
    batch = _generate(staff, project, tree.township, paid_month, "month")
    payment = batch.payments.get(kind="regular")
    Person.objects.filter(pk=e.person_id).update(status="deceased", status_on=D(2026, 8, 15))
    found = _run("paid_after_exit")
    if found_days is None:
        assert found == []
    else:
        assert [(f.key, f.payment_id) for f in found] == [(f"paid_after_exit:{payment.pk}", payment.pk)]
        assert found_days in found[0].detail and "2026-08-15" in found[0].detail


def test_paid_after_an_exit_earlier_than_the_death(tree, project, staff, checker):
    _standard(project, period="month", amount="80.00", proration="day")
    e = active_enrolment(project=project, village=tree.village, active_from=D(2026, 6, 1))
    batch = _generate(staff, project, tree.township, D(2026, 6, 1), "month")
    services.batch_check(user=checker, batch=batch)  # checked: the exit no longer cuts its line
    services.enrolment_exit(user=staff, enrolment=e, reason="not_eligible", on=D(2026, 6, 10), today=TODAY)
    Person.objects.filter(pk=e.person_id).update(status="deceased", status_on=D(2026, 6, 20))
    found = _run("paid_after_exit")
    assert [f.payment_id for f in found] == [batch.payments.get().pk]
    assert "2026-06-11 – 2026-06-30" in found[0].detail


def test_above_the_standard_for_the_span_and_not_for_pro_rated_lines(tree, project, staff):
    _standard(project, amount="1000.00", proration="day")
    late = D(2026, 3, 10)
    exact = active_enrolment(project=project, village=tree.village, active_from=late)
    partial = active_enrolment(
        project=project, village=tree.village, name="孙八", card="6228480012345670001", active_from=late
    )
    adjusted = active_enrolment(
        project=project, village=tree.village, name="赵六", card="6228480012345670000"
    )
    batch = _generate(staff, project, tree.township)  # the year, pro-rated by day
    line = batch.payments.get(enrolment=exact)
    assert line.amount == Decimal("809.14")  # 22/31 of March + 9 months of 1000/12
    # below the year's standard, above what the span gives a person who started on 10 March
    short = batch.payments.get(enrolment=partial)
    services.payment_adjust(user=staff, payment=short, amount="900.00", reason="按全年计算")
    raised = batch.payments.get(enrolment=adjusted)
    services.payment_adjust(user=staff, payment=raised, amount="1000.01", reason="补差")
    found = {f.payment_id: f.detail for f in _run("above_standard")}
    assert set(found) == {short.pk, raised.pk}
    assert "900.00" in found[short.pk] and "809.14" in found[short.pk] and "按全年计算" in found[short.pk]
    assert "1000.01" in found[raised.pk] and "1000.00" in found[raised.pk] and "补差" in found[raised.pk]


# --- recoveries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "proration, active_from, died, paid, recovered, days",
    [
        ("month_any", JAN, D(2026, 7, 1), "1000.00", "416.67", (D(2026, 8, 1), D(2026, 12, 31))),
        (
            "month_first_day",
            D(2026, 3, 10),
            D(2026, 8, 15),
            "750.00",
            "333.33",
            (D(2026, 9, 1), D(2026, 12, 31)),
        ),
        ("day", JAN, D(2026, 8, 15), "1000.00", "376.34", (D(2026, 8, 16), D(2026, 12, 31))),
    ],
)
def test_a_late_death_after_a_paid_year_is_a_recovery_exact_to_the_cent(
    tree, users, project, staff, leader, checker, proration, active_from, died, paid, recovered, days
):
    _standard(project, amount="1000.00", proration=proration)
    e = active_enrolment(project=project, village=tree.village, active_from=active_from)
    batch = _pay(_generate(staff, project, tree.township), staff=staff, leader=leader, checker=checker)
    payment = batch.payments.get()
    assert payment.amount == Decimal(paid) and payment.status == "paid"
    person = _die(users[Role.VILLAGE_CADRE], e, died)
    assert [r.payment_id for r in person.recoveries_recorded] == [payment.pk]
    recovery = Recovery.objects.get()
    assert (recovery.amount, (recovery.covers_from, recovery.covers_to)) == (Decimal(recovered), days)
    assert (recovery.person_id, recovery.last_day, recovery.reason) == (e.person_id, died, "deceased")
    assert recovery.status == "open" and recovery.recorded_by == users[Role.VILLAGE_CADRE]
    assert recovery.history.count() == 1
    # the payment itself stays as the bank paid it
    payment.refresh_from_db()
    assert (payment.amount, payment.status) == (Decimal(paid), "paid")


def test_no_recovery_when_nothing_was_paid_beyond_the_day(tree, users, project, staff, leader, checker):
    _standard(project, amount="1000.00", proration="month_any")
    december = active_enrolment(project=project, village=tree.village)
    quarter = active_enrolment(project=project, village=tree.village, name="赵六", card="6228480012345670000")
    _pay(_generate(staff, project, tree.township), staff=staff, leader=leader, checker=checker)
    _die(staff, december, D(2026, 12, 5))  # December is owed whole by month
    assert Recovery.objects.count() == 0
    # a draft batch is no money out: its lines are withdrawn, not recovered
    other = ProjectFactory(division=tree.township, name="特困供养", code="TK")
    _standard(other, amount="80.00", period="month", proration="day")
    Enrolment.objects.create(
        project=other,
        person=quarter.person,
        village=tree.village,
        status="active",
        applied_on=JAN,
        active_from=D(2026, 12, 1),
    )
    _generate(staff, other, tree.township, D(2026, 12, 1), "month")
    person = _die(staff, quarter, D(2026, 12, 20))
    assert person.payments_removed == 1 and person.recoveries_recorded == []
    assert Recovery.objects.count() == 0


def test_a_recovery_is_never_negative(tree, users, project, staff, leader, checker):
    _standard(project, amount="1000.00", proration="day")
    e = active_enrolment(project=project, village=tree.village)
    batch = _generate(staff, project, tree.township)
    services.payment_adjust(user=staff, payment=batch.payments.get(), amount="100.00", reason="只发一部分")
    _pay(batch, staff=staff, leader=leader, checker=checker)
    person = _die(staff, e, D(2026, 8, 15))  # 623.66 owed, 100.00 paid: nothing to recover
    assert person.recoveries_recorded == [] and Recovery.objects.count() == 0


def test_an_exit_recorded_late_is_a_recovery_and_a_later_batch_pays_as_usual(
    tree, users, project, staff, leader, checker
):
    _standard(project, amount="1000.00", proration="month_any")
    e = active_enrolment(project=project, village=tree.village)
    _pay(_generate(staff, project, tree.township), staff=staff, leader=leader, checker=checker)
    other = ProjectFactory(division=tree.township, name="高龄津贴", code="OLD")
    _standard(other, amount="60.00", period="month")
    second = Enrolment.objects.create(
        project=other, person=e.person, village=tree.village, status="active", applied_on=JAN, active_from=JAN
    )
    services.enrolment_exit(user=staff, enrolment=e, reason="not_eligible", on=D(2026, 9, 30), today=TODAY)
    recovery = Recovery.objects.get()
    assert (recovery.amount, recovery.covers_from, recovery.reason) == (
        Decimal("250.00"),
        D(2026, 10, 1),
        "not_eligible",
    )
    # never netted: the person's other programme is paid its full amount
    october = _generate(staff, other, tree.township, D(2026, 10, 1), "month")
    assert [(p.enrolment_id, p.amount) for p in october.payments.filter(kind="regular")] == [
        (second.pk, Decimal("60.00"))
    ]
    # a death recorded later with an earlier date brings the open item up to date
    _die(staff, e, D(2026, 7, 20))
    recovery.refresh_from_db()
    assert (recovery.amount, recovery.covers_from, recovery.reason) == (
        Decimal("416.67"),
        D(2026, 8, 1),
        "deceased",
    )
    assert Recovery.objects.count() == 1


@pytest.fixture
def recovery(tree, users, project, staff, leader, checker):
    _standard(project, amount="1000.00", proration="month_any")
    e = active_enrolment(project=project, village=tree.village2, name="钱七")
    _pay(_generate(staff, project, tree.township), staff=staff, leader=leader, checker=checker)
    _die(staff, e, D(2026, 7, 1))
    return Recovery.objects.get()


def test_recoveries_are_listed_for_their_township_only(client, tree, users, recovery):
    elsewhere = UserFactory(username="staff2", role=Role.TOWNSHIP_STAFF, division=tree.township2)
    assert list(selectors.recovery_list(user=users[Role.TOWNSHIP_STAFF])) == [recovery]
    assert list(selectors.recovery_list(user=elsewhere)) == []
    assert list(selectors.recovery_list(user=users[Role.VILLAGE_CADRE])) == []  # another village
    client.force_login(users[Role.TOWNSHIP_LEADER])
    page = client.get(reverse("beneficiaries:recovery-list")).content.decode()
    assert "钱七" in page and "416.67" in page
    person_page = client.get(
        reverse("beneficiaries:person-detail", args=[recovery.person_id])
    ).content.decode()
    assert reverse("beneficiaries:recovery-detail", args=[recovery.pk]) in person_page
    client.force_login(elsewhere)
    assert "钱七" not in client.get(reverse("beneficiaries:recovery-list")).content.decode()
    assert client.get(reverse("beneficiaries:recovery-detail", args=[recovery.pk])).status_code == 404


def test_waiving_needs_a_leader_and_a_reason(users, recovery):
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    with pytest.raises(PermissionDenied):
        services.recovery_waive(user=staff, recovery=recovery, reason="家庭困难")
    with pytest.raises(ValidationError, match="Say why"):
        services.recovery_waive(user=leader, recovery=recovery, reason="  ")
    recovery.refresh_from_db()
    assert recovery.status == "open"
    waived = services.recovery_waive(user=leader, recovery=recovery, reason="家庭困难，经班子会研究核销")
    assert (waived.status, waived.settled_by, waived.note) == ("waived", leader, "家庭困难，经班子会研究核销")
    with pytest.raises(ValidationError, match="already"):
        services.recovery_mark_recovered(user=staff, recovery=recovery, note="收据 001")


def test_staff_record_the_money_recovered_through_the_page(client, users, recovery):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    url = reverse("beneficiaries:recovery-detail", args=[recovery.pk])
    client.post(url, {"decision": "waive", "note": "家庭困难"})
    recovery.refresh_from_db()
    assert recovery.status == "open"  # staff may not waive
    client.post(url, {"decision": "recovered", "note": "收据 2026-0012，现金退回"})
    recovery.refresh_from_db()
    assert (recovery.status, recovery.settled_by) == ("recovered", users[Role.TOWNSHIP_STAFF])
    assert recovery.history.count() == 2
