"""Reads of party-member care, always through the user's scope (outside → 404). Date-dependent
reads take ``today`` so tests fix it; pages pass timezone.localdate() (Asia/Shanghai)."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from core.money import ZERO, rate
from org.models import Division, Role
from partycare import eligibility
from partycare.models import (
    AidApplication,
    Branch,
    BranchRating,
    Campaign,
    CampaignTarget,
    CareCase,
    Commitment,
    DueItem,
    Pairing,
    PartyMember,
    PioneerScore,
    TalkTrigger,
    Training,
)
from partycare.notices import aid_notice, aid_notice_blocking_reason  # noqa: F401 (the aid page reads them here)
from partycare.states import AID, INBOX, STEP_BEFORE

STALE_PAIRING_DAYS = 90
ADVANCED_BRANCH_TARGET = Decimal("0.60")
EXCELLENT_MEMBER_TARGET = Decimal("0.15")
FLAG_CHOICES = [(name, PartyMember._meta.get_field(name).verbose_name) for name in PartyMember.FLAG_FIELDS]


def branch_list(*, user, division_id: int | None = None):
    qs = Branch.objects.visible_to(user).select_related("division__parent")
    if division_id:
        qs = qs.filter(division_id=division_id)
    return qs.annotate(
        member_count=Count("members", filter=Q(members__status__in=PartyMember.ACTIVE_STATUSES))
    ).order_by("division__code", "name")


def branch_choices(*, user):
    """Branches in scope, plain, for filter drop-downs."""
    return Branch.objects.visible_to(user).only("pk", "name").order_by("name")


def branch_get(*, user, pk: int) -> Branch:
    return get_object_or_404(Branch.objects.visible_to(user).select_related("division"), pk=pk)


def branch_active_members(*, user, branch: Branch):
    """The branch's full and probationary members (training attendees, pairing choices)."""
    return (
        PartyMember.objects.visible_to(user)
        .filter(branch=branch, status__in=PartyMember.ACTIVE_STATUSES)
        .select_related("person")
        .order_by("person__name", "pk")
    )


def training_list(*, user, branch_id: int | None = None):
    """Trainings in scope, newest first, with their number of attendees."""
    qs = Training.objects.visible_to(user).select_related("branch", "recorded_by")
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return qs.annotate(attendee_count=Count("attendance")).order_by("-held_on", "-pk")


def member_list(
    *,
    user,
    search: str | None = None,
    branch_id: int | None = None,
    flag: str | None = None,
    due: str | None = None,
    status: str | None = None,
):
    """Members in scope; ``flag`` one of PartyMember.FLAG_FIELDS, ``due`` a DueItem.Item."""
    qs = PartyMember.objects.visible_to(user).select_related("person", "branch__division")
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if flag in PartyMember.FLAG_FIELDS:
        qs = qs.filter(**{flag: True})
    if status in PartyMember.Status.values:
        qs = qs.filter(status=status)
    if due in DueItem.Item.values:
        qs = qs.filter(Exists(DueItem.objects.filter(member=OuterRef("pk"), item=due)))
    search = (search or "").strip()
    if search:
        if search.isascii():
            qs = qs.filter(person__name_search__contains=search.lower())
        else:
            qs = qs.filter(person__name__contains=search)
    return qs.prefetch_related(
        Prefetch("due_items", queryset=DueItem.objects.visible_to(user).order_by("due_by"))
    )


def member_get(*, user, pk: int) -> PartyMember:
    return get_object_or_404(
        PartyMember.objects.visible_to(user).select_related(
            "person__village__parent", "person__household", "branch__division"
        ),
        pk=pk,
    )


def member_history(*, user, member: PartyMember) -> dict:
    """The full care history of one member, each list in one query."""
    return {
        "care_cases": list(
            CareCase.objects.visible_to(user).filter(member=member).select_related("recorded_by", "campaign")
        ),
        "triggers": list(TalkTrigger.objects.visible_to(user).filter(member=member)),
        "aid": list(AidApplication.objects.visible_to(user).filter(member=member)),
        "trainings": list(member.trainings.order_by("-held_on")[:50]),
        "pairings": list(
            Pairing.objects.visible_to(user)
            .filter(Q(member=member) | Q(helper_member=member))
            .select_related("member__person", "helper_member__person", "household")
        ),
        "due": list(DueItem.objects.visible_to(user).filter(member=member).order_by("due_by")),
        "scores": list(PioneerScore.objects.visible_to(user).filter(member=member).order_by("-year")),
    }


def care_case_list(*, user, kind: str | None = None, member_id: int | None = None):
    qs = CareCase.objects.visible_to(user).select_related("member__person", "member__branch", "recorded_by")
    if kind in CareCase.Kind.values:
        qs = qs.filter(kind=kind)
    if member_id:
        qs = qs.filter(member_id=member_id)
    return qs


