"""Payment batches (打卡发放): generating a batch for a period, adding and adjusting its lines.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext

from beneficiaries import coverage
from beneficiaries.bulk import analyze, insert_with_history
from beneficiaries.models import (
    Enrolment,
    Payment,
    PaymentBatch,
    Person,
    SubsidyStandard,
)
from beneficiaries.permissions import OFFICE_ROLES
from beneficiaries.selectors import enrolment_project_get
from beneficiaries.services.reconciliation import failed_to_reissue, reissue_card
from core.money import parse_money
from org.audit import audited_save, audited_update
from org.models import Division
from org.roles import require_role
from org.scoping import division_in_scope


def period_end(start: datetime.date, period: str, end: datetime.date | None = None) -> datetime.date:
    """The last day of a batch period (``end`` for a one-off span)."""
    return coverage.batch_period(start, period, end)[1]


def _check_period(start, period: str, end, *, year: int) -> coverage.Span:
    """The days a batch pays, checked: a month, quarter, half-year or year starting on its first
    day, or a one-off span (``end`` given); inside the project's year."""
    if period not in PaymentBatch.Period.values:
        raise ValidationError(
            {"period": gettext("Choose month, quarter, half-year, year or a one-off span.")}
        )
    if start is None:
        raise ValidationError({"period_start": gettext("Give the first day of the period.")})
    if period == PaymentBatch.Period.SPAN:
        if end is None or end < start:
            raise ValidationError(
                {"period_end": gettext("A one-off span needs a last day on or after its first.")}
            )
    else:
        starts = {"month": range(1, 13), "quarter": (1, 4, 7, 10), "half": (1, 7), "year": (1,)}[period]
        if start.day != 1 or start.month not in starts:
            raise ValidationError(
                {
                    "period_start": gettext("%(date)s is not the first day of a %(period)s.")
                    % {"date": start, "period": PaymentBatch.Period(period).label}
                }
            )
    span = coverage.batch_period(start, period, end)
    if span[0].year != year or span[1].year != year:
        raise ValidationError(
            {
                "period_start": gettext("The project is of %(year)d: a batch pays days of that year only.")
                % {"year": year}
            }
        )
    return span


def _eligible_enrolments(*, project, division, start: datetime.date, end: datetime.date):
    """Enrolments that may be owed something from ``start`` to ``end``: paying from before its
    end and not exited, deceased or moved before it starts. Which days each is owed is
    beneficiaries.coverage's to say."""
    return (
        Enrolment.objects.filter(project=project, village__code__startswith=division.code)
        .filter(
            models.Q(status=Enrolment.Status.ACTIVE)
            | models.Q(status=Enrolment.Status.EXITED, exit_on__gte=start, active_from__isnull=False)
        )
        .filter(active_from__lte=end)
        .filter(models.Q(person__status=Person.Status.LIVING) | models.Q(person__status_on__gte=start))
    )


def covered_spans(*, enrolment_ids=None, project=None, division=None) -> dict[int, list[coverage.Span]]:
    """The spans already paid or being paid (every payment not failed), per enrolment."""
    live = Payment.objects.exclude(status=Payment.Status.FAILED)
    if enrolment_ids is not None:
        live = live.filter(enrolment_id__in=enrolment_ids)
    else:
        live = live.filter(enrolment__project=project, enrolment__village__code__startswith=division.code)
    spans: dict[int, list] = {}
    for enrolment_id, start, end in live.values_list("enrolment_id", "covers_from", "covers_to"):
        spans.setdefault(enrolment_id, []).append((start, end))
    return spans


def rates_by_tier(project) -> dict[str, list[coverage.Rate]]:
    rates: dict[str, list] = {}
    for standard in SubsidyStandard.objects.filter(project=project).order_by("effective_from"):
        rates.setdefault(standard.tier, []).append(coverage.Rate.of(standard))
    return rates


def _rule(rates, span: coverage.Span) -> str:
    """The proration rule of a tier for a span: the one of the standard in force on its first
    day, else of the first standard in force inside it, else of the latest."""
    rate = coverage.rate_on(rates, span[0]) or next(
        (r for r in rates if coverage.intersect((r.effective_from, r.effective_to or span[1]), span)), None
    )
    return (rate or rates[-1]).proration


