"""The pioneer index (先锋指数): per member per year, base items and bonus items.

Each item of the township's year counts units per member from a source and turns them into
points (units × points per unit, capped at the item's maximum). Sources are a registry so
that later records add a function here and nothing else (home visits count toward "visits",
concerns resolved on time toward "concerns").
"""

from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q

from fieldwork.models import Concern, HomeVisit
from partycare.models import (
    Commitment,
    PairingContact,
    PartyMember,
    PioneerEntry,
    PioneerItem,
    TrainingAttendance,
)

CENT = Decimal("0.01")


def _trainings(members, year) -> dict:
    rows = (
        TrainingAttendance.objects.filter(member__in=members, training__held_on__year=year)
        .values("member_id")
        .annotate(n=Count("pk"))
    )
    return {row["member_id"]: row["n"] for row in rows}


def _visits(members, year) -> dict:
    """Visits made: contacts as a helper under a pairing, plus home visits (民情日记) the member
    made (two queries)."""
    rows = (
        PairingContact.objects.filter(pairing__helper_member__in=members, occurred_on__year=year)
        .values("pairing__helper_member_id")
        .annotate(n=Count("pk"))
    )
    result = defaultdict(int)
    for row in rows:
        result[row["pairing__helper_member_id"]] += row["n"]
    for row in (
        HomeVisit.objects.filter(member__in=members, visited_on__year=year)
        .values("member_id")
        .annotate(n=Count("pk"))
    ):
        result[row["member_id"]] += row["n"]
    return dict(result)


def _concerns(members, year) -> dict:
    """Concerns resolved on time: raised on the member's visits, resolved in the year, on or
    before the deadline (or solved in the village, which has no deadline), and not reopened."""
    on_time = Q(deadline__isnull=True) | Q(resolved_on__lte=F("deadline"))
    rows = (
        Concern.objects.filter(
            on_time,
            visit__member__in=members,
            resolved_on__year=year,
            status__in=(Concern.Status.RESOLVED, Concern.Status.CLOSED),
        )
        .exclude(decision=Concern.Decision.EXPLAIN)
        .values("visit__member_id")
        .annotate(n=Count("pk"))
    )
    return {row["visit__member_id"]: row["n"] for row in rows}


def _commitments(members, year) -> dict:
    rows = (
        Commitment.objects.filter(member__in=members, year=year)
        .values("member_id")
        .annotate(n=Count("pk", filter=Q(status=Commitment.Status.KEPT)))
    )
    return {row["member_id"]: row["n"] for row in rows}


SOURCES: dict[str, Callable] = {
    PioneerItem.Source.TRAININGS: _trainings,
    PioneerItem.Source.VISITS: _visits,
    PioneerItem.Source.CONCERNS: _concerns,
    PioneerItem.Source.COMMITMENTS: _commitments,
}


def points(units, item: PioneerItem) -> Decimal:
    value = Decimal(units) * item.points_per_unit
    return min(value, item.max_points).quantize(CENT, rounding=ROUND_HALF_UP)


def compute(*, township, year: int) -> list[dict]:
    """Rows for PioneerScore (member_id, base_points, bonus_points, total, rank_in_branch,
    breakdown): a fixed number of queries whatever the number of members."""
    items = list(PioneerItem.objects.filter(division=township, year=year).order_by("section", "order", "pk"))
    members = PartyMember.objects.filter(
        branch__division__code__startswith=township.code, status__in=PartyMember.ACTIVE_STATUSES
    )
    member_rows = list(members.values_list("pk", "branch_id"))
    units_by_item = {}
    sources = {}
    for item in items:
        if item.source == PioneerItem.Source.MANUAL:
            continue
        if item.source not in sources:
            sources[item.source] = SOURCES[item.source](members, year)
        units_by_item[item.pk] = sources[item.source]
    manual = defaultdict(dict)
    for item_id, member_id, units in PioneerEntry.objects.filter(
        item__in=items, member__in=members
    ).values_list("item_id", "member_id", "units"):
        manual[item_id][member_id] = units
    rows = []
    for member_id, branch_id in member_rows:
        base = bonus = Decimal("0.00")
        breakdown = {}
        for item in items:
            source = manual[item.pk] if item.source == PioneerItem.Source.MANUAL else units_by_item[item.pk]
            units = source.get(member_id, 0)
            value = points(units, item)
            breakdown[str(item.pk)] = {"name": item.name, "units": str(units), "points": str(value)}
            if item.section == PioneerItem.Section.BASE:
                base += value
            else:
                bonus += value
        rows.append(
            {
                "member_id": member_id,
                "branch_id": branch_id,
                "base_points": base,
                "bonus_points": bonus,
                "total": base + bonus,
                "breakdown": breakdown,
            }
        )
    # rank per branch: 1 for the highest total; ties share the rank (1, 2, 2, 4)
    by_branch = defaultdict(list)
    for row in rows:
        by_branch[row["branch_id"]].append(row)
    for branch_rows in by_branch.values():
        branch_rows.sort(key=lambda r: -r["total"])
        previous, rank = None, 0
        for position, row in enumerate(branch_rows, start=1):
            if row["total"] != previous:
                rank, previous = position, row["total"]
            row["rank_in_branch"] = rank
    for row in rows:
        del row["branch_id"]
    return rows
