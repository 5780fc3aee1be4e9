"""Recovery items (追回): money already paid out for days after a person's last day in the
programme, found when a death, a move or an exit is recorded late.

A payment of an approved, sent or reconciled batch is money that went (or is going) out; when
the death, move or exit recorded afterwards ends the programme before the last day that payment
covers, what it paid for the days after is a ``Recovery`` on the person, listed for the
township until it is recovered or waived. It is never netted against a later payment: a later
batch pays what is owed as usual. Draft lines are withdrawn instead (registry's
``_exit_with_person``); a checked batch is flagged by the anomaly checks.

What a span is worth comes from beneficiaries.coverage (the standard's rule, cumulative
rounding): the recovery is the payment's amount minus what its span is still worth with the
new last day, never negative.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries import coverage
from beneficiaries.coverage import overpaid_days, span_worth
from beneficiaries.models import Enrolment, Payment, PaymentBatch, Person, Recovery, SubsidyStandard
from org.audit import audited_save
from org.models import Role
from org.roles import OFFICE, require_role

#: batches whose money is out or going out: an overpayment there becomes a recovery item
PAID_OUT = (PaymentBatch.Status.APPROVED, PaymentBatch.Status.EXPORTED, PaymentBatch.Status.RECONCILED)

#: the exit reason a person's status gives
GONE_REASON = {
    Person.Status.DECEASED: Enrolment.ExitReason.DECEASED,
    Person.Status.MOVED_OUT: Enrolment.ExitReason.MOVED,
}


# --- arithmetic (pure) ---------------------------------------------------------------------------


def last_day(
    *, enrolment_status: str, exit_on, exit_reason: str, person_status: str, status_on
) -> tuple[datetime.date | None, str]:
    """The last day in the programme and why: the earlier of the enrolment's exit and the
    person's death or move (that day included). (None, "") while neither is recorded."""
    ends = []
    if enrolment_status == Enrolment.Status.EXITED and exit_on is not None:
        ends.append((exit_on, exit_reason))
    if person_status in GONE_REASON and status_on is not None:
        ends.append((status_on, GONE_REASON[person_status]))
    if not ends:
        return None, ""
    return min(ends, key=lambda end: end[0])


def rates_by_project_tier(project_ids=None) -> dict[tuple[int, str], list[coverage.Rate]]:
    """The rates of these projects (None: of all) per (project, tier), in one query."""
    rates: dict[tuple[int, str], list] = {}
    standards = SubsidyStandard.objects.all()
    if project_ids is not None:
        standards = standards.filter(project_id__in=set(project_ids))
    for standard in standards.order_by("project_id", "effective_from"):
        rates.setdefault((standard.project_id, standard.tier), []).append(coverage.Rate.of(standard))
    return rates


# --- writes --------------------------------------------------------------------------------------


def recoveries_record(*, user, person_id: int | None = None, enrolment_id: int | None = None) -> list:
    """Record (or bring up to date) the recovery items of a person's enrolments, or of one
    enrolment, after a death, move or exit was recorded: one per live payment of an approved,
    sent or reconciled batch that pays for days after the last day in the programme, for what
    it paid beyond what its span is still worth. An open item of the same payment is updated
    (a date corrected to an earlier one); a recovered or waived one is left as it is. Called
    inside the transaction of the service that recorded the exit (person_set_status,
    enrolment_exit), which has checked the user's role and scope. Returns the items written."""
    payments = _paid_out_payments(person_id=person_id, enrolment_id=enrolment_id)
    if not payments:
        return []
    rates = rates_by_project_tier(p.enrolment.project_id for p in payments)
    existing = {
        r.payment_id: r
        for r in Recovery.objects.select_for_update().filter(payment_id__in=[p.pk for p in payments])
    }
    written = []
    for payment in payments:
        values = _overpaid(payment, rates=rates)
        if values is None:
            continue
        recovery = _recovery_write(
            user=user, payment=payment, recovery=existing.get(payment.pk), values=values
        )
        if recovery is not None:
            written.append(recovery)
    return written


def _paid_out_payments(*, person_id: int | None, enrolment_id: int | None) -> list[Payment]:
    """The live payments of approved, sent or reconciled batches of the person's enrolments (or
    of one enrolment), oldest days first, with what the overpayment is reckoned from."""
    payments = Payment.objects.exclude(status=Payment.Status.FAILED).filter(batch__status__in=PAID_OUT)
    if person_id is not None:
        payments = payments.filter(enrolment__person_id=person_id)
    else:
        payments = payments.filter(enrolment_id=enrolment_id)
    return list(
        payments.select_related("enrolment__person", "batch", "standard").order_by("covers_from", "pk")
    )


