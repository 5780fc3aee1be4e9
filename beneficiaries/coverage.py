"""Coverage: which days a payment line pays for, and what they are worth (pure functions).

A payment covers a span of days (``covers_from``–``covers_to``, both included) of one enrolment.
What a span is worth follows the days the person is actually in the programme inside it — from
``active_from`` to the day of exit, death or moving out (that day included) — by the rule of the
subsidy standard (``SubsidyStandard.Proration``):

- ``month_any``: every calendar month with at least one day in the programme counts whole;
- ``month_first_day``: a month counts when the person is in the programme on its first day
  (paid from the month after joining, to the month of leaving);
- ``day``: the month's amount × days in the programme ÷ days of that month.

Month rules cover whole months (a span starts on a 1st and ends on a month's last day), so a
month paid once is never paid again, whatever its days. Each month (or day) is paid at the
standard in force on its first day in the programme (for month rules: on its first day if one is
in force then).

Rounding: a line's amount is R(E(b)) − R(E(a − 1)), where E(x) is the exact entitlement (a
fraction, never a float) from the 1st of January of the year to day x and R rounds half up to the
cent. Lines of any lengths therefore add up to the rounded entitlement of the days they cover,
never a cent more or less, however a year is split into batches.
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

ONE_DAY = datetime.timedelta(days=1)
CENT = Decimal("0.01")

MONTH_ANY = "month_any"
MONTH_FIRST_DAY = "month_first_day"
DAY = "day"

#: months in a standard's period and in a batch's period
STANDARD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}

Span = tuple[datetime.date, datetime.date]


@dataclass(frozen=True)
class Rate:
    """One subsidy standard as the arithmetic needs it: from..to (to None = open), the amount
    for one unit per ``period``, per person (times ``persons``) or per household."""

    standard_id: int | None
    effective_from: datetime.date
    effective_to: datetime.date | None
    amount: Decimal
    period: str
    per_person: bool
    proration: str

    @classmethod
    def of(cls, standard) -> "Rate":
        return cls(
            standard_id=standard.pk,
            effective_from=standard.effective_from,
            effective_to=standard.effective_to,
            amount=standard.amount,
            period=standard.period,
            per_person=standard.unit == "person",
            proration=standard.proration,
        )

    def applies_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def monthly(self, persons: int) -> Fraction:
        """The exact amount of one whole month."""
        per = Fraction(self.amount) / STANDARD_MONTHS[self.period]
        return per * persons if self.per_person else per


# --- spans ---------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_in(span: Span):
    """The first days of the months that ``span`` touches."""
    month = month_start(span[0])
    while month <= span[1]:
        yield month
        month = month_end(month) + ONE_DAY


def intersect(a: Span | None, b: Span | None) -> Span | None:
    if a is None or b is None:
        return None
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start <= end else None


def subtract(span: Span, taken) -> list[Span]:
    """The parts of ``span`` no span of ``taken`` touches, in order."""
    free = [span]
    for t_start, t_end in sorted(taken):
        rest = []
        for start, end in free:
            if t_end < start or t_start > end:
                rest.append((start, end))
                continue
            if start < t_start:
                rest.append((start, t_start - ONE_DAY))
            if t_end < end:
                rest.append((t_end + ONE_DAY, end))
        free = rest
    return free


def overlaps(span: Span, taken) -> bool:
    return any(intersect(span, t) for t in taken)


def batch_period(start: datetime.date, period: str, end: datetime.date | None = None) -> Span:
    """The days of a batch: ``period`` month/quarter/half/year from ``start``; "span" from
    ``start`` to ``end``."""
    if period == "span":
        return (start, end)
    month = start.month - 1 + STANDARD_MONTHS[period]
    return (start, datetime.date(start.year + month // 12, month % 12 + 1, 1) - ONE_DAY)


def in_programme(
    *,
    active_from: datetime.date | None,
    exit_on: datetime.date | None = None,
    gone_on: datetime.date | None = None,
) -> Span | None:
    """The days an enrolment is in the programme: from ``active_from`` (paid from) to the day of
    exit (``exit_on``) or of death / moving out (``gone_on``), that day included; open-ended
    otherwise (to the end of time). None when it never paid or left before it started."""
    if active_from is None:
        return None
    ends = [d for d in (exit_on, gone_on) if d is not None]
    last = min(ends) if ends else datetime.date.max
    return (active_from, last) if last >= active_from else None


# --- what is payable -----------------------------------------------------------------------


def month_counts(month: datetime.date, programme: Span | None, rule: str) -> bool:
    if programme is None:
        return False
    if rule == MONTH_FIRST_DAY:
        return programme[0] <= month <= programme[1]
    return intersect((month, month_end(month)), programme) is not None


def payable(*, rule: str, programme: Span | None, period: Span, covered) -> list[Span]:
    """The spans of ``period`` an enrolment may be paid for now: in the programme by ``rule``
    and not touching a day of ``covered`` (the spans already paid or being paid). Month rules
    give whole months, joined into runs; the day rule gives runs of days."""
    if programme is None:
        return []
    if rule == DAY:
        inside = intersect(period, programme)
        return subtract(inside, covered) if inside else []
    runs: list[Span] = []
    for month in months_in(period):
        whole = (month, month_end(month))
        if whole[0] < period[0] or whole[1] > period[1]:
            continue  # a month rule pays whole months only
        if not month_counts(month, programme, rule) or overlaps(whole, covered):
            continue
        if runs and runs[-1][1] + ONE_DAY == month:
            runs[-1] = (runs[-1][0], whole[1])
        else:
            runs.append(whole)
    return runs


def rate_on(rates, day: datetime.date) -> "Rate | None":
    for rate in rates:
        if rate.applies_on(day):
            return rate
    return None


def _month_rate(rates, month: datetime.date, programme: Span) -> "Rate | None":
    first_in = max(month, programme[0])
    return rate_on(rates, month) or rate_on(rates, first_in)


def entitled_to(
    day: datetime.date, *, rule: str, programme: Span | None, rates, persons: int, year: int
) -> Fraction:
    """E(day): the exact entitlement from 1 January of ``year`` to ``day`` (included)."""
    total = Fraction(0)
    if programme is None or day < datetime.date(year, 1, 1):
        return total
    until = min(day, datetime.date(year, 12, 31))
    for month in months_in((datetime.date(year, 1, 1), until)):
        end = month_end(month)
        if rule == DAY:
            days = intersect((month, min(end, until)), programme)
            if days is None:
                continue
            size = (end - month).days + 1
            start = days[0]
            while start <= days[1]:
                rate = rate_on(rates, start)
                stop = days[1]
                if rate is not None and rate.effective_to is not None:
                    stop = min(stop, rate.effective_to)
                elif rate is None:  # no standard that day: nothing due until the next one starts
                    later = [r.effective_from for r in rates if r.effective_from > start]
                    stop = min([stop, *(d - ONE_DAY for d in later)])
                if rate is not None:
                    total += rate.monthly(persons) * ((stop - start).days + 1) / size
                start = stop + ONE_DAY
        elif end <= until and month_counts(month, programme, rule):
            rate = _month_rate(rates, month, programme)
            if rate is not None:
                total += rate.monthly(persons)
    return total


def to_cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One payment line to write: the span, the standard, the amount and what it counts."""

    covers_from: datetime.date
    covers_to: datetime.date
    standard_id: int | None
    amount: Decimal
    months: int | None
    days: int | None