def owed_lines(*, enrolment: dict, rates, covered, span: coverage.Span, arrears: bool, gone_on=None):
    """What an enrolment is owed for ``span``: (first day with no standard or None, [(kind,
    coverage.Line)]) — the days of the span not yet covered and, with ``arrears``, the
    uncovered days of the year before it. ``enrolment`` holds active_from, exit_on, status,
    persons_covered."""
    programme = coverage.in_programme(
        active_from=enrolment["active_from"],
        exit_on=enrolment["exit_on"] if enrolment["status"] == Enrolment.Status.EXITED else None,
        gone_on=gone_on,
    )
    rule = _rule(rates, span)
    kinds = [(Payment.Kind.REGULAR, span)]
    if arrears and span[0] > datetime.date(span[0].year, 1, 1):
        kinds.insert(
            0, (Payment.Kind.ARREARS, (datetime.date(span[0].year, 1, 1), span[0] - coverage.ONE_DAY))
        )
    owed = []
    for kind, days in kinds:
        for part in coverage.payable(rule=rule, programme=programme, period=days, covered=covered):
            missing = coverage.missing_rate(span=part, rule=rule, programme=programme, rates=rates)
            if missing is not None:
                return missing, []
            for line in coverage.lines_for(
                span=part, rule=rule, programme=programme, rates=rates, persons=enrolment["persons_covered"]
            ):
                owed.append((kind, line))
    return None, owed