def _overpaid(payment: Payment, *, rates: dict) -> dict | None:
    """The recovery item's values for what ``payment`` paid beyond what its span is still worth
    with the last day in the programme (covers_from, covers_to, last_day, reason, amount), or
    None when it paid nothing too much (or there is no standard to reckon with: the anomaly
    checks report the payment)."""
    enrolment, person = payment.enrolment, payment.enrolment.person
    last, reason = last_day(
        enrolment_status=enrolment.status,
        exit_on=enrolment.exit_on,
        exit_reason=enrolment.exit_reason,
        person_status=person.status,
        status_on=person.status_on,
    )
    if last is None or payment.covers_to <= last:
        return None
    tier_rates = rates.get((enrolment.project_id, enrolment.tier)) or (
        [coverage.Rate.of(payment.standard)] if payment.standard_id else []
    )
    if not tier_rates:
        return None
    rule = coverage.rule_for(tier_rates, (payment.batch.period_start, payment.batch.period_end))
    programme = coverage.in_programme(active_from=enrolment.active_from, exit_on=last)
    span = (payment.covers_from, payment.covers_to)
    amount = payment.amount - span_worth(
        span=span, rule=rule, programme=programme, rates=tier_rates, persons=enrolment.persons_covered
    )
    days = overpaid_days(span=span, programme=programme, last=last, rule=rule) if programme else span
    if amount <= 0 or days is None:
        return None
    return {
        "covers_from": days[0],
        "covers_to": days[1],
        "last_day": last,
        "reason": reason,
        "amount": amount,
    }


def _recovery_write(*, user, payment: Payment, recovery: Recovery | None, values: dict) -> Recovery | None:
    """Create the payment's recovery item, or bring its open one up to date; None when there is
    nothing to write (the item is recovered or waived, or already says the same)."""
    if recovery is None:
        recovery = Recovery(
            person=payment.enrolment.person,
            enrolment=payment.enrolment,
            payment=payment,
            recorded_by=user,
            **values,
        )
        audited_save(recovery, user=user)
        return recovery
    if recovery.status != Recovery.Status.OPEN or all(
        getattr(recovery, key) == value for key, value in values.items()
    ):
        return None
    for key, value in values.items():
        setattr(recovery, key, value)
    audited_save(recovery, user=user, update_fields=list(values))
    return recovery


def _settle(*, user, recovery: Recovery, status: str, note: str, field: str) -> Recovery:
    note = (note or "").strip()
    if not note:
        message = (
            gettext("Say why the money is not recovered.")
            if status == Recovery.Status.WAIVED
            else gettext("Write how the money was recovered (receipt, date).")
        )
        raise ValidationError({field: message})
    locked = Recovery.objects.visible_to(user).select_for_update().get(pk=recovery.pk)
    if locked.status != Recovery.Status.OPEN:
        raise ValidationError(
            {
                "status": gettext("This recovery is already %(status)s.")
                % {"status": locked.get_status_display()}
            }
        )
    locked.status, locked.note = status, note[:500]
    locked.settled_by, locked.settled_at = user, timezone.now()
    audited_save(locked, user=user, update_fields=["status", "note", "settled_by", "settled_at"])
    return locked


@transaction.atomic
def recovery_mark_recovered(*, user, recovery: Recovery, note: str) -> Recovery:
    """Township staff or a leader record that the money came back, with how (receipt, date).
    Refuses another role, an item outside the user's area (DoesNotExist), an empty note and an
    item no longer open."""
    require_role(user, *OFFICE)
    return _settle(user=user, recovery=recovery, status=Recovery.Status.RECOVERED, note=note, field="note")


@transaction.atomic
def recovery_waive(*, user, recovery: Recovery, reason: str) -> Recovery:
    """A township leader lets the money go (核销), with the reason. Refuses any other role, an
    item outside the leader's area (DoesNotExist), an empty reason and an item no longer open."""
    require_role(user, Role.TOWNSHIP_LEADER)
    return _settle(user=user, recovery=recovery, status=Recovery.Status.WAIVED, note=reason, field="reason")