def lines_for(*, span: Span, rule: str, programme: Span, rates, persons: int) -> list[Line]:
    """The lines paying ``span`` (a result of ``payable``), split where the standard changes,
    each worth R(E(to)) − R(E(from − 1)). Lines worth nothing (no standard in force) are left
    out; the caller refuses a batch where a standard is missing."""
    year = span[0].year
    pieces: list[tuple[Span, Rate | None]] = []
    if rule == DAY:
        start = span[0]
        while start <= span[1]:
            rate = rate_on(rates, start)
            stop = span[1]
            if rate is not None and rate.effective_to is not None:
                stop = min(stop, rate.effective_to)
            elif rate is None:
                later = [r.effective_from for r in rates if start < r.effective_from <= span[1]]
                stop = min([stop, *(d - ONE_DAY for d in later)])
            pieces.append(((start, stop), rate))
            start = stop + ONE_DAY
    else:
        for month in months_in(span):
            rate = _month_rate(rates, month, programme)
            whole = (month, month_end(month))
            if pieces and pieces[-1][1] == rate:
                pieces[-1] = ((pieces[-1][0][0], whole[1]), rate)
            else:
                pieces.append((whole, rate))
    lines = []
    for (start, end), rate in pieces:
        if rate is None:
            continue

        def cents(day):
            return to_cents(
                entitled_to(day, rule=rule, programme=programme, rates=rates, persons=persons, year=year)
            )

        amount = cents(end) - cents(start - ONE_DAY)
        if rule == DAY:
            months, days = None, (end - start).days + 1
        else:
            months, days = sum(1 for _m in months_in((start, end))), None
        if amount > 0:
            lines.append(Line(start, end, rate.standard_id, amount, months, days))
    return lines


