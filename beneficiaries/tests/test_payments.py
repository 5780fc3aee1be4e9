"""Enrolments, the three rounds, standards, payment batches (four-eyes, the approval race, no
double payment in the service and in the database), reconciliation, callbacks."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from beneficiaries import services
from beneficiaries.coverage import month_end
from beneficiaries.models import Enrolment, Payment, PaymentBatch
from beneficiaries.tests.factories import active_enrolment, person, sent_to_bank, standard
from core import clock
from org.models import Role
from org.tests.factories import UserFactory
from projects.tests.factories import ProjectFactory

TODAY = datetime.date(2026, 11, 25)
MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def project(tree):
    return ProjectFactory(division=tree.township, name="贫困残疾人生活特别救助", code="DIS")


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


@pytest.fixture
def leader(users):
    return users[Role.TOWNSHIP_LEADER]


@pytest.fixture
def checker(tree):
    """A second staff member of the township: checks what the first prepared (four-eyes)."""
    return UserFactory(username="checker", role=Role.TOWNSHIP_STAFF, division=tree.township)


def _at(ago):
    """09:00 Asia/Shanghai ``ago`` days before today."""
    return clock.start_of_day(clock.today() - datetime.timedelta(days=ago)) + datetime.timedelta(hours=9)


def _round(user, project, division, kind, enrolments, *, ago=20, days=7, close_ago=None):
    """Post a round through the publicity app ``ago`` days before today (core.clock.travel:
    the period starts when it is posted), ``days`` full days long; closed with no objection
    ``close_ago`` days before today when given."""
    from publicity.services import notice_close

    with clock.travel(_at(ago)):
        notice = services.enrolment_notice_post(
            user=user,
            project=project,
            division=division,
            round=kind,
            ends_on=clock.today() + datetime.timedelta(days=days),
            enrolments=enrolments,
        )
    if close_ago is not None:
        with clock.travel(_at(close_ago)):
            notice = notice_close(user=user, notice=notice)
    return notice


# --- enrolment ---------------------------------------------------------------------------------


def test_enrolled_twice_in_one_project_year_is_refused(tree, users, project):
    cadre = users[Role.VILLAGE_CADRE]
    p = person(village=tree.village)
    services.enrolment_create(user=cadre, project=project, person=p, today=TODAY)
    with pytest.raises(ValidationError) as excinfo:
        services.enrolment_create(user=cadre, project=project, person=p, today=TODAY)
    assert excinfo.value.error_dict["person"][0].code == "enrolled_twice"
    assert Enrolment.objects.count() == 1
    # and the database says no as well
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(project=project, person=p, village=tree.village, applied_on=TODAY)


def test_deceased_person_cannot_be_enrolled(tree, users, project):
    p = person(village=tree.village, status="deceased", status_on=datetime.date(2026, 5, 1))
    with pytest.raises(ValidationError, match="deceased"):
        services.enrolment_create(user=users[Role.TOWNSHIP_STAFF], project=project, person=p, today=TODAY)


def test_status_history_through_three_rounds_to_exit(tree, users, project, staff, leader):
    from publicity.models import PublicNotice
    from publicity.services import notice_close, objection_answer, objection_record

    cadre = users[Role.VILLAGE_CADRE]
    e = services.enrolment_create(
        user=cadre, project=project, person=person(village=tree.village), today=TODAY
    )
    e = services.enrolment_review(user=cadre, enrolment=e)
    with pytest.raises(ValidationError, match="village list"):
        services.enrolment_put_on_notice(user=staff, enrolment=e)
    first = _round(staff, project, tree.village, "village", [e], ago=40)
    e = services.enrolment_put_on_notice(user=staff, enrolment=e)
    notice = PublicNotice.objects.get(pk=first.pk)
    assert notice.kind == "enrolment" and notice.rows[0][1] == e.person.masked_id_number  # masked snapshot
    with pytest.raises(ValidationError, match="not been closed"):
        services.enrolment_approve(user=leader, enrolment=e)
    with clock.travel(_at(32)):
        notice_close(user=staff, notice=first)
    with pytest.raises(ValidationError, match="township review list"):
        services.enrolment_approve(user=leader, enrolment=e)
    _round(staff, project, tree.township, "township", [e], ago=31, close_ago=23)
    final = _round(staff, project, tree.township, "final", [e], ago=12)
    with clock.travel(_at(8)), pytest.raises(ValidationError, match="runs until"):  # still posted
        services.enrolment_approve(user=leader, enrolment=e)
    final = PublicNotice.objects.get(pk=final.pk)
    objection = objection_record(
        user=staff,
        notice=final,
        channel="phone",
        name="王某",
        contact="13900000000",
        text="其家中有小汽车一辆",
    )
    with pytest.raises(ValidationError, match="answer"):
        services.enrolment_approve(user=leader, enrolment=e)
    objection_answer(user=staff, objection=objection, answer="车辆已报废，已答复", outcome="dismissed")
    notice_close(user=staff, notice=final)
    e = services.enrolment_approve(user=leader, enrolment=e)
    assert e.status == "approved" and e.approved_by == leader
    e = services.enrolment_activate(user=staff, enrolment=e, active_from=datetime.date(2026, 12, 1))
    e = services.enrolment_exit(user=staff, enrolment=e, reason="deceased", on=TODAY, today=TODAY)
    statuses = []
    for record in Enrolment.history.filter(id=e.pk).order_by("history_date"):
        if not statuses or statuses[-1] != record.status:  # linking a notice saves too
            statuses.append(record.status)
    assert statuses == ["applied", "village_reviewed", "notice", "approved", "active", "exited"]


def test_upheld_objection_blocks_approval(tree, project, staff, leader):
    from publicity.services import notice_close, objection_answer, objection_record

    e = services.enrolment_create(
        user=staff, project=project, person=person(village=tree.village), today=TODAY
    )
    notices = [
        _round(staff, project, tree.village, "village", [e], ago=40, close_ago=32),
        _round(staff, project, tree.township, "township", [e], ago=31, close_ago=23),
        _round(staff, project, tree.township, "final", [e], ago=22),
    ]
    objection = objection_record(
        user=staff,
        notice=notices[2],
        channel="visit",
        name="",
        contact="村民当面反映",
        text="其子在县城有住房",
    )
    objection_answer(user=staff, objection=objection, answer="经核实属实，不予纳入", outcome="upheld")
    notice_close(user=staff, notice=notices[2], upheld=True, note="核实有误")
    Enrolment.objects.filter(pk=e.pk).update(status="notice")
    with pytest.raises(ValidationError, match="upheld"):
        services.enrolment_approve(user=leader, enrolment=e)


def test_notice_round_needs_seven_days(tree, users, project, staff):
    e = services.enrolment_create(
        user=staff, project=project, person=person(village=tree.village), today=TODAY
    )
    with pytest.raises(ValidationError, match="7 full days"):
        _round(staff, project, tree.village, "village", [e], days=6)
    assert Enrolment.objects.get(pk=e.pk).village_notice is None


def test_leader_who_entered_the_enrolment_cannot_approve_it(tree, project, staff, leader):
    e = services.enrolment_create(
        user=leader, project=project, person=person(village=tree.village), today=TODAY
    )
    _round(staff, project, tree.village, "village", [e], ago=40, close_ago=32)
    _round(staff, project, tree.township, "township", [e], ago=31, close_ago=23)
    _round(staff, project, tree.township, "final", [e], ago=22, close_ago=0)
    Enrolment.objects.filter(pk=e.pk).update(status="notice")
    with pytest.raises(ValidationError) as excinfo:
        services.enrolment_approve(user=leader, enrolment=e, today=TODAY)
    assert excinfo.value.code == "four_eyes"


# --- standards -----------------------------------------------------------------------------------


def test_standard_refuses_three_decimals_and_closes_the_earlier_one(tree, project, staff):
    with pytest.raises(ValidationError, match="2 decimal"):
        services.standard_set(user=staff, project=project, amount="60.505", effective_from=MARCH)
    old = services.standard_set(
        user=staff, project=project, amount="726", effective_from=datetime.date(2026, 1, 1)
    )
    services.standard_set(user=staff, project=project, amount="840", effective_from=datetime.date(2026, 7, 1))
    old.refresh_from_db()
    assert old.effective_to == datetime.date(2026, 6, 30)


def test_auditor_and_cadre_cannot_set_standards(tree, users, project):
    for role in (Role.COUNTY_AUDITOR, Role.VILLAGE_CADRE):
        with pytest.raises(PermissionDenied):
            services.standard_set(user=users[role], project=project, amount="1", effective_from=MARCH)


# --- batches -------------------------------------------------------------------------------------


def _batch(tree, project, staff, *, n=3, period=MARCH):
    standard(project=project, amount="726.00")
    for i in range(n):
        active_enrolment(project=project, village=tree.village, name=f"甲{i}", card=f"62284800123456{i:05d}")
    return services.batch_generate(user=staff, project=project, division=tree.township, period_start=period)


def test_batch_pays_each_enrolment_once_at_the_standard(tree, project, staff):
    batch = _batch(tree, project, staff)
    assert batch.payment_count == 3 and batch.total_amount == Decimal("181.50")  # 726 / 12 × 3
    with pytest.raises(ValidationError, match="Nothing to pay"):
        services.batch_generate(user=staff, project=project, division=tree.township, period_start=MARCH)


def test_database_refuses_a_second_live_payment_for_the_period(tree, project, staff):
    batch = _batch(tree, project, staff, n=1)
    payment = batch.payments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            batch=batch,
            enrolment=payment.enrolment,
            covers_from=MARCH,
            covers_to=month_end(MARCH),
            amount=Decimal("60.50"),
        )
    # a failed one does not count: it may be re-issued
    Payment.objects.filter(pk=payment.pk).update(status="failed", failure_reason="卡已注销")
    Payment.objects.create(
        batch=batch,
        enrolment=payment.enrolment,
        covers_from=MARCH,
        covers_to=month_end(MARCH),
        amount=Decimal("60.50"),
    )


def test_payment_for_an_exited_person_is_refused(tree, project, staff):
    batch = _batch(tree, project, staff, n=1)
    late = active_enrolment(project=project, village=tree.village, name="乙")
    services.enrolment_exit(
        user=staff, enrolment=late, reason="moved", on=datetime.date(2026, 2, 10), today=TODAY
    )
    with pytest.raises(ValidationError) as excinfo:
        services.payment_add(user=staff, batch=batch, enrolment=late)
    assert "exited on 2026-02-10" in str(excinfo.value)
    assert batch.payments.count() == 1


def test_exit_stops_payments_from_that_date(tree, project, staff):
    standard(project=project, amount="726.00")
    e = active_enrolment(project=project, village=tree.village)
    services.enrolment_exit(
        user=staff, enrolment=e, reason="deceased", on=datetime.date(2026, 3, 15), today=TODAY
    )
    march = services.batch_generate(user=staff, project=project, division=tree.township, period_start=MARCH)
    assert march.payment_count == 1  # the period started before the exit
    with pytest.raises(ValidationError, match="Nothing to pay"):
        services.batch_generate(
            user=staff, project=project, division=tree.township, period_start=datetime.date(2026, 4, 1)
        )


def test_a_death_exits_every_open_enrolment_and_empties_draft_batches(tree, project, staff, checker, users):
    standard(project=project, amount="726.00")
    e = active_enrolment(project=project, village=tree.village)
    other = ProjectFactory(division=tree.township, name="高龄津贴", code="OLD")
    applied = Enrolment.objects.create(
        project=other, person=e.person, village=tree.village, applied_on=datetime.date(2026, 2, 1)
    )
    march = services.batch_generate(user=staff, project=project, division=tree.township, period_start=MARCH)
    april = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=datetime.date(2026, 4, 1)
    )
    services.batch_check(user=checker, batch=march)
    person_ = services.person_set_status(
        user=users[Role.VILLAGE_CADRE],
        person=e.person,
        status="deceased",
        on=datetime.date(2026, 3, 15),
        today=TODAY,
    )
    assert (person_.enrolments_exited, person_.payments_removed) == (2, 1)
    for enrolment in (e, applied):
        enrolment.refresh_from_db()
        assert (enrolment.status, enrolment.exit_reason) == ("exited", "deceased")
        assert enrolment.exit_on == datetime.date(2026, 3, 15)
    april.refresh_from_db()
    assert (april.payment_count, april.total_amount) == (0, Decimal("0.00"))
    assert march.payments.count() == 1  # checked: not changed behind the checker's back
    with pytest.raises(ValidationError, match="Nothing to pay"):
        services.batch_generate(
            user=staff, project=project, division=tree.township, period_start=datetime.date(2026, 5, 1)
        )


def test_a_move_out_exits_with_reason_moved(tree, project, staff):
    e = active_enrolment(project=project, village=tree.village)
    services.person_set_status(
        user=staff, person=e.person, status="moved_out", on=datetime.date(2026, 6, 1), today=TODAY
    )
    e.refresh_from_db()
    assert (e.status, e.exit_reason, e.exit_on) == ("exited", "moved", datetime.date(2026, 6, 1))


def test_correcting_a_wrong_death_restores_only_the_automatic_exits(tree, project, staff):
    e = active_enrolment(project=project, village=tree.village)
    by_hand = Enrolment.objects.create(
        project=ProjectFactory(division=tree.township, code="OLD"),
        person=e.person,
        village=tree.village,
        status=Enrolment.Status.ACTIVE,
        applied_on=datetime.date(2026, 1, 5),
        active_from=datetime.date(2026, 1, 1),
    )
    services.enrolment_exit(
        user=staff, enrolment=by_hand, reason="not_eligible", on=datetime.date(2026, 2, 1), today=TODAY
    )
    services.person_set_status(
        user=staff, person=e.person, status="deceased", on=datetime.date(2026, 3, 15), today=TODAY
    )
    person_ = services.person_set_status(user=staff, person=e.person, status="living", on=None, today=TODAY)
    assert person_.enrolments_restored == 1
    e.refresh_from_db()
    by_hand.refresh_from_db()
    assert (e.status, e.exit_reason, e.exit_on) == ("active", "", None)
    assert (by_hand.status, by_hand.exit_reason) == ("exited", "not_eligible")
    assert e.history.first().history_change_reason == services.RESTORE_WITH_PERSON


def test_batch_state_machine_with_four_eyes(tree, project, staff, leader, checker, users):
    batch = _batch(tree, project, staff)
    with pytest.raises(ValidationError):  # not checked yet
        services.batch_approve(user=leader, batch=batch)
    # the preparer never checks their own batch (this passed before issue 14)
    with pytest.raises(ValidationError) as excinfo:
        services.batch_check(user=staff, batch=batch)
    assert excinfo.value.code == "four_eyes"
    assert PaymentBatch.objects.get(pk=batch.pk).status == "draft"
    services.batch_check(user=checker, batch=batch)
    with pytest.raises(PermissionDenied):
        services.batch_approve(user=users[Role.COUNTY_AUDITOR], batch=batch)
    # a leader who prepared a batch may not approve it
    own = _batch(tree, ProjectFactory(division=tree.township), leader)
    services.batch_check(user=checker, batch=own)
    with pytest.raises(ValidationError) as excinfo:
        services.batch_approve(user=leader, batch=own)
    assert excinfo.value.code == "four_eyes"
    batch = services.batch_approve(user=leader, batch=batch)
    assert batch.status == "approved" and batch.approved_by == leader
    assert len({batch.prepared_by_id, batch.checked_by_id, batch.approved_by_id}) == 3


def test_the_leader_who_checked_a_batch_does_not_approve_it(tree, project, staff, leader):
    batch = _batch(tree, project, staff)
    services.batch_check(user=leader, batch=batch)
    with pytest.raises(ValidationError) as excinfo:
        services.batch_approve(user=leader, batch=batch)
    assert excinfo.value.code == "four_eyes"
    assert PaymentBatch.objects.get(pk=batch.pk).status == "checked"
    second = UserFactory(username="leader2", role=Role.TOWNSHIP_LEADER, division=tree.township)
    assert services.batch_approve(user=second, batch=batch).approved_by == second


def test_a_batch_with_no_preparer_is_not_checked_by_anyone(tree, project, staff, leader, checker):
    batch = _batch(tree, project, staff)
    PaymentBatch.objects.filter(pk=batch.pk).update(prepared_by=None)  # as the demo batches were
    for user in (staff, checker, leader):
        with pytest.raises(ValidationError) as excinfo:
            services.batch_check(user=user, batch=batch)
        assert excinfo.value.code == "no_preparer"
        assert services.BATCH_MACHINE.available(PaymentBatch.objects.get(pk=batch.pk), user) == []
    assert PaymentBatch.objects.get(pk=batch.pk).status == "draft"


def test_out_of_scope_batch_step_answers_404(tree, project, staff, checker):
    from django.http import Http404

    batch = _batch(tree, project, staff)
    outsider = UserFactory(username="outsider", role=Role.TOWNSHIP_STAFF, division=tree.township2)
    with pytest.raises(Http404):
        services.batch_check(user=outsider, batch=batch)
    assert PaymentBatch.objects.get(pk=batch.pk).status == "draft"


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_exactly_one_succeeds(tree, project, staff, checker):
    batch = _batch(tree, project, staff)
    services.batch_check(user=checker, batch=batch)
    leaders = [
        UserFactory(username=f"leader{i}", role=Role.TOWNSHIP_LEADER, division=tree.township)
        for i in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user):
        try:
            barrier.wait()
            services.batch_approve(user=user, batch=batch)
            outcomes.append(user.pk)
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(leader,)) for leader in leaders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str).count("refused") == 1
    winner = next(o for o in outcomes if o != "refused")
    assert PaymentBatch.objects.get(pk=batch.pk).approved_by_id == winner


def _to_bank(tree, project, staff, leader, n=3):
    batch = _batch(tree, project, staff, n=n)
    checker = UserFactory(role=Role.TOWNSHIP_STAFF, division=tree.township)
    services.batch_check(user=checker, batch=batch)
    services.batch_approve(user=leader, batch=batch)
    return sent_to_bank(batch=batch, user=staff)


def test_reconcile_refuses_unknown_payments_and_changes_nothing(tree, project, staff, leader):
    batch = _to_bank(tree, project, staff, leader)
    lines = [
        {"row": i + 2, "reference": p.reference, "amount": p.amount, "result": "paid"}
        for i, p in enumerate(batch.payments.all())
    ]
    lines.append({"row": 9, "reference": "P9999999999", "amount": Decimal("60.50"), "result": "paid"})
    with pytest.raises(ValidationError) as excinfo:
        services.batch_reconcile(user=staff, batch=batch, results=lines)
    assert excinfo.value.row_errors[0].row == 9 and "not in batch" in excinfo.value.row_errors[0].message
    assert set(batch.payments.values_list("status", flat=True)) == {"pending"}
    assert PaymentBatch.objects.get(pk=batch.pk).status == "exported"


def test_failed_payment_is_reissued_later_never_paid_twice(tree, project, staff, leader):
    """A failure of the "other" kind (not a closed account) is re-issued in the next batch."""
    batch = _to_bank(tree, project, staff, leader)
    payments = list(batch.payments.order_by("pk"))
    lines = [
        {
            "row": i + 2,
            "reference": p.reference,
            "amount": p.amount,
            "result": "paid" if i else "failed",
            "reason": "" if i else "户名不符",
        }
        for i, p in enumerate(payments)
    ]
    services.batch_reconcile(user=staff, batch=batch, results=lines)
    assert Payment.objects.get(pk=payments[0].pk).failure_kind == Payment.FailureKind.OTHER
    april = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=datetime.date(2026, 4, 1)
    )
    reissued = april.payments.filter(reissue_of__isnull=False).get()
    assert reissued.reissue_of == payments[0] and reissued.covers_from == MARCH
    assert april.payment_count == 4  # 3 for April + the March re-issue
    # the next batch does not re-issue it again: a live payment now covers March
    may = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=datetime.date(2026, 5, 1)
    )
    assert not may.payments.filter(covers_from=MARCH).exists()


# --- callbacks -------------------------------------------------------------------------------------


def test_callback_answers_only_when_reached(tree, users, project):
    e = active_enrolment(project=project, village=tree.village)
    cadre = users[Role.VILLAGE_CADRE]
    with pytest.raises(ValidationError):
        services.callback_record(
            user=cadre,
            enrolment=e,
            method="phone",
            called_on=TODAY,
            reached=False,
            satisfied=True,
            today=TODAY,
        )
    services.callback_record(
        user=cadre,
        enrolment=e,
        method="visit",
        called_on=TODAY,
        reached=True,
        knew_policy=True,
        received_money=True,
        satisfied=True,
        today=TODAY,
    )
    from beneficiaries import selectors

    row = selectors.callback_coverage(user=cadre)[0]
    assert (row["enrolled"], row["called"], row["rate"]) == (1, 1, Decimal("1.0000"))
    assert not selectors.callback_pending(user=cadre).exists()


def test_migration_names_the_preparer_from_the_history(tree, project, staff):
    import importlib

    from django.apps import apps

    batch = _batch(tree, project, staff)
    bare = PaymentBatch.objects.create(project=project, division=tree.township, period_start=MARCH, number=2)
    PaymentBatch.objects.filter(pk=batch.pk).update(prepared_by=None)
    migration = importlib.import_module("beneficiaries.migrations.0006_batch_prepared_by_from_history")
    migration.forward(apps, None)
    assert PaymentBatch.objects.get(pk=batch.pk).prepared_by == staff  # who generated it
    assert PaymentBatch.objects.get(pk=bare.pk).prepared_by is None  # no history: stays unchecked
