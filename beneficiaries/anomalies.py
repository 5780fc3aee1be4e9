"""The anomaly checks (虚报冒领): each rule is a few set-based queries returning findings with
a stable key. ``anomaly_check_run`` (services) upserts them: a rerun refreshes ``last_seen`` of
what it finds again and never adds a second row for the same finding (the key is unique).

Every rule takes ``prefix``, the administrative code of the area checked (a county for the
nightly run, the user's division for one on demand, "" for everything), and yields only the
findings whose village lies in it. Its queries start from that area's villages (the code's
LIKE index on org_division, then the village foreign keys' indexes), so a county's run costs
the same whether the database holds one county or a hundred. What a finding says about the
rest of the portal (the other village of a person enrolled twice, the other holders of a
card) is looked up by key (person, card index) for the area's suspects only.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils.translation import gettext

from beneficiaries import coverage
from beneficiaries.models import AnomalyFinding, Enrolment, ExclusivePair, Payment, Person, UserPerson
from beneficiaries.services.recoveries import last_day, rates_by_project_tier
from org.models import Division

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


def area_villages(prefix: str):
    """The ids of the villages under ``prefix``, as a subquery (org_division's code index)."""
    return Division.objects.filter(level=Division.Level.VILLAGE, code__startswith=prefix).values("pk")


def two_villages(prefix: str = ""):
    """One person (one ID) enrolled, not exited, in two or more villages: the area's current
    enrolments with another current enrolment of the person in another village (EXISTS on the
    person's index), then all the villages of those persons, for the finding's text."""
    current = Enrolment.objects.filter(CURRENT)
    elsewhere = current.filter(person_id=OuterRef("person_id")).exclude(village_id=OuterRef("village_id"))
    suspects = current.filter(village_id__in=area_villages(prefix)).filter(Exists(elsewhere))
    places: dict[int, dict] = {}
    for person_id, village_id, village, code, name in (
        current.filter(person_id__in=suspects.values("person_id"))
        .values_list("person_id", "village_id", "village__name", "village__code", "person__name")
        .order_by("person_id", "village__code")
    ):
        entry = places.setdefault(person_id, {"name": name, "villages": {}})
        entry["villages"][village_id] = (village, code)
    for person_id, entry in places.items():
        names = "、".join(village for village, _code in entry["villages"].values())
        for village_id, (_village, code) in entry["villages"].items():
            if not code.startswith(prefix):
                continue  # the person's village in another area: that area's finding
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


def covered_twice(prefix: str = ""):
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
        .filter(enrolment__village_id__in=area_villages(prefix))
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


def paid_after_exit(prefix: str = ""):
    """A live payment for days after the last day in the programme: the enrolment's exit or
    the person's death or move, whichever is earlier (that day included). Under a month rule
    the month of the last day is still owed whole, so only the months after it count (the
    standard's rule, beneficiaries.coverage.overpaid_days). The query keeps only the area's
    payments covering a day after an end; the month rule then sets a few of them aside."""
    reasons = dict(Enrolment.ExitReason.choices)
    for row in _paid_beyond_an_end(prefix).iterator(chunk_size=5000):
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


def _paid_beyond_an_end(prefix: str):
    """Live payments covering a day after the person's death or move or the enrolment's exit,
    as rows with what the last day in the programme is reckoned from."""
    return (
        _live()
        .filter(enrolment__village_id__in=area_villages(prefix))
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


#: what a live payment's worth depends on (beneficiaries.coverage.span_worth): one group each
WORTH_TERMS = (
    "enrolment__project_id",
    "enrolment__tier",
    "batch__period_start",
    "batch__period_end",
    "enrolment__active_from",
    "enrolment__persons_covered",
    "covers_from",
    "covers_to",
)


def above_standard(prefix: str = ""):
    """A live payment above what the standard gives for the days it covers: the amount a batch
    line for exactly its span would carry (beneficiaries.coverage: the tier's standards, the
    batch's proration rule, the days from the enrolment's start; an exit is paid_after_exit's
    to report). An amount changed by hand (payment_adjust) is reported with its reason: that is
    what the check is for.

    What a span is worth is exact arithmetic over fractions with cumulative rounding, the one
    that makes batch lines (beneficiaries.coverage); it is not written a second time in SQL.
    So the database groups the area's live payments by what their worth depends on
    (WORTH_TERMS) with the largest amount of each group; the worth is computed once per group;
    and only the payments of the groups whose largest amount exceeds it are fetched, with
    ``amount > worth`` in the query. The area's payments themselves never come to Python."""
    live = _live().filter(enrolment__village_id__in=area_villages(prefix))
    groups = list(live.values(*WORTH_TERMS).annotate(largest=Max("amount")).order_by())
    worth = _StandardWorth(rates_by_project_tier({g["enrolment__project_id"] for g in groups}))
    over = []
    for group in groups:
        expected = worth.of(group)
        if expected is not None and group["largest"] > expected:
            over.append(Q(**{term: group[term] for term in WORTH_TERMS}, amount__gt=expected))
    for start in range(0, len(over), 200):
        condition = Q()
        for terms in over[start : start + 200]:
            condition |= terms
        for row in live.filter(condition).values_list(*_ABOVE_COLUMNS).order_by("pk"):
            yield _above_standard_found(row, worth)


_ABOVE_COLUMNS = (
    "pk",
    "amount",
    "covers_from",
    "covers_to",
    "adjust_reason",
    "enrolment_id",
    "enrolment__village_id",
    "enrolment__person_id",
    "enrolment__person__name",
    *WORTH_TERMS,
)


def _above_standard_found(row, worth) -> Found:
    pk, amount, covers_from, covers_to, adjusted, enrolment_id, village_id, person_id, name = row[:9]
    expected = worth.of(dict(zip(WORTH_TERMS, row[9:], strict=True)))
    detail = gettext("%(name)s: %(amount)s 元 paid for %(days)s, the standard gives %(expected)s 元.") % {
        "name": name,
        "amount": amount,
        "days": _span(covers_from, covers_to),
        "expected": expected,
    }
    if adjusted:
        detail += " " + gettext("Changed by hand: %(reason)s") % {"reason": adjusted}
    return Found(
        Rule.ABOVE_STANDARD,
        f"above_standard:{pk}",
        village_id,
        detail,
        person_id=person_id,
        enrolment_id=enrolment_id,
        payment_id=pk,
        related=[person_id],
    )


class _StandardWorth:
    """What the standard gives for a group of WORTH_TERMS (a dict), with the tier's rule per
    batch period and the worth per distinct terms computed once."""

    def __init__(self, rates: dict):
        self.rates = rates
        self.rules: dict[tuple, str] = {}
        self.worth: dict[tuple, Decimal] = {}

    def of(self, terms: dict) -> Decimal | None:
        """None when the tier has no standard to compare with (batch generation refuses such lines)."""
        project_id, tier = terms["enrolment__project_id"], terms["enrolment__tier"]
        batch_from, batch_to = terms["batch__period_start"], terms["batch__period_end"]
        covers_from, covers_to = terms["covers_from"], terms["covers_to"]
        persons, active_from = terms["enrolment__persons_covered"], terms["enrolment__active_from"]
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


def shared_card(prefix: str = ""):
    """One bank card (equal blind index) on beneficiaries of different households: a GROUP BY
    over the holders of the cards that a beneficiary of the area holds (the card index)."""
    current = Enrolment.objects.filter(CURRENT, person_id=OuterRef("pk"))
    beneficiaries = Person.objects.filter(bank_card_index__isnull=False).filter(Exists(current))
    cards = beneficiaries.filter(village_id__in=area_villages(prefix)).values("bank_card_index")
    groups = (
        beneficiaries.filter(bank_card_index__in=cards)
        .values("bank_card_index")
        .annotate(
            households=Count("household_id", distinct=True),
            loose=Count("pk", filter=Q(household__isnull=True), distinct=True),
        )
        .filter(Q(households__gt=1) | Q(loose__gt=1) | Q(households__gte=1, loose__gte=1))
    )
    members: dict[str, list] = {}
    for index, pk, name, village_id, code in (
        beneficiaries.filter(bank_card_index__in=groups.values("bank_card_index"))
        .values_list("bank_card_index", "pk", "name", "village_id", "village__code")
        .order_by("bank_card_index", "pk")
    ):
        members.setdefault(index, []).append((pk, name, village_id, code))
    for index, people in members.items():
        ids = [pk for pk, _n, _v, _c in people]
        names = "、".join(name for _pk, name, _v, _c in people)
        for village_id in sorted({v for _pk, _n, v, c in people if c.startswith(prefix)}):
            first = next(pk for pk, _n, v, _c in people if v == village_id)
            yield Found(
                Rule.SHARED_CARD,
                f"shared_card:{index[:32]}:{village_id}",
                village_id,
                gettext("One bank card is recorded for %(names)s, who live in different households.")
                % {"names": names},
                person_id=first,
                related=ids,
            )


def exclusive(prefix: str = ""):
    """Current enrolments of the area in the first project of an exclusive pair whose person is
    currently enrolled in the second too (EXISTS on the person, wherever that enrolment is)."""
    for pair in ExclusivePair.objects.select_related("first", "second"):
        in_second = Enrolment.objects.filter(
            CURRENT, project_id=pair.second_id, person_id=OuterRef("person_id")
        )
        for enrolment_id, person_id, village_id, name in (
            Enrolment.objects.filter(CURRENT, project_id=pair.first_id, village_id__in=area_villages(prefix))
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


def cadre_relative(prefix: str = ""):
    """Members of an org user's own household enrolled in a village within that user's division:
    the users whose household has a current enrolment in the area, then per user its
    household's enrolments in the area and in the user's division."""
    in_area = Enrolment.objects.filter(CURRENT, village_id__in=area_villages(prefix))
    for link in UserPerson.objects.select_related("user__division", "person").filter(
        user__is_active=True,
        user__division__isnull=False,
        person__household__isnull=False,
        person__household_id__in=in_area.values("person__household_id"),
    ):
        user = link.user
        for enrolment_id, person_id, village_id, name, project in (
            in_area.filter(person__household_id=link.person.household_id)
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