@transaction.atomic
def batch_generate(
    *,
    user,
    project,
    division: Division,
    period_start: datetime.date,
    period: str = "month",
    period_end: datetime.date | None = None,
    arrears: bool = False,
) -> PaymentBatch:
    """Make a draft batch for ``project`` in township ``division`` paying the days of one period
    (month, quarter, half-year, year, or a one-off span to ``period_end``) that are not yet
    covered: each eligible enrolment gets the uncovered part of the period it is in the
    programme for, pro-rated by its standard's rule (beneficiaries.coverage) and split where
    the standard changes; with ``arrears`` also the uncovered days of the year before the
    period (a late enrolment paid back to its start: arrears lines naming their span); and
    re-issues of earlier failed payments no later payment covers. A day already paid or being
    paid is never paid again, whatever the period lengths. Refuses enrolments without a
    standard or a bank card (naming them), and an empty batch."""
    from projects.models import Project

    require_role(user, *OFFICE_ROLES)
    if division is None or division.level != Division.Level.TOWNSHIP or not division_in_scope(user, division):
        raise ValidationError({"division": gettext("Choose a township in your area.")})
    enrolment_project_get(user=user, project=project)
    span = _check_period(period_start, period, period_end, year=project.year)
    Project.objects.select_for_update().get(pk=project.pk)  # two generations of one project queue up
    rates = rates_by_tier(project)
    first = datetime.date(span[0].year, 1, 1) if arrears else span[0]
    rows = list(
        _eligible_enrolments(project=project, division=division, start=first, end=span[1])
        .values(
            "pk",
            "tier",
            "persons_covered",
            "status",
            "active_from",
            "exit_on",
            "person__name",
            "person__status",
            "person__status_on",
            "person__bank_card_cipher",
            "person__bank_card_index",
            "person__bank_name",
        )
        .order_by("village__code", "pk")
    )
    no_standard = sorted({row["tier"] or "—" for row in rows if row["tier"] not in rates})
    if no_standard:
        raise ValidationError(
            {
                "standard": gettext("No subsidy standard applies on %(date)s to the tier(s): %(tiers)s.")
                % {"date": span[0], "tiers": "、".join(no_standard)}
            }
        )
    whole_months = span[0].day == 1 and span[1] == coverage.month_end(span[1])
    if not whole_months and any(
        _rule(rates[row["tier"]], span) != coverage.DAY for row in rows if row["tier"] in rates
    ):
        raise ValidationError(
            {
                "period_end": gettext(
                    "This project is paid by whole months: a one-off span starts on the 1st of a month "
                    "and ends on a month's last day (%(start)s – %(end)s does not)."
                )
                % {"start": span[0], "end": span[1]}
            }
        )
    covered = covered_spans(project=project, division=division)
    failed = failed_to_reissue(project=project, division=division)
    # A failed payment's days are settled by its re-issue (now, or once a new card is on
    # record), never by a second, regular line.
    for enrolment_id, start, end in Payment.objects.filter(
        status=Payment.Status.FAILED,
        enrolment__project=project,
        enrolment__village__code__startswith=division.code,
    ).values_list("enrolment_id", "covers_from", "covers_to"):
        covered.setdefault(enrolment_id, []).append((start, end))
    owed, gaps = [], []
    # Most enrolments share their terms (tier, persons, dates, nothing paid yet): reckon each
    # set of terms once.
    reckoned: dict[tuple, tuple] = {}
    for row in rows:
        gone_on = row["person__status_on"] if row["person__status"] != Person.Status.LIVING else None
        spans = tuple(sorted(covered.get(row["pk"], [])))
        exit_on = row["exit_on"] if row["status"] == Enrolment.Status.EXITED else None
        terms = (row["tier"], row["persons_covered"], row["active_from"], exit_on, gone_on, spans)
        if terms not in reckoned:
            reckoned[terms] = owed_lines(
                enrolment=row,
                rates=rates[row["tier"]],
                covered=list(spans),
                span=span,
                arrears=arrears,
                gone_on=gone_on,
            )
        missing, lines = reckoned[terms]
        if missing is not None:
            gaps.append((row["tier"] or "—", missing))
        owed.extend((row, kind, line) for kind, line in lines)
    if gaps:
        raise ValidationError(
            {
                "standard": gettext("No subsidy standard applies on %(date)s to the tier(s): %(tiers)s.")
                % {"date": min(day for _t, day in gaps), "tiers": "、".join(sorted({t for t, _d in gaps}))}
            }
        )
    no_card = sorted({row["person__name"] for row, _k, _l in owed if not row["person__bank_card_cipher"]})
    if no_card:
        raise ValidationError(
            {
                "bank_card": gettext(
                    "%(count)d beneficiaries have no bank card on record (%(names)s): add the cards first."
                )
                % {"count": len(no_card), "names": "、".join(no_card[:10])}
            }
        )
    if not owed and not failed:
        raise ValidationError(
            gettext("Nothing to pay: every eligible enrolment is already paid for this period.")
        )
    number = (
        PaymentBatch.objects.filter(project=project, division=division, period_start=span[0]).aggregate(
            n=models.Max("number")
        )["n"]
        or 0
    ) + 1
    batch = PaymentBatch(
        project=project,
        division=division,
        period_start=span[0],
        period_end=span[1],
        period=period,
        number=number,
        prepared_by=user,
    )
    audited_save(batch, user=user)
    payments = []
    one_off = period == PaymentBatch.Period.SPAN
    for row, kind, line in owed:
        payments.append(
            Payment(
                batch=batch,
                enrolment_id=row["pk"],
                covers_from=line.covers_from,
                covers_to=line.covers_to,
                kind=Payment.Kind.ARREARS if one_off else kind,
                months=line.months,
                days=line.days,
                amount=line.amount,
                standard_id=line.standard_id,
                bank_card_cipher=row["person__bank_card_cipher"],
                bank_card_index=row["person__bank_card_index"],
                bank_name=row["person__bank_name"],
            )
        )
    for old in failed:
        cipher, index, bank = reissue_card(old)
        payments.append(
            Payment(
                batch=batch,
                enrolment_id=old.enrolment_id,
                covers_from=old.covers_from,
                covers_to=old.covers_to,
                kind=Payment.Kind.REISSUE,
                months=old.months,
                days=old.days,
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


#: history_change_reason of a batch's count and total following its payments
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
def payment_add(*, user, batch: PaymentBatch, enrolment: Enrolment, arrears: bool = True) -> Payment:
    """Add one enrolment to a draft batch (a late approval): the days of the batch's period it
    is owed and not yet covered, with the uncovered days of the year before as arrears lines
    (the same rule as batch_generate). Refuses an enrolment that is not active for the period
    (exited, deceased, not yet paying), one of another project or township, and one with
    nothing left to pay (every day already paid or being paid; the database's exclusion
    constraint refuses a second cover too). Returns the first line added."""
    require_role(user, *OFFICE_ROLES)
    batch = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatch.Status.DRAFT:
        raise ValidationError({"status": gettext("Payments can be added to a draft batch only.")})
    enrolment = (
        Enrolment.objects.visible_to(user)
        .select_for_update(of=("self",))
        .select_related("person")
        .get(pk=enrolment.pk)
    )
    if enrolment.project_id != batch.project_id or not enrolment.village.code.startswith(batch.division.code):
        raise ValidationError({"enrolment": gettext("The enrolment belongs to another project or township.")})
    span = (batch.period_start, batch.period_end)
    eligible = _eligible_enrolments(
        project=batch.project, division=batch.division, start=span[0], end=span[1]
    )
    person = enrolment.person
    if not eligible.filter(pk=enrolment.pk).exists():
        if enrolment.status == Enrolment.Status.EXITED:
            message = gettext("%(name)s exited on %(date)s (%(reason)s) and is no longer paid.") % {
                "name": person.name,
                "date": enrolment.exit_on,
                "reason": enrolment.get_exit_reason_display(),
            }
        elif not person.is_living:
            message = gettext("%(name)s is recorded as %(status)s since %(date)s.") % {
                "name": person.name,
                "status": person.get_status_display(),
                "date": person.status_on,
            }
        else:
            message = gettext("%(name)s is not paid for this period (status %(status)s).") % {
                "name": person.name,
                "status": enrolment.get_status_display(),
            }
        raise ValidationError({"enrolment": ValidationError(message, code="not_payable")})
    rates = rates_by_tier(batch.project).get(enrolment.tier)
    if not rates:
        raise ValidationError({"standard": gettext("No subsidy standard applies to this enrolment's tier.")})
    covered = covered_spans(enrolment_ids=[enrolment.pk]).get(enrolment.pk, [])
    covered += [
        (start, end)
        for start, end in Payment.objects.filter(
            enrolment=enrolment, status=Payment.Status.FAILED
        ).values_list("covers_from", "covers_to")
    ]
    missing, lines = owed_lines(
        enrolment={
            "active_from": enrolment.active_from,
            "exit_on": enrolment.exit_on,
            "status": enrolment.status,
            "persons_covered": enrolment.persons_covered,
        },
        rates=rates,
        covered=covered,
        span=span,
        arrears=arrears,
        gone_on=None if person.is_living else person.status_on,
    )
    if missing is not None:
        raise ValidationError({"standard": gettext("No subsidy standard applies to this enrolment's tier.")})
    if not lines:
        raise ValidationError(
            {
                "enrolment": ValidationError(
                    gettext("This enrolment is already paid (or being paid) for this period."),
                    code="paid_twice",
                )
            }
        )
    if not person.bank_card_cipher:
        raise ValidationError(
            {"bank_card": gettext("%(name)s has no bank card on record.") % {"name": person.name}}
        )
    added = []
    try:
        with transaction.atomic():
            for kind, line in lines:
                payment = Payment(
                    batch=batch,
                    enrolment=enrolment,
                    covers_from=line.covers_from,
                    covers_to=line.covers_to,
                    kind=Payment.Kind.ARREARS if batch.period == PaymentBatch.Period.SPAN else kind,
                    months=line.months,
                    days=line.days,
                    amount=line.amount,
                    standard_id=line.standard_id,
                    bank_card_cipher=person.bank_card_cipher,
                    bank_card_index=person.bank_card_index,
                    bank_name=person.bank_name,
                )
                audited_save(payment, user=user)
                added.append(payment)
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
    return added[0]


def trim_draft_lines(*, user, enrolments, last_day: datetime.date) -> int:
    """After an exit, a death or a move recorded with ``last_day`` as the last day in the
    programme: the pending lines of ``enrolments`` in batches still in draft that cover a later
    day are replaced by what the days up to ``last_day`` are worth (pro-rated by the standard's
    rule; nothing when no day is left). Checked or approved batches are not changed behind
    their checker's back (the anomaly checks flag them, and a paid line becomes a recovery).
    Returns the number of lines taken out. The caller holds the transaction."""
    stale = Payment.objects.filter(
        enrolment__in=enrolments,
        batch__status=PaymentBatch.Status.DRAFT,
        status=Payment.Status.PENDING,
        covers_to__gt=last_day,
    )
    batches = list(PaymentBatch.objects.filter(pk__in=stale.values("batch_id")).select_for_update())
    if not batches:
        return 0
    lines = list(stale.filter(batch__in=batches).select_related("enrolment__person", "batch__project"))
    removed, _by_model = Payment.objects.filter(pk__in=[p.pk for p in lines]).delete()
    rates_of: dict[int, dict] = {}
    replacements = []
    for old in lines:
        enrolment, person = old.enrolment, old.enrolment.person
        project = old.batch.project
        if project.pk not in rates_of:
            rates_of[project.pk] = rates_by_tier(project)
        rates = rates_of[project.pk].get(enrolment.tier, [])
        if old.covers_from > last_day or not rates:
            continue  # no day of the line is left
        _missing, owed = owed_lines(
            enrolment={
                "active_from": enrolment.active_from,
                "exit_on": enrolment.exit_on,
                "status": enrolment.status,
                "persons_covered": enrolment.persons_covered,
            },
            rates=rates,
            covered=covered_spans(enrolment_ids=[enrolment.pk]).get(enrolment.pk, []),
            # a month rule may still count the month of the last day whole
            span=(old.covers_from, min(old.covers_to, coverage.month_end(last_day))),
            arrears=False,
            gone_on=None if person.is_living else person.status_on,
        )
        for _kind, line in owed:
            replacements.append(
                Payment(
                    batch=old.batch,
                    enrolment=enrolment,
                    covers_from=line.covers_from,
                    covers_to=line.covers_to,
                    kind=old.kind,
                    months=line.months,
                    days=line.days,
                    amount=line.amount,
                    standard_id=line.standard_id,
                    bank_card_cipher=old.bank_card_cipher,
                    bank_card_index=old.bank_card_index,
                    bank_name=old.bank_name,
                    reissue_of=old.reissue_of,
                )
            )
    for payment in replacements:
        audited_save(payment, user=user)
    for batch in batches:
        _batch_totals(batch, user=user)
    return removed


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
