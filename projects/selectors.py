"""Reads of the projects app. Everything goes through the user's scope; outside it answers 404.

Completion and lagging
----------------------
A user's view of a project's progress is over the *leaf* targets they may see (targets not
split further): a township sees its share of a county project, a village cadre their village.
Because a split must add up, the leaves' quantities add up to the target above them.

- completion rate = Σ latest cumulative actual (as of the date) / Σ target quantity; may exceed 100 %
- year share = the share of the project's year elapsed on ``today`` (Jan 1 → 1/365, Dec 31 → 1)
- lagging = completion rate below the year share (a project without targets is never lagging)

``today`` is always passed in (views pass ``timezone.localdate()``, Asia/Shanghai).
"""

import calendar
import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce
from django.shortcuts import get_object_or_404

from core.money import ZERO, rate
from projects import permissions
from projects.models import (
    FundLine,
    FundMovement,
    FundSource,
    ProgressReport,
    Project,
    Site,
    SiteControl,
    Target,
    expected_quantity,
    lagging,
    year_share,
)

AMOUNT = DecimalField(max_digits=14, decimal_places=2)
SHARE = DecimalField(max_digits=7, decimal_places=4)


def year_share_expression(today: datetime.date) -> Case:
    """The project's year share at ``today`` as a query expression, each value from year_share."""
    return Case(
        When(year__lt=today.year, then=Value(year_share(year=today.year - 1, today=today))),
        When(year=today.year, then=Value(year_share(year=today.year, today=today))),
        default=Value(year_share(year=today.year + 1, today=today)),
        output_field=SHARE,
    )


def _zero(expression):
    return Coalesce(expression, Value(ZERO), output_field=AMOUNT)


def leaf_targets(*, user) -> QuerySet:
    """Targets the user may see that are not split further."""
    return Target.objects.visible_to(user).exclude(Exists(Target.objects.filter(parent=OuterRef("pk"))))


def _latest_month(as_of: datetime.date):
    return (
        ProgressReport.objects.filter(target=OuterRef("target"), month__lte=as_of.replace(day=1))
        .order_by("-month")
        .values("month")[:1]
    )


def _latest_actual(as_of: datetime.date):
    """The cumulative actual of the target in the outer query at the end of ``as_of``: one
    lookup on the (target, month) unique index per target, whatever the number of months."""
    return (
        ProgressReport.objects.filter(target=OuterRef("pk"), month__lte=as_of.replace(day=1))
        .order_by("-month")
        .values("actual")[:1]
    )


def _latest_progress(*, user, as_of: datetime.date) -> QuerySet:
    """Each visible leaf target's latest report up to ``as_of``."""
    leaves = leaf_targets(user=user)
    return (
        ProgressReport.objects.visible_to(user)
        .filter(target__in=leaves.values("pk"))
        .filter(month=Subquery(_latest_month(as_of)))
    )


def with_progress(qs: QuerySet, *, user, today: datetime.date) -> QuerySet:
    """Annotate projects with target_total, actual_total (as of today) and expected_total (what
    the year share asks for), all over the user's visible leaf targets."""
    targets = (
        leaf_targets(user=user)
        .filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    # Sum over the visible leaves of each one's latest actual. Written target-first (not
    # progress-first) so the plan stays an index lookup per leaf even without table statistics.
    actuals = (
        leaf_targets(user=user)
        .filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum(Subquery(_latest_actual(today), output_field=AMOUNT)))
        .values("total")
    )
    return qs.annotate(
        target_total=_zero(Subquery(targets, output_field=AMOUNT)),
        actual_total=_zero(Subquery(actuals, output_field=AMOUNT)),
        year_share=year_share_expression(today),
    ).annotate(expected_total=expected_quantity(F("target_total"), F("year_share")))


FUND_TOTALS = ("planned_total", *(f"{kind}_total" for kind in FundMovement.Kind.values))


