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
from beneficiaries.selectors import enrolment_project_get
from beneficiaries.services.reconciliation import failed_to_reissue, reissue_card
from core.money import parse_money
from org.audit import audited_save, audited_update
from org.models import Division
from org.roles import OFFICE, require_role
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
    rule = coverage.rule_for(rates, span)
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

    span = _generation_period(
        user=user, project=project, division=division, start=period_start, period=period, end=period_end
    )
    Project.objects.select_for_update().get(pk=project.pk)  # two generations of one project queue up
    rates = rates_by_tier(project)
    first = datetime.date(span[0].year, 1, 1) if arrears else span[0]
    rows = _payable_rows(project=project, division=division, start=first, end=span[1])
    _refuse_rows_without_standard(rows, rates=rates, span=span)
    covered = covered_spans(project=project, division=division)
    failed = failed_to_reissue(project=project, division=division)
    _add_failed_spans(covered, project=project, division=division)
    owed = _owed_per_row(rows, rates=rates, covered=covered, span=span, arrears=arrears)
    _refuse_owed_without_card(owed)
    if not owed and not failed:
        raise ValidationError(
            gettext("Nothing to pay: every eligible enrolment is already paid for this period.")
        )
    batch = _new_draft_batch(user=user, project=project, division=division, span=span, period=period)
    payments = _regular_payments(batch, owed, one_off=period == PaymentBatch.Period.SPAN)
    payments += _reissue_payments(batch, failed)
    insert_with_history(payments, Payment, user=user)  # COPY on PostgreSQL, with audit rows
    analyze(Payment, added=len(payments))
    _batch_totals(batch, user=user)
    return batch


def _generation_period(*, user, project, division, start, period: str, end) -> coverage.Span:
    """The checks of a generation request before anything is read for it: an office role, a
    township in the user's area, a project the user may enrol in, a valid period of its year.
    Returns the period's span."""
    require_role(user, *OFFICE)
    if division is None or division.level != Division.Level.TOWNSHIP or not division_in_scope(user, division):
        raise ValidationError({"division": gettext("Choose a township in your area.")})
    enrolment_project_get(user=user, project=project)
    return _check_period(start, period, end, year=project.year)


