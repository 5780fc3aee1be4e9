"""Payment batches (打卡发放): generating a batch for a period, adding and adjusting its lines.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext

from beneficiaries.bulk import analyze, insert_with_history
from beneficiaries.models import (
    Enrolment,
    Payment,
    PaymentBatch,
    Person,
    SubsidyStandard,
)
from beneficiaries.permissions import OFFICE_ROLES
from beneficiaries.services.enrolment import _project_visible
from beneficiaries.services.reconciliation import failed_to_reissue, reissue_card
from beneficiaries.services.standards import standard_amount_for
from common.money import parse_money
from org.audit import audited_save, audited_update
from org.models import Division
from org.roles import require_role
from org.scoping import division_in_scope


def period_end(start: datetime.date, period: str) -> datetime.date:
    months = SubsidyStandard.MONTHS[period]
    month = start.month - 1 + months
    return datetime.date(start.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def _check_period_start(start: datetime.date, period: str) -> None:
    if period not in SubsidyStandard.Period.values:
        raise ValidationError({"period": gettext("Choose month, quarter or year.")})
    starts = {"month": range(1, 13), "quarter": (1, 4, 7, 10), "year": (1,)}[period]
    if start is None or start.day != 1 or start.month not in starts:
        raise ValidationError(
            {
                "period_start": gettext("%(date)s is not the first day of a %(period)s.")
                % {"date": start, "period": period}
            }
        )


def _eligible_enrolments(*, project, division, start: datetime.date, end: datetime.date):
    """Enrolments a period may pay: active (or exited after the period started), paying from
    before its end, and the person living (or deceased/moved after the period started)."""
    return (
        Enrolment.objects.filter(project=project, village__code__startswith=division.code)
        .filter(
            models.Q(status=Enrolment.Status.ACTIVE)
            | models.Q(status=Enrolment.Status.EXITED, exit_on__gt=start, active_from__isnull=False)
        )
        .filter(active_from__lte=end)
        .filter(models.Q(person__status=Person.Status.LIVING) | models.Q(person__status_on__gt=start))
    )


@transaction.atomic
def batch_generate(
    *, user, project, division: Division, period_start: datetime.date, period: str = "month"
) -> PaymentBatch:
    """Make a draft batch for ``project`` in township ``division`` and one period: one payment
    per eligible enrolment not yet paid (or being paid) for the period, at the standard in force
    on its first day; plus re-issues of earlier failed payments of the project in the township
    that no later payment covers. Refuses enrolments without a standard or a bank card (naming
    them), and an empty batch. Payments are written with bulk inserts."""
    from projects.models import Project

    require_role(user, *OFFICE_ROLES)
    if division is None or division.level != Division.Level.TOWNSHIP or not division_in_scope(user, division):
        raise ValidationError({"division": gettext("Choose a township in your area.")})
    _project_visible(user=user, project=project)
    _check_period_start(period_start, period)
    Project.objects.select_for_update().get(pk=project.pk)  # two generations of one project queue up
    end = period_end(period_start, period)
    standards = list(
        SubsidyStandard.objects.filter(project=project, effective_from__lte=period_start).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=period_start)
        )
    )
    by_tier = {s.tier: s for s in standards}
    # NOT EXISTS (an anti-join), not NOT IN: safe with NULLs and fast even on fresh statistics
    paid = Payment.objects.filter(enrolment_id=models.OuterRef("pk"), period_start=period_start).exclude(
        status=Payment.Status.FAILED
    )
    rows = list(
        _eligible_enrolments(project=project, division=division, start=period_start, end=end)
        .exclude(models.Exists(paid))
        .values_list(
            "pk",
            "tier",
            "persons_covered",
            "person__name",
            "person__bank_card_cipher",
            "person__bank_card_index",
            "person__bank_name",
        )
        .order_by("village__code", "pk")
    )
    no_standard = sorted({tier or "—" for _pk, tier, *_rest in rows if tier not in by_tier})
    if no_standard:
        raise ValidationError(
            {
                "standard": gettext("No subsidy standard applies on %(date)s to the tier(s): %(tiers)s.")
                % {"date": period_start, "tiers": "、".join(no_standard)}
            }
        )
    no_card = [name for _pk, _t, _n, name, cipher, *_rest in rows if not cipher]
    if no_card:
        raise ValidationError(
            {
                "bank_card": gettext(
                    "%(count)d beneficiaries have no bank card on record (%(names)s): add the cards first."
                )
                % {"count": len(no_card), "names": "、".join(no_card[:10])}
            }
        )
    failed = failed_to_reissue(project=project, division=division, before=period_start)
    if not rows and not failed:
        raise ValidationError(
            gettext("Nothing to pay: every eligible enrolment is already paid for this period.")
        )
    number = (
        PaymentBatch.objects.filter(project=project, division=division, period_start=period_start).aggregate(
            n=models.Max("number")
        )["n"]
        or 0
    ) + 1
    batch = PaymentBatch(
        project=project,
        division=division,
        period_start=period_start,
        period=period,
        number=number,
        prepared_by=user,
    )
    audited_save(batch, user=user)
    payments = []
    for pk, tier, persons, _name, cipher, index, bank in rows:
        standard = by_tier[tier]
        payments.append(
            Payment(
                batch=batch,
                enrolment_id=pk,
                period_start=period_start,
                amount=standard_amount_for(standard, period=period, persons=persons),
                standard=standard,
                bank_card_cipher=cipher,
                bank_card_index=index,
                bank_name=bank,
            )
        )
    for old in failed:
        cipher, index, bank = reissue_card(old)
        payments.append(
            Payment(
                batch=batch,
                enrolment_id=old.enrolment_id,
                period_start=old.period_start,
                amount=old.amount,
                standard_id=old.standard_id,
                bank_card_cipher=cipher,
                bank_card_index=index,
                bank_name=bank,
                reissue_of=old,
            )
        )
    insert_with_history(payments, Payment, user=user)  # COPY on PostgreSQL, with audit rows
    analyze(Payment, added=len(payments))
    _batch_totals(batch, user=user)
    return batch


BATCH_TOTALS = "batch totals"


def _batch_totals(batch: PaymentBatch, *, user) -> None:
    totals = batch.payments.aggregate(count=models.Count("pk"), total=models.Sum("amount"))
    batch.payment_count = totals["count"] or 0
    batch.total_amount = totals["total"] or Decimal("0.00")
    audited_update(
        PaymentBatch.objects.filter(pk=batch.pk),
        user=user,
        reason=BATCH_TOTALS,
        payment_count=batch.payment_count,
        total_amount=batch.total_amount,
    )


@transaction.atomic
def batch_delete(*, user, batch: PaymentBatch) -> None:
    """Throw away a draft (to regenerate it after corrections)."""
    require_role(user, *OFFICE_ROLES)
    batch = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatch.Status.DRAFT:
        raise ValidationError({"status": gettext("Only a draft batch can be deleted.")})
    batch.delete()


@transaction.atomic
def payment_add(*, user, batch: PaymentBatch, enrolment: Enrolment) -> Payment:
    """Add one enrolment to a draft batch (a late approval). Refuses an enrolment that is not
    active for the period (exited, deceased, not yet paying), one of another project or
    township, and one already paid for the period (the unique index refuses it too)."""
    require_role(user, *OFFICE_ROLES)
    batch = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatch.Status.DRAFT:
        raise ValidationError({"status": gettext("Payments can be added to a draft batch only.")})
    enrolment = Enrolment.objects.visible_to(user).select_related("person").get(pk=enrolment.pk)
    if enrolment.project_id != batch.project_id or not enrolment.village.code.startswith(batch.division.code):
        raise ValidationError({"enrolment": gettext("The enrolment belongs to another project or township.")})
    end = period_end(batch.period_start, batch.period)
    eligible = _eligible_enrolments(
        project=batch.project, division=batch.division, start=batch.period_start, end=end
    )
    if not eligible.filter(pk=enrolment.pk).exists():
        if enrolment.status == Enrolment.Status.EXITED:
            message = gettext("%(name)s exited on %(date)s (%(reason)s) and is no longer paid.") % {
                "name": enrolment.person.name,
                "date": enrolment.exit_on,
                "reason": enrolment.get_exit_reason_display(),
            }
        elif not enrolment.person.is_living:
            message = gettext("%(name)s is recorded as %(status)s since %(date)s.") % {
                "name": enrolment.person.name,
                "status": enrolment.person.get_status_display(),
                "date": enrolment.person.status_on,
            }
        else:
            message = gettext("%(name)s is not paid for this period (status %(status)s).") % {
                "name": enrolment.person.name,
                "status": enrolment.get_status_display(),
            }
        raise ValidationError({"enrolment": ValidationError(message, code="not_payable")})
    standard = (
        SubsidyStandard.objects.filter(
            project=batch.project, tier=enrolment.tier, effective_from__lte=batch.period_start
        )
        .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=batch.period_start))
        .first()
    )
    if standard is None:
        raise ValidationError({"standard": gettext("No subsidy standard applies to this enrolment's tier.")})
    if not enrolment.person.bank_card_cipher:
        raise ValidationError(
            {"bank_card": gettext("%(name)s has no bank card on record.") % {"name": enrolment.person.name}}
        )
    payment = Payment(
        batch=batch,
        enrolment=enrolment,
        period_start=batch.period_start,
        amount=standard_amount_for(standard, period=batch.period, persons=enrolment.persons_covered),
        standard=standard,
        bank_card_cipher=enrolment.person.bank_card_cipher,
        bank_card_index=enrolment.person.bank_card_index,
        bank_name=enrolment.person.bank_name,
    )
    try:
        with transaction.atomic():
            audited_save(payment, user=user)
    except IntegrityError:
        raise ValidationError(
            {
                "enrolment": ValidationError(
                    gettext("This enrolment is already paid (or being paid) for this period."),
                    code="paid_twice",
                )
            }
        ) from None
    _batch_totals(batch, user=user)
    return payment


@transaction.atomic
def payment_adjust(*, user, payment: Payment, amount, reason: str) -> Payment:
    """Change one amount in a draft batch, with the reason (an amount above the standard is
    then reported by the anomaly checks)."""
    require_role(user, *OFFICE_ROLES)
    payment = Payment.objects.visible_to(user).select_for_update().select_related("batch").get(pk=payment.pk)
    if payment.batch.status != PaymentBatch.Status.DRAFT:
        raise ValidationError({"amount": gettext("Amounts can be changed in a draft batch only.")})
    amount = parse_money(amount, field="amount")
    if amount <= 0:
        raise ValidationError({"amount": gettext("The amount must be more than zero.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"adjust_reason": gettext("Say why the amount differs from the standard.")})
    payment.amount, payment.adjust_reason = amount, reason[:200]
    audited_save(payment, user=user, update_fields=["amount", "adjust_reason"])
    _batch_totals(payment.batch, user=user)
    return payment