def with_funds(qs: QuerySet, *, as_of: datetime.date, user=None) -> QuerySet:
    """Annotate projects with planned, received, allocated and spent totals at the end of ``as_of``.
    Given a ``user`` who may not read funds (permissions.may_read_funds), the totals are null."""
    if user is not None and not permissions.may_read_funds(user):
        # Typed nulls (NULL::numeric): an untyped NULL makes SUM() over the list fail in PostgreSQL.
        return qs.annotate(**{name: Cast(Value(None), output_field=AMOUNT) for name in FUND_TOTALS})
    planned = (
        FundLine.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum("planned"))
        .values("total")
    )
    annotations = {"planned_total": _zero(Subquery(planned, output_field=AMOUNT))}
    for kind in FundMovement.Kind.values:
        movements = (
            FundMovement.objects.filter(fund_line__project=OuterRef("pk"), kind=kind, date__lte=as_of)
            .order_by()
            .values("fund_line__project")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        annotations[f"{kind}_total"] = _zero(Subquery(movements, output_field=AMOUNT))
    return qs.annotate(**annotations)


def lagging_q() -> Q:
    """Lagging as a filter over with_progress's annotations (projects.models.lagging)."""
    return lagging(F("target_total"), F("actual_total"), F("year_share"), sql=True)


def project_list(
    *,
    user,
    today: datetime.date,
    year: int | None = None,
    kind: str | None = None,
    category: str | None = None,
    department: int | None = None,
    lagging: bool | None = None,
    search: str | None = None,
    division: int | None = None,
) -> QuerySet:
    """The projects the user may see, annotated with progress (see the module docstring) and
    funds as of ``today``; filters narrow it, never widen it."""
    qs = Project.objects.visible_to(user).select_related("division", "lead_department")
    if year:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(category=category)
    if department:
        qs = qs.filter(lead_department_id=department)
    if division:
        qs = qs.filter(division_id=division)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    qs = with_funds(with_progress(qs, user=user, today=today), as_of=today, user=user)
    if lagging is True:
        qs = qs.filter(lagging_q())
    elif lagging is False:
        qs = qs.exclude(lagging_q())
    return qs.order_by("-year", "division__code", "code")


def project_totals(qs: QuerySet) -> dict:
    """Sums of an annotated project list with the fund rates, in one query."""
    totals = qs.order_by().aggregate(
        projects=Count("pk"),
        lagging=Count("pk", filter=lagging_q()),
        planned=Sum("planned_total"),
        received=Sum("received_total"),
        allocated=Sum("allocated_total"),
        spent=Sum("spent_total"),
    )
    for key in ("planned", "received", "allocated", "spent"):
        totals[key] = totals[key] or ZERO
    return {**totals, **fund_rates(totals)}


def fund_rates(row) -> dict:
    """到位率 = received/planned, 拨付率 = allocated/received, 支出率 = spent/allocated (None over zero)."""
    return {
        "received_rate": rate(row["received"], row["planned"]),
        "allocated_rate": rate(row["allocated"], row["received"]),
        "spent_rate": rate(row["spent"], row["allocated"]),
    }


def project_get(*, user, pk: int, today: datetime.date) -> Project:
    """The project annotated like the list, or Http404 outside the user's scope."""
    qs = with_funds(
        with_progress(Project.objects.visible_to(user), user=user, today=today), as_of=today, user=user
    )
    return get_object_or_404(qs.select_related("division", "lead_department", "carried_from"), pk=pk)


def project_years(*, user) -> list[int]:
    return list(Project.objects.visible_to(user).order_by("-year").values_list("year", flat=True).distinct())


def target_list(*, user, project: Project | None = None, today: datetime.date | None = None) -> QuerySet:
    """Visible targets with their split total (children_total) and, when ``today`` is given,
    their latest cumulative actual (latest_actual: summed over the leaves of a split target)."""
    children = (
        Target.objects.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    qs = Target.objects.visible_to(user).select_related("project", "division", "parent__division")
    if project is not None:
        qs = qs.filter(project=project)
    qs = qs.annotate(children_total=_zero(Subquery(children, output_field=AMOUNT)))
    if today is not None:
        # The latest cumulative actual of the leaves at or below the target (itself when a leaf).
        # The prefix from the outer row cannot use an index; the user's scope (a constant prefix,
        # and every leaf below a visible target is in it) narrows the rows first.
        below = (
            ProgressReport.objects.visible_to(user)
            .filter(
                target__project=OuterRef("project"),
                target__division__code__startswith=OuterRef("division__code"),
                month=Subquery(_latest_month(today)),
            )
            .exclude(Exists(Target.objects.filter(parent=OuterRef("target"))))
            .order_by()
            .values("target__project")
            .annotate(total=Sum("actual"))
            .values("total")
        )
        qs = qs.annotate(latest_actual=_zero(Subquery(below, output_field=AMOUNT)))
    return qs.order_by("project", "division__code")


def target_get(*, user, pk: int, today: datetime.date | None = None) -> Target:
    return get_object_or_404(target_list(user=user, today=today), pk=pk)


def progress_list(*, user, target: Target | None = None, project: Project | None = None) -> QuerySet:
    qs = ProgressReport.objects.visible_to(user).select_related(
        "target__division", "target__project", "recorded_by"
    )
    if target is not None:
        qs = qs.filter(target=target)
    if project is not None:
        qs = qs.filter(target__project=project)
    return qs.order_by("target__project", "target__division__code", "month")


def progress_get(*, user, pk: int) -> ProgressReport:
    return get_object_or_404(progress_list(user=user), pk=pk)


def progress_series(*, user, project: Project, today: datetime.date) -> dict:
    """Month by month (January up to this month, within the project's year): the cumulative
    actual over the user's leaf targets, the target total and what the year share expects.
    Two queries whatever the size."""
    leaves = list(leaf_targets(user=user).filter(project=project).values_list("pk", "quantity"))
    target_total = sum((q for _, q in leaves), ZERO)
    last_month = 12 if today.year > project.year else (today.month if today.year == project.year else 0)
    reports = (
        ProgressReport.objects.visible_to(user)
        .filter(target__in=[pk for pk, _ in leaves], month__year=project.year)
        .order_by("month")
        .values_list("target_id", "month", "actual")
    )
    latest: dict[int, Decimal] = {}
    by_month: dict[int, list] = {}
    for target_id, month, actual in reports:
        by_month.setdefault(month.month, []).append((target_id, actual))
    months, actuals, expected = [], [], []
    for month in range(1, last_month + 1):
        for target_id, actual in by_month.get(month, []):
            latest[target_id] = actual
        month_end = datetime.date(project.year, month, calendar.monthrange(project.year, month)[1])
        months.append(f"{project.year}-{month:02d}")
        actuals.append(str(sum(latest.values(), ZERO)))
        expected.append(
            str(
                expected_quantity(
                    target_total, year_share(year=project.year, today=min(month_end, today))
                ).quantize(Decimal("0.01"))
            )
        )
    return {"months": months, "actual": actuals, "expected": expected, "target": str(target_total)}


def fund_position(*, user, project: Project, as_of: datetime.date) -> dict:
    """Each fund source of a (visible) project at the end of ``as_of``, with rates, and the total.
    One query."""
    sums = {
        f"{kind}": _zero(Sum("movements__amount", filter=Q(movements__kind=kind, movements__date__lte=as_of)))
        for kind in FundMovement.Kind.values
    }
    lines = fund_line_list(user=user).filter(project=project).annotate(**sums).order_by("pk")
    order = {value: index for index, value in enumerate(FundSource.values)}
    rows = []
    for line in sorted(lines, key=lambda line: order[line.source]):
        row = {
            "line": line,
            "source": line.get_source_display(),
            "planned": line.planned,
            "received": line.received,
            "allocated": line.allocated,
            "spent": line.spent,
        }
        rows.append({**row, **fund_rates(row)})
    total = {
        key: sum((row[key] for row in rows), ZERO) for key in ("planned", "received", "allocated", "spent")
    }
    return {"rows": rows, "total": {**total, **fund_rates(total)}, "as_of": as_of}


def fund_line_list(*, user) -> QuerySet:
    """Fund lines of the visible projects, for the roles that read funds (none for others)."""
    if not permissions.may_read_funds(user):
        return FundLine.objects.none()
    return FundLine.objects.visible_to(user).select_related("project").order_by("project", "source")


def fund_movement_list(*, user, project: Project | None = None) -> QuerySet:
    """Fund movements of the visible projects, for the roles that read funds (none for others)."""
    if not permissions.may_read_funds(user):
        return FundMovement.objects.none()
    qs = FundMovement.objects.visible_to(user).select_related("fund_line__project", "recorded_by")
    if project is not None:
        qs = qs.filter(fund_line__project=project)
    return qs.order_by("-date", "-pk")


def fund_movement_get(*, user, pk: int) -> FundMovement:
    return get_object_or_404(fund_movement_list(user=user), pk=pk)


def site_list(*, user, project: Project | None = None) -> QuerySet:
    qs = (
        Site.objects.visible_to(user)
        .select_related("project", "division")
        .annotate(controls_done=Count("controls", distinct=True))
    )
    if project is not None:
        qs = qs.filter(project=project)
    return qs.order_by("project", "division__code", "name")


def site_get(*, user, pk: int) -> Site:
    return get_object_or_404(
        site_list(user=user).select_related("project__lead_department", "project__division", "accepted_by"),
        pk=pk,
    )


def site_controls(*, site: Site) -> list[dict]:
    """The six controls of a site in their order, done or not."""
    done = {c.control: c for c in SiteControl.objects.filter(site=site)}
    return [{"control": c, "label": c.label, "record": done.get(c.value)} for c in SiteControl.Control]


def lagging_projects(*, user, today: datetime.date, limit: int = 5) -> dict:
    """The home-page panel: this year's lagging projects the user may see, and how many there
    are (one query: the count rides along as a window over the filtered rows)."""
    qs = project_list(user=user, today=today, year=today.year, lagging=True).annotate(
        lagging_count=Window(Count("pk"))
    )
    rows = list(qs[:limit])
    return {
        "count": rows[0].lagging_count if rows else 0,
        "projects": rows,
        "year": today.year,
        "year_share": year_share(year=today.year, today=today),
    }
