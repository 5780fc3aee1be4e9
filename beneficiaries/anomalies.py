"""The anomaly checks (虚报冒领): each rule is a few set-based queries returning findings with
a stable key. ``anomaly_check_run`` (services) upserts them: a rerun refreshes ``last_seen`` of
what it finds again and never adds a second row for the same finding (the key is unique).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext

from beneficiaries import coverage
from beneficiaries.models import AnomalyFinding, Enrolment, ExclusivePair, Payment, Person, UserPerson
from beneficiaries.services.recoveries import last_day, rates_by_project_tier

Rule = AnomalyFinding.Rule
CURRENT = Q(status__in=[s for s in Enrolment.Status.values if s != Enrolment.Status.EXITED])


@dataclass
class Found:
    rule: str
    key: str
    village_id: int
    detail: str
    person_id: int | None = None
    enrolment_id: int | None = None
    payment_id: int | None = None
    related: list = field(default_factory=list)


def two_villages():
    """One person (one ID) enrolled, not exited, in two or more villages."""
    current = Enrolment.objects.filter(CURRENT)
    multi = current.values("person_id").annotate(n=Count("village_id", distinct=True)).filter(n__gt=1)
    places: dict[int, dict] = {}
    for person_id, village_id, village, name in (
        current.filter(person_id__in=multi.values("person_id"))
        .values_list("person_id", "village_id", "village__name", "person__name")
        .order_by("person_id", "village__code")
    ):
        entry = places.setdefault(person_id, {"name": name, "villages": {}})
        entry["villages"][village_id] = village
    for person_id, entry in places.items():
        names = "、".join(entry["villages"].values())
        for village_id in entry["villages"]:
            yield Found(
                Rule.TWO_VILLAGES,
                f"two_villages:{person_id}:{village_id}",
                village_id,
                gettext("%(name)s is enrolled in %(villages)s.") % {"name": entry["name"], "villages": names},
                person_id=person_id,
                related=[person_id],
            )


def _span(first, last) -> str:
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


#: live payments: not failed (a failed one is re-issued, and pays nothing itself)
def _live():
    return Payment.objects.exclude(status=Payment.Status.FAILED)


def covered_twice():
    """Two live payments of one enrolment covering a same day: a self-join of live payments on
    overlapping spans. PostgreSQL's exclusion constraint refuses such a pair since migration
    0008; this finds the ones written before it, and any on SQLite (``make run``), where only
    the service checks. One finding per pair, keyed by the two payments."""
    overlapping = (
        _live()
        .filter(
            enrolment_id=OuterRef("enrolment_id"),
            covers_from__lte=OuterRef("covers_to"),
            covers_to__gte=OuterRef("covers_from"),
        )
        .exclude(pk=OuterRef("pk"))
    )
    rows = (
        _live()
        .filter(Exists(overlapping))
        .values_list(
            "pk",
            "enrolment_id",
            "enrolment__person_id",
            "enrolment__village_id",
            "enrolment__person__name",
            "covers_from",
            "covers_to",
        )
        .order_by("enrolment_id", "covers_from", "pk")
    )
    by_enrolment: dict[int, list] = {}
    for row in rows:
        by_enrolment.setdefault(row[1], []).append(row)
    for payments in by_enrolment.values():
        for i, first in enumerate(payments):
            for second in payments[i + 1 :]:
                both = coverage.intersect((first[5], first[6]), (second[5], second[6]))
                if both is None:
                    continue
                low, high = sorted((first[0], second[0]))
                yield Found(
                    Rule.COVERED_TWICE,
                    f"covered_twice:{low}:{high}",
                    first[3],
                    gettext("%(name)s is paid twice for %(days)s (payments %(first)s and %(second)s).")
                    % {"name": first[4], "days": _span(*both), "first": low, "second": high},
                    person_id=first[2],
                    enrolment_id=first[1],
                    payment_id=low,
                    related=[first[2]],
                )


def paid_after_exit():
    """A live payment for days after the last day in the programme: the enrolment's exit or
    the person's death or move, whichever is earlier (that day included). Under a month rule
    the month of the last day is still owed whole, so only the months after it count (the
    standard's rule, beneficiaries.coverage.overpaid_days)."""
    reasons = dict(Enrolment.ExitReason.choices)
    for row in _paid_beyond_an_end().iterator(chunk_size=5000):
        overpaid = _days_paid_after_last_day(row)
        if overpaid is None:
            continue
        days, last, reason = overpaid
        person_id = row["enrolment__person_id"]
        yield Found(
            Rule.PAID_AFTER_EXIT,
            f"paid_after_exit:{row['pk']}",
            row["enrolment__village_id"],
            gettext(
                "%(name)s is paid in batch %(batch)s for %(days)s, after the last day in the programme "
                "(%(last)s, %(reason)s)."
            )
            % {
                "name": row["enrolment__person__name"],
                "batch": row["batch_id"],
                "days": _span(*days),
                "last": f"{last:%Y-%m-%d}",
                "reason": reasons.get(reason, reason),
            },
            person_id=person_id,
            enrolment_id=row["enrolment_id"],
            payment_id=row["pk"],
            related=[person_id],
        )


def _paid_beyond_an_end():
    """Live payments covering a day after the person's death or move or the enrolment's exit,
    as rows with what the last day in the programme is reckoned from."""
    return (
        _live()
        .filter(
            Q(enrolment__person__status__in=[Person.Status.DECEASED, Person.Status.MOVED_OUT])
            & Q(enrolment__person__status_on__lt=F("covers_to"))
            | Q(enrolment__status=Enrolment.Status.EXITED, enrolment__exit_on__lt=F("covers_to"))
        )
        .values(
            "pk",
            "covers_from",
            "covers_to",
            "batch_id",
            "standard__proration",
            "enrolment_id",
            "enrolment__status",
            "enrolment__exit_on",
            "enrolment__exit_reason",
            "enrolment__active_from",
            "enrolment__village_id",
            "enrolment__person_id",
            "enrolment__person__name",
            "enrolment__person__status",
            "enrolment__person__status_on",
        )
        .order_by("pk")
    )


def _days_paid_after_last_day(row: dict):
    """(the days of the row's payment nothing is owed for, the last day in the programme, the
    exit reason), or None when every day it pays is owed."""
    last, reason = last_day(
        enrolment_status=row["enrolment__status"],
        exit_on=row["enrolment__exit_on"],
        exit_reason=row["enrolment__exit_reason"],
        person_status=row["enrolment__person__status"],
        status_on=row["enrolment__person__status_on"],
    )
    programme = coverage.in_programme(active_from=row["enrolment__active_from"], exit_on=last)
    span = (row["covers_from"], row["covers_to"])
    days = (
        coverage.overpaid_days(
            span=span, programme=programme, last=last, rule=row["standard__proration"] or coverage.DAY
        )
        if programme
        else span
    )
    return None if days is None else (days, last, reason)


def above_standard():
    """A live payment above what the standard gives for the days it covers: the amount a batch
    line for exactly its span would carry (beneficiaries.coverage: the tier's standards, the
    batch's proration rule, the days from the enrolment's start; an exit is paid_after_exit's
    to report). An amount changed by hand (payment_adjust) is reported with its reason: that is
    what the check is for. One query for the rates, then the payments in chunks; what a span is
    worth is computed once per distinct (tier, rule, start, persons, span)."""
    worth = _StandardWorth(rates_by_project_tier())  # a few rows per project: all of them, once
    for row in _live_payment_terms().iterator(chunk_size=5000):
        pk, amount, covers_from, covers_to, adjusted = row[:5]
        enrolment_id, village_id, person_id, name = row[7], row[12], row[13], row[14]
        expected = worth.of(row)
        if expected is None or amount <= expected:
            continue
        detail = gettext("%(name)s: %(amount)s 元 paid for %(days)s, the standard gives %(expected)s 元.") % {
            "name": name,
            "amount": amount,
            "days": _span(covers_from, covers_to),
            "expected": expected,
        }
        if adjusted:
            detail += " " + gettext("Changed by hand: %(reason)s") % {"reason": adjusted}
        yield Found(
            Rule.ABOVE_STANDARD,
            f"above_standard:{pk}",
            village_id,
            detail,
            person_id=person_id,
            enrolment_id=enrolment_id,
            payment_id=pk,
            related=[person_id],
        )


def _live_payment_terms():
    """Live payments as tuples: pk, amount, covers_from, covers_to, adjust_reason, the batch's
    period (2), the enrolment's id, project, tier, persons covered and start, its village, the
    person's id and name."""
    return (
        _live()
        .values_list(
            "pk",
            "amount",
            "covers_from",
            "covers_to",
            "adjust_reason",
            "batch__period_start",
            "batch__period_end",
            "enrolment_id",
            "enrolment__project_id",
            "enrolment__tier",
            "enrolment__persons_covered",
            "enrolment__active_from",
            "enrolment__village_id",
            "enrolment__person_id",
            "enrolment__person__name",
        )
        .order_by("pk")
    )


class _StandardWorth:
    """What the standard gives for a payment's span (a row of _live_payment_terms), with the
    tier's rule per batch period and the worth per distinct terms computed once."""

    def __init__(self, rates: dict):
        self.rates = rates
        self.rules: dict[tuple, str] = {}
        self.worth: dict[tuple, Decimal] = {}

    def of(self, row) -> Decimal | None:
        """None when the tier has no standard to compare with (batch generation refuses such lines)."""
        covers_from, covers_to, batch_from, batch_to = row[2], row[3], row[5], row[6]
        project_id, tier, persons, active_from = row[8], row[9], row[10], row[11]
        tier_rates = self.rates.get((project_id, tier))
        if not tier_rates:
            return None
        rule_key = (project_id, tier, batch_from, batch_to)
        if rule_key not in self.rules:
            self.rules[rule_key] = coverage.rule_for(tier_rates, (batch_from, batch_to))
        rule = self.rules[rule_key]
        key = (project_id, tier, rule, active_from, persons, covers_from, covers_to)
        if key not in self.worth:
            self.worth[key] = coverage.span_worth(
                span=(covers_from, covers_to),
                rule=rule,
                programme=coverage.in_programme(active_from=active_from),
                rates=tier_rates,
                persons=persons,
            )
        return self.worth[key]


def shared_card():
    """One bank card (equal blind index) on beneficiaries of different households: a GROUP BY."""
    beneficiaries = Person.objects.filter(
        bank_card_index__isnull=False, pk__in=Enrolment.objects.filter(CURRENT).values("person_id")
    )
    groups = (
        beneficiaries.values("bank_card_index")
        .annotate(
            households=Count("household_id", distinct=True),
            loose=Count("pk", filter=Q(household__isnull=True), distinct=True),
        )
        .filter(Q(households__gt=1) | Q(loose__gt=1) | Q(households__gte=1, loose__gte=1))
    )
    members: dict[str, list] = {}
    for index, pk, name, village_id in (
        beneficiaries.filter(bank_card_index__in=groups.values("bank_card_index"))
        .values_list("bank_card_index", "pk", "name", "village_id")
        .order_by("bank_card_index", "pk")
    ):
        members.setdefault(index, []).append((pk, name, village_id))
    for index, people in members.items():
        ids = [pk for pk, _n, _v in people]
        names = "、".join(name for _pk, name, _v in people)
        for village_id in sorted({v for _pk, _n, v in people}):
            first = next(pk for pk, _n, v in people if v == village_id)
            yield Found(
                Rule.SHARED_CARD,
                f"shared_card:{index[:32]}:{village_id}",
                village_id,
                gettext("One bank card is recorded for %(names)s, who live in different households.")
                % {"names": names},
                person_id=first,
                related=ids,
            )


def exclusive():
    """Current enrolments of one person in both projects of an exclusive pair."""
    for pair in ExclusivePair.objects.select_related("first", "second"):
        in_second = Enrolment.objects.filter(
            CURRENT, project_id=pair.second_id, person_id=OuterRef("person_id")
        )
        for enrolment_id, person_id, village_id, name in (
            Enrolment.objects.filter(CURRENT, project_id=pair.first_id)
            .filter(Exists(in_second))
            .values_list("pk", "person_id", "village_id", "person__name")
        ):
            yield Found(
                Rule.EXCLUSIVE,
                f"exclusive:{pair.pk}:{person_id}",
                village_id,
                gettext("%(name)s is enrolled in both %(first)s and %(second)s.")
                % {"name": name, "first": pair.first.name, "second": pair.second.name},
                person_id=person_id,
                enrolment_id=enrolment_id,
                related=[person_id],
            )


def cadre_relative():
    """Members of an org user's own household enrolled in a village within that user's division."""
    for link in UserPerson.objects.select_related("user__division", "person").filter(
        user__is_active=True, user__division__isnull=False, person__household__isnull=False
    ):
        user = link.user
        for enrolment_id, person_id, village_id, name, project in (
            Enrolment.objects.filter(CURRENT, person__household_id=link.person.household_id)
            .filter(village__code__startswith=user.division.code)
            .values_list("pk", "person_id", "village_id", "person__name", "project__name")
        ):
            yield Found(
                Rule.CADRE_RELATIVE,
                f"cadre_relative:{user.pk}:{enrolment_id}",
                village_id,
                gettext(
                    "%(name)s (%(project)s) lives in the household of %(user)s, who works in %(division)s."
                )
                % {
                    "name": name,
                    "project": project,
                    "user": user.display_name,
                    "division": user.division.name,
                },
                person_id=person_id,
                enrolment_id=enrolment_id,
                related=[person_id, link.person_id],
            )


RULES = {
    Rule.TWO_VILLAGES: two_villages,
    Rule.PAID_AFTER_EXIT: paid_after_exit,
    Rule.ABOVE_STANDARD: above_standard,
    Rule.SHARED_CARD: shared_card,
    Rule.EXCLUSIVE: exclusive,
    Rule.CADRE_RELATIVE: cadre_relative,
    Rule.COVERED_TWICE: covered_twice,
}
