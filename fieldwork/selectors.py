"""Reads of field work (home visits, residents' concerns, the weekly list), always through the
user's scope (outside → 404). Date-dependent reads take the day so tests fix it."""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404

from core.money import rate
from fieldwork.models import Concern, ConcernEvent, HomeVisit, WhistleCall
from org.roles import OFFICE

# --- Home visits ----------------------------------------------------------------------------


def visit_list(*, user, visitor=None, year: int | None = None, village_id: int | None = None):
    qs = HomeVisit.objects.visible_to(user).select_related("household__head", "village", "visitor")
    if visitor is not None:
        qs = qs.filter(visitor=visitor)
    if year:
        qs = qs.filter(visited_on__year=year)
    if village_id:
        qs = qs.filter(village_id=village_id)
    return qs.annotate(
        concern_count=Count("concerns", distinct=True),
        photo_count=Count("photos", distinct=True),
        callback_count=Count("callback_links", distinct=True),
    ).order_by("-visited_on", "-pk")


def visit_get(*, user, pk: int) -> HomeVisit:
    return get_object_or_404(
        HomeVisit.objects.visible_to(user)
        .select_related("household__head", "village", "visitor")
        .prefetch_related("photos", "concerns", visit_callbacks_prefetch()),
        pk=pk,
    )


def visit_callbacks_prefetch() -> Prefetch:
    """A visit's callbacks with their enrolment's project and person (one query for a page)."""
    from beneficiaries.models import Callback

    return Prefetch(
        "callbacks",
        queryset=Callback.objects.select_related("enrolment__project", "enrolment__person").order_by("pk"),
    )


def household_enrolments_on(*, user, household, day: datetime.date):
    """The enrolments of a household (its own, or one of its members') that were being paid
    on ``day``: active then, or exited later. Used for answers given for the whole household."""
    from beneficiaries.models import Enrolment

    return (
        Enrolment.objects.visible_to(user)
        .filter(Q(household=household) | Q(person__household=household))
        .filter(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.EXITED])
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=day))
        .filter(Q(exit_on__isnull=True) | Q(exit_on__gte=day))
        .order_by("pk")
    )


def visit_household_enrolments(*, user) -> dict[int, list[dict]]:
    """The active enrolments of every household the user may visit, by household id, for the
    phone's callback choice offline: id, project (name and year) and the person. One query."""
    from beneficiaries.models import Enrolment

    rows = (
        Enrolment.objects.visible_to(user)
        .filter(status=Enrolment.Status.ACTIVE)
        .filter(Q(household__isnull=False) | Q(person__household__isnull=False))
        .order_by("project__name", "pk")
        .values(
            "pk", "household_id", "person__household_id", "project__name", "project__year", "person__name"
        )
    )
    by_household: dict[int, list[dict]] = {}
    for row in rows:
        household_id = row["household_id"] or row["person__household_id"]
        by_household.setdefault(household_id, []).append(
            {
                "id": row["pk"],
                "project": row["project__name"],
                "year": row["project__year"],
                "person": row["person__name"] or "",
            }
        )
    return by_household


def visit_household_choices(*, user):
    """The households a cadre may visit, for the phone's offline search: id, number, head's
    name and its pinyin key (full and initials)."""
    from beneficiaries.models import Household

    return (
        Household.objects.visible_to(user)
        .order_by("village__code", "number")
        .values("pk", "number", "address", "village__name", "head__name", "head__name_search")
    )


def households_not_visited(*, user, year: int):
    from beneficiaries.models import Household

    visited = HomeVisit.objects.filter(household=OuterRef("pk"), visited_on__year=year)
    return (
        Household.objects.visible_to(user)
        .select_related("village", "head")
        .filter(~Exists(visited))
        .order_by("village__code", "number")
    )


# --- Concerns ---------------------------------------------------------------------------------


def concern_list(
    *,
    user,
    status: str | None = None,
    statuses=None,
    overdue: bool | None = None,
    department_id: int | None = None,
):
    qs = Concern.objects.visible_to(user).select_related("village__parent", "resident", "created_by")
    if status:
        qs = qs.filter(status=status)
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    if overdue is not None:
        qs = qs.filter(is_overdue=overdue)
    if department_id:
        qs = qs.filter(departments=department_id)
    return qs.prefetch_related("departments")


def concern_get(*, user, pk: int) -> Concern:
    return get_object_or_404(
        Concern.objects.visible_to(user)
        .select_related("village__parent", "resident", "visit", "created_by")
        .prefetch_related(
            "departments",
            Prefetch("events", queryset=ConcernEvent.objects.visible_to(user).select_related("by")),
            Prefetch(
                "whistle_calls",
                queryset=WhistleCall.objects.visible_to(user).select_related("department", "reported_by"),
            ),
        ),
        pk=pk,
    )