def missing_rate(*, span: Span, rule: str, programme: Span, rates) -> datetime.date | None:
    """The first day (month rules: month) of ``span`` that should be paid but has no standard."""
    if rule == DAY:
        gaps = subtract(span, [(r.effective_from, r.effective_to or datetime.date.max) for r in rates])
        return gaps[0][0] if gaps else None
    for month in months_in(span):
        if _month_rate(rates, month, programme) is None:
            return month
    return None


def rule_for(rates, span: Span) -> str:
    """The proration rule of a tier for a span: the one of the standard in force on its first
    day, else of the first standard in force inside it, else of the latest."""
    rate = rate_on(rates, span[0]) or next(
        (r for r in rates if intersect((r.effective_from, r.effective_to or span[1]), span)), None
    )
    return (rate or rates[-1]).proration


def span_worth(*, span: Span, rule: str, programme, rates, persons: int) -> Decimal:
    """What the days of ``span`` are worth for ``programme``: R(E(to)) − R(E(from − 1)), the
    amount a batch line for exactly this span would carry."""
    if programme is None or not rates:
        return Decimal("0.00")
    year = span[0].year

    def cents(day):
        return to_cents(
            entitled_to(day, rule=rule, programme=programme, rates=rates, persons=persons, year=year)
        )

    return cents(span[1]) - cents(span[0] - ONE_DAY)


def overpaid_days(*, span: Span, programme, last: datetime.date, rule: str) -> Span | None:
    """The days of ``span`` nothing is owed for once the programme ends on ``last``: from the
    day after it (day rule), or from the month after its month when that month still counts
    whole (month rules). None when the span pays nothing beyond what is owed."""
    first = last + ONE_DAY
    if rule != DAY:
        month = month_start(last)
        counts = month_counts(month, programme, rule)
        first = month_end(last) + ONE_DAY if counts else month
    first = max(first, span[0])
    return (first, span[1]) if first <= span[1] else None


def describe(*, covers_from, covers_to, months, days, monthly: Decimal | None) -> str:
    """What a line counts, for the batch page: "2026-01-01 – 2026-08-31, 8 months × 80.00 元"
    or "… , 15 days by day at 80.00 元 a month" (translated)."""
    from django.utils.translation import gettext, ngettext

    span = f"{covers_from:%Y-%m-%d} – {covers_to:%Y-%m-%d}"
    if months:
        if monthly is None:
            return gettext("%(span)s, %(months)d months") % {"span": span, "months": months}
        return ngettext(
            "%(span)s, %(months)d month × %(monthly)s 元",
            "%(span)s, %(months)d months × %(monthly)s 元",
            months,
        ) % {"span": span, "months": months, "monthly": monthly}
    if days:
        return ngettext(
            "%(span)s, %(days)d day by day at %(monthly)s 元 a month",
            "%(span)s, %(days)d days by day at %(monthly)s 元 a month",
            days,
        ) % {"span": span, "days": days, "monthly": monthly}
    return span