def due_item_counts(*, user) -> dict:
    """{item: members due} in scope, one query (home panel, filter badges)."""
    rows = DueItem.objects.visible_to(user).values("item").annotate(n=Count("member_id", distinct=True))
    return {row["item"]: row["n"] for row in rows}


# --- Campaigns -------------------------------------------------------------------------------


def campaign_list(*, user):
    return Campaign.objects.visible_to(user).select_related("division")


def campaign_get(*, user, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(user).select_related("division"), pk=pk)


def campaign_coverage(*, user, campaign: Campaign) -> dict:
    """Visited / due per branch, over the campaign's targets the user may see (two queries)."""
    targets = CampaignTarget.objects.visible_to(user).filter(campaign=campaign)
    rows = (
        targets.values("member__branch_id")
        .annotate(
            due=Count("pk"), visited=Count("pk", filter=Q(visit__isnull=False)), money=Sum("visit__money")
        )
        .order_by("member__branch_id")
    )
    branches = Branch.objects.in_bulk([row["member__branch_id"] for row in rows])
    result, due, visited, money = [], 0, 0, ZERO
    for row in rows:
        branch = branches[row["member__branch_id"]]
        result.append(
            {
                "branch": branch,
                "due": row["due"],
                "visited": row["visited"],
                "rate": rate(row["visited"], row["due"]),
                "money": row["money"] or ZERO,
            }
        )
        due, visited, money = due + row["due"], visited + row["visited"], money + (row["money"] or ZERO)
    result.sort(key=lambda r: (r["branch"].division_id, r["branch"].name))
    return {"branches": result, "due": due, "visited": visited, "rate": rate(visited, due), "money": money}


def campaign_targets(*, user, campaign: Campaign, branch_id: int | None = None, open_only: bool = False):
    qs = (
        CampaignTarget.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("member__person", "member__branch", "visit")
        .order_by("member__branch__name", "member__person__name")
    )
    if branch_id:
        qs = qs.filter(member__branch_id=branch_id)
    if open_only:
        qs = qs.filter(visit__isnull=True)
    return qs


# --- Hardship aid ----------------------------------------------------------------------------


def aid_list(*, user, status: str | None = None, kind: str | None = None, year: int | None = None):
    qs = AidApplication.objects.visible_to(user).select_related(
        "member__person", "member__branch", "prepared_by"
    )
    if status in AidApplication.Status.values:
        qs = qs.filter(status=status)
    if kind in AidApplication.Kind.values:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(year=year)
    return qs


def aid_inbox(*, user):
    """Applications waiting for the user's role to act (the step before was someone else's)."""
    statuses = INBOX.get(user.role, ()) if not user.is_superuser else tuple(AidApplication.Status.values)
    return aid_list(user=user).filter(status__in=statuses)


def aid_get(*, user, pk: int) -> AidApplication:
    return get_object_or_404(
        AidApplication.objects.visible_to(user).select_related(
            "member__person__village__parent",
            "member__branch",
            "prepared_by",
            "branch_checked_by",
            "notice_by",
            "township_checked_by",
            "county_approved_by",
            "paid_by",
            "rejected_by",
        ),
        pk=pk,
    )


def aid_steps(*, user, application: AidApplication) -> list[dict]:
    """The workflow steps open from the application's current state, each with whether
    ``user`` may take it now and, when not, the reason in a sentence (another role's step,
    the user took the step before, the notice not cleared yet). The service re-checks."""
    steps = []
    for step in AID.transitions:
        if application.status not in step.sources:
            continue
        reason = None
        try:
            AID.check(obj=application, user=user, name=step.name)
            if step.name == "township_check":
                reason = aid_notice_blocking_reason(application)
        except PermissionDenied as error:
            reason = str(error)
        except ValidationError as error:
            codes = (
                {getattr(e, "code", None) for e in error.error_list}
                if not hasattr(error, "error_dict")
                else set()
            )
            if "four_eyes" in codes:
                reason = gettext("You did the previous step (%(step)s); another person must do this one.") % {
                    "step": STEP_BEFORE.get(step.name, "")
                }
            else:
                reason = " ".join(error.messages)
        steps.append({"name": step.name, "label": step.label, "allowed": reason is None, "reason": reason})
    return steps


def aid_payments(*, user, year: int):
    return aid_list(user=user, year=year).filter(status=AidApplication.Status.PAID).order_by("paid_on", "pk")


def old_member_roster(*, user, today: datetime.date):
    """老党员摸底: active members aged 70+ with party age 30+, with their allowance status."""
    members = PartyMember.objects.visible_to(user).select_related("person__village__parent", "branch")
    members = eligibility.party_age_at_least(
        eligibility.aged_at_least(eligibility.active_members(members), years=70, today=today),
        years=30,
        today=today,
    )
    return members.order_by("branch__division__code", "branch__name", "person__name")


# --- Pairing ---------------------------------------------------------------------------------