def concern_status_counts(*, user) -> dict:
    """Concerns in scope per state, and how many are overdue: one query."""
    rows = (
        Concern.objects.visible_to(user)
        .values("status")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(is_overdue=True)))
    )
    return {row["status"]: (row["n"], row["late"]) for row in rows}


def concern_overdue_list(*, user, department_id: int | None = None):
    return concern_list(user=user, overdue=True, department_id=department_id).order_by("deadline", "pk")


# --- The weekly list and leaders' field days ---------------------------------------------------

FIELD_DAYS_TARGET = 60
HOUSEHOLDS_TARGET = 50


def weekly_concern_list(*, user, week_start: datetime.date) -> list[dict]:
    """问题清单: each village's concerns collected in the week starting ``week_start``, split
    into individual and common problems; one query."""
    end = week_start + datetime.timedelta(days=7)
    concerns = (
        Concern.objects.visible_to(user)
        .filter(created_at__date__gte=week_start, created_at__date__lt=end)
        .select_related("village__parent", "resident")
        .order_by("village__code", "category", "pk")
    )
    villages = {}
    for concern in concerns:
        entry = villages.setdefault(
            concern.village_id, {"village": concern.village, "individual": [], "common": []}
        )
        entry["common" if concern.is_common else "individual"].append(concern)
    return list(villages.values())


def leader_field_days(*, user, year: int) -> list[dict]:
    """Each township leader's (and staff member's) days in villages and households visited in
    the year, from their home-visit records, against the targets (≥ 60 days, ≥ 50 households)."""
    from org.models import User

    leaders = (
        User.objects.visible_to(user)
        .filter(role__in=OFFICE, is_active=True)
        .annotate(
            days=Count(
                "home_visits__visited_on", filter=Q(home_visits__visited_on__year=year), distinct=True
            ),
            households=Count(
                "home_visits__household", filter=Q(home_visits__visited_on__year=year), distinct=True
            ),
        )
        .select_related("division")
        .order_by("role", "division__code", "username")
    )
    return [
        {
            "user": leader,
            "days": leader.days,
            "households": leader.households,
            "days_met": leader.days >= FIELD_DAYS_TARGET,
            "households_met": leader.households >= HOUSEHOLDS_TARGET,
        }
        for leader in leaders
    ]


# --- numbers for the reports app (monthly report, scorecards, dashboards) ----------------------


def _aware_day_range(start: datetime.date, end: datetime.date):
    """[start 00:00, end+1 00:00) in the current time zone (Asia/Shanghai), for timestamps."""
    from django.utils import timezone

    return (
        timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)),
        timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)),
    )


def _overdue_at(day: datetime.date) -> Q:
    """Past its deadline at the end of ``day`` (the deadline day itself is in time) and not
    resolved by then."""
    return Q(deadline__lt=day) & (Q(resolved_on__isnull=True) | Q(resolved_on__gt=day))


def concern_month_counts(*, user, start: datetime.date, end: datetime.date) -> list[dict]:
    """Per village in scope: concerns collected in [start, end], resolved in it, of those
    resolved by their deadline, and overdue at the end of ``end``. One query."""
    collected_at = _aware_day_range(start, end)
    resolved = Q(resolved_on__range=(start, end))
    rows = (
        Concern.objects.visible_to(user)
        .filter(created_at__lt=collected_at[1])
        .filter(
            Q(created_at__gte=collected_at[0]) | resolved | (_overdue_at(end) & Q(deadline__isnull=False))
        )
        .order_by()
        .values("village_id", "village__code", "village__name")
        .annotate(
            opened=Count("pk", filter=Q(created_at__gte=collected_at[0])),
            resolved=Count("pk", filter=resolved),
            on_time=Count("pk", filter=resolved & Q(deadline__isnull=False, resolved_on__lte=F("deadline"))),
            overdue=Count("pk", filter=_overdue_at(end) & Q(deadline__isnull=False)),
        )
        .order_by("village__code")
    )
    return list(rows)


def concern_deadline_totals(
    *, user, start: datetime.date, end: datetime.date, department_id: int | None = None
) -> dict:
    """Concerns in scope (optionally dispatched to one department) with a deadline that fell
    due in [start, end] or that were resolved in it: how many, and how many were resolved on or
    before their deadline. Those not yet due and not resolved are not judged. One query."""
    qs = Concern.objects.visible_to(user).filter(deadline__isnull=False)
    if department_id:
        qs = qs.filter(pk__in=Concern.objects.visible_to(user).filter(departments=department_id).values("pk"))
    due = Q(deadline__range=(start, end)) | Q(resolved_on__range=(start, end))
    totals = qs.filter(due).aggregate(
        due=Count("pk"),
        on_time=Count("pk", filter=Q(resolved_on__lte=F("deadline")) & Q(resolved_on__lte=end)),
    )
    return {**totals, "rate": rate(totals["on_time"], totals["due"])}