def _payable_rows(*, project, division, start: datetime.date, end: datetime.date) -> list[dict]:
    """The eligible enrolments as plain rows: the terms batch lines are reckoned from and the
    person's bank card, in village order."""
    return list(
        _eligible_enrolments(project=project, division=division, start=start, end=end)
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


def _refuse_rows_without_standard(rows, *, rates, span: coverage.Span) -> None:
    """Refuse tiers with no standard at all, and a one-off span of part months when a tier is
    paid by whole months."""
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
        coverage.rule_for(rates[row["tier"]], span) != coverage.DAY for row in rows if row["tier"] in rates
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


def _add_failed_spans(covered: dict, *, project, division) -> None:
    """A failed payment's days are settled by its re-issue (now, or once a new card is on
    record), never by a second, regular line: count them as covered."""
    for enrolment_id, start, end in Payment.objects.filter(
        status=Payment.Status.FAILED,
        enrolment__project=project,
        enrolment__village__code__startswith=division.code,
    ).values_list("enrolment_id", "covers_from", "covers_to"):
        covered.setdefault(enrolment_id, []).append((start, end))


def _owed_per_row(rows, *, rates, covered: dict, span: coverage.Span, arrears: bool) -> list[tuple]:
    """The lines each row is owed, as (row, kind, coverage.Line); refuses when a day owed has
    no standard (naming the earliest such day and the tiers)."""
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
    return owed


def _refuse_owed_without_card(owed) -> None:
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


def _new_draft_batch(*, user, project, division, span: coverage.Span, period: str) -> PaymentBatch:
    """The batch, saved as a draft prepared by ``user``, numbered after the batches of the same
    project, township and first day."""
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
    return batch


def _regular_payments(batch: PaymentBatch, owed, *, one_off: bool) -> list[Payment]:
    """The unsaved lines of what the rows are owed, paid to each person's card on record (every
    line of a one-off span is an arrears line)."""
    return [
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
        for row, kind, line in owed
    ]


def _reissue_payments(batch: PaymentBatch, failed) -> list[Payment]:
    """The unsaved re-issues of failed payments, each to the card reissue_card() gives."""
    payments = []
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
    return payments


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
    require_role(user, *OFFICE)
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
    require_role(user, *OFFICE)
    batch = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatch.Status.DRAFT:
        raise ValidationError({"status": gettext("Payments can be added to a draft batch only.")})
    enrolment = _locked_enrolment_of(batch, user=user, enrolment=enrolment)
    _refuse_not_payable(enrolment, batch=batch)
    lines = _lines_owed_to(enrolment, batch=batch, arrears=arrears)
    person = enrolment.person
    if not person.bank_card_cipher:
        raise ValidationError(
            {"bank_card": gettext("%(name)s has no bank card on record.") % {"name": person.name}}
        )
    added = _save_added_lines(lines, user=user, batch=batch, enrolment=enrolment)
    _batch_totals(batch, user=user)
    return added[0]


def _locked_enrolment_of(batch: PaymentBatch, *, user, enrolment: Enrolment) -> Enrolment:
    """The enrolment locked through the user's scope (its person loaded), refused unless it is
    of the batch's project and township."""
    enrolment = (
        Enrolment.objects.visible_to(user)
        .select_for_update(of=("self",))
        .select_related("person")
        .get(pk=enrolment.pk)
    )
    if enrolment.project_id != batch.project_id or not enrolment.village.code.startswith(batch.division.code):
        raise ValidationError({"enrolment": gettext("The enrolment belongs to another project or township.")})
    return enrolment


def _refuse_not_payable(enrolment: Enrolment, *, batch: PaymentBatch) -> None:
    """Refuse (code ``not_payable``) an enrolment that batch generation would leave out of the
    batch's period, saying why: exited, deceased or moved, or not paying."""
    eligible = _eligible_enrolments(
        project=batch.project, division=batch.division, start=batch.period_start, end=batch.period_end
    )
    if eligible.filter(pk=enrolment.pk).exists():
        return
    person = enrolment.person
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


def _enrolment_terms(enrolment: Enrolment) -> dict:
    """What owed_lines reads of an enrolment."""
    return {
        "active_from": enrolment.active_from,
        "exit_on": enrolment.exit_on,
        "status": enrolment.status,
        "persons_covered": enrolment.persons_covered,
    }


def _paid_twice() -> ValidationError:
    return ValidationError(
        {
            "enrolment": ValidationError(
                gettext("This enrolment is already paid (or being paid) for this period."),
                code="paid_twice",
            )
        }
    )


def _lines_owed_to(enrolment: Enrolment, *, batch: PaymentBatch, arrears: bool) -> list[tuple]:
    """The (kind, coverage.Line) the enrolment is owed for the batch's period and not yet
    covered (failed payments count as covered: their re-issue settles them). Refuses a tier
    with no standard, and nothing left to pay."""
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
    person = enrolment.person
    missing, lines = owed_lines(
        enrolment=_enrolment_terms(enrolment),
        rates=rates,
        covered=covered,
        span=(batch.period_start, batch.period_end),
        arrears=arrears,
        gone_on=None if person.is_living else person.status_on,
    )
    if missing is not None:
        raise ValidationError({"standard": gettext("No subsidy standard applies to this enrolment's tier.")})
    if not lines:
        raise _paid_twice()
    return lines


def _save_added_lines(lines, *, user, batch: PaymentBatch, enrolment: Enrolment) -> list[Payment]:
    """Save the lines (with their history) to the person's card on record; the database's
    exclusion constraint refusing a second cover of a day is reported as paid twice."""
    person = enrolment.person
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
        raise _paid_twice() from None
    return added


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
            enrolment=_enrolment_terms(enrolment),
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
    require_role(user, *OFFICE)
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