def pairing_list(*, user, today: datetime.date, stale_only: bool = False, mine: bool = False):
    """Active pairings; stale ones had no contact (or began) 90 days or more before ``today``.
    ``mine``: those where the user is the helper."""
    qs = (
        Pairing.objects.visible_to(user)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .select_related("member__person", "helper_member__person", "household", "division")
    )
    if mine:
        qs = qs.filter(helper_user=user)
    cutoff = today - datetime.timedelta(days=STALE_PAIRING_DAYS)
    if stale_only:
        qs = qs.filter(
            Q(last_contact_on__lte=cutoff) | Q(last_contact_on__isnull=True, started_on__lte=cutoff)
        )
    return qs


def pairing_get(*, user, pk: int) -> Pairing:
    return get_object_or_404(
        Pairing.objects.visible_to(user).select_related(
            "member__person", "helper_member__person", "household"
        ),
        pk=pk,
    )


def pairing_is_stale(pairing: Pairing, *, today: datetime.date) -> bool:
    last = pairing.last_contact_on or pairing.started_on
    return (today - last).days >= STALE_PAIRING_DAYS


# --- Pioneer index and branch targets --------------------------------------------------------


def pioneer_ranking(*, user, year: int, branch_id: int | None = None):
    qs = (
        PioneerScore.objects.visible_to(user)
        .filter(year=year)
        .select_related("member__person", "member__branch")
        .order_by(
            "member__branch__division__code", "member__branch__name", "rank_in_branch", "member__person__name"
        )
    )
    if branch_id:
        qs = qs.filter(member__branch_id=branch_id)
    return qs


def branch_targets(*, user, year: int) -> list[dict]:
    """创先争优 per township: share of branches rated advanced (target ≥ 60 %), share of members
    rated excellent (target 15 %), commitments kept / checked. Four queries."""
    townships = list(Division.objects.visible_to(user).filter(level=Division.Level.TOWNSHIP).order_by("code"))
    if user.role == Role.VILLAGE_CADRE and user.division_id:
        townships = [user.division.parent] if user.division.parent_id else []
    result = []
    branch_rows = list(
        Branch.objects.visible_to(user).filter(is_active=True).values_list("division__code", "pk")
    )
    advanced = set(
        BranchRating.objects.visible_to(user)
        .filter(year=year, rating=BranchRating.Rating.ADVANCED)
        .values_list("branch_id", flat=True)
    )
    members = list(
        PartyMember.objects.visible_to(user)
        .filter(status__in=PartyMember.ACTIVE_STATUSES)
        .values_list("branch__division__code")
        .annotate(
            total=Count("pk"),
            excellent=Count("ratings", filter=Q(ratings__year=year, ratings__rating="excellent")),
        )
    )
    commitments = list(
        Commitment.objects.visible_to(user)
        .filter(year=year, member__isnull=True)
        .values_list("branch__division__code")
        .annotate(total=Count("pk"), kept=Count("pk", filter=Q(status=Commitment.Status.KEPT)))
    )
    for township in townships:
        code = township.code
        branches = [pk for division_code, pk in branch_rows if division_code.startswith(code)]
        m_total = sum(total for c, total, _e in members if c.startswith(code))
        m_excellent = sum(e for c, _t, e in members if c.startswith(code))
        c_total = sum(t for c, t, _k in commitments if c.startswith(code))
        c_kept = sum(k for c, _t, k in commitments if c.startswith(code))
        advanced_rate = rate(len([b for b in branches if b in advanced]), len(branches))
        excellent_rate = rate(m_excellent, m_total)
        result.append(
            {
                "township": township,
                "branches": len(branches),
                "advanced": len([b for b in branches if b in advanced]),
                "advanced_rate": advanced_rate,
                "advanced_met": advanced_rate is not None and advanced_rate >= ADVANCED_BRANCH_TARGET,
                "members": m_total,
                "excellent": m_excellent,
                "excellent_rate": excellent_rate,
                "excellent_met": excellent_rate is not None and excellent_rate >= EXCELLENT_MEMBER_TARGET,
                "commitments": c_total,
                "commitments_kept": c_kept,
            }
        )
    return result


# --- numbers for the reports app (monthly report, scorecards, dashboards) ----------------------


def care_coverage_totals(
    *, user, start: datetime.date, end: datetime.date, branch_id: int | None = None
) -> dict:
    """Active party members in scope (optionally of one branch) and how many had a care case in
    [start, end]. One query."""
    members = PartyMember.objects.visible_to(user).filter(status__in=PartyMember.ACTIVE_STATUSES)
    if branch_id:
        members = members.filter(branch_id=branch_id)
    totals = members.aggregate(
        members=Count("pk", distinct=True),
        covered=Count("pk", filter=Q(care_cases__occurred_on__range=(start, end)), distinct=True),
    )
    return {**totals, "rate": rate(totals["covered"], totals["members"])}
