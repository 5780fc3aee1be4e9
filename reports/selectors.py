"""Reads of the reports app, always through the user's scope (outside → 404).

Dashboards make a fixed number of queries whatever the data size: the county compares
townships from their current monthly reports' headline numbers (one query) and the latest
scorecards (one query); the township and village pages read the projects app's selectors,
each one query.
"""

import datetime

from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.fields.json import KeyTransform
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from core.money import ZERO, rate
from org.models import AccessLog, Division, Role
from org.roles import OFFICE, has_role
from projects import selectors as project_selectors
from reports.models import MonthlyReport, Scorecard, ScorecardScheme, ScoreLine, UnitLevel, YearEndSummary
from reports.services import submission_deadline


def monthly_report_list(
    *,
    user,
    township_id: int | None = None,
    month: datetime.date | None = None,
    status: str | None = None,
    current_only: bool = True,
):
    qs = MonthlyReport.objects.visible_to(user).select_related("township").defer("snapshot")
    if current_only:
        qs = qs.filter(is_current=True)
    if township_id:
        qs = qs.filter(township_id=township_id)
    if month:
        qs = qs.filter(month=month)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-month", "township__code", "-version")


def monthly_report_detail_list(*, user):
    """Every version in scope, with its snapshot (the API's detail)."""
    return (
        MonthlyReport.objects.visible_to(user)
        .select_related("township")
        .order_by("-month", "township__code", "-version")
    )


def scorecard_api_list(*, user):
    """Every computed scorecard in scope with its scheme and its lines (two queries a page)."""
    return (
        Scorecard.objects.visible_to(user)
        .select_related("scheme")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ScoreLine.objects.visible_to(user)
                .select_related("item")
                .order_by("item__order", "item__pk"),
            )
        )
        .order_by("-scheme__year", "scheme_id", "rank", "unit_name", "pk")
    )


def monthly_report_get(*, user, pk: int) -> MonthlyReport:
    return get_object_or_404(
        MonthlyReport.objects.visible_to(user).select_related(
            "township", "prepared_by", "approved_by", "reviewed_by", "generated_by"
        ),
        pk=pk,
    )


def monthly_report_versions(*, user, report: MonthlyReport):
    """Every version of the report's township-month, newest first."""
    return (
        MonthlyReport.objects.visible_to(user)
        .filter(township_id=report.township_id, month=report.month)
        .defer("snapshot")
        .order_by("-version")
    )


def _latest_scorecards(*, user, level: str):
    """The scorecards of the latest computed scheme of ``level`` the user may see (one query
    for the scheme, one for the cards)."""
    scheme = (
        ScorecardScheme.objects.visible_to(user)
        .filter(level=level, scorecards__isnull=False)
        .order_by("-year", "-period")
        .distinct()
        .first()
    )
    if scheme is None:
        # Townships see their own cards under the county's scheme.
        scheme_ids = Scorecard.objects.visible_to(user).filter(scheme__level=level).values("scheme")
        scheme = ScorecardScheme.objects.filter(pk__in=scheme_ids).order_by("-year", "-period").first()
    return scheme


def county_dashboard(*, user, month: datetime.date) -> dict:
    """Townships side by side for ``month``: their current report's headline numbers and status,
    late flags, and the latest township scorecards. Four queries whatever the number of
    townships, projects or reports."""
    townships = list(
        Division.objects.visible_to(user)
        .filter(level=Division.Level.TOWNSHIP, is_active=True)
        .order_by("code")
    )
    # Only the headline numbers of each snapshot are read, not the whole JSON.
    current = (
        MonthlyReport.objects.visible_to(user)
        .filter(month=month, is_current=True)
        .defer("snapshot")
        .annotate(headline_numbers=KeyTransform("headline", "snapshot"))
    )
    reports = {r.township_id: r for r in current}
    scheme = _latest_scorecards(user=user, level=UnitLevel.TOWNSHIP)
    cards = {}
    if scheme is not None:
        cards = {c.division_id: c for c in Scorecard.objects.visible_to(user).filter(scheme=scheme)}
    deadline = submission_deadline(month)
    rows = []
    for township in townships:
        report = reports.get(township.pk)
        headline = (report.headline_numbers or {}) if report else {}
        rows.append(
            {"township": township, "report": report, "headline": headline, "card": cards.get(township.pk)}
        )
    chart = {
        "townships": [r["township"].name for r in rows],
        "completion": [r["headline"].get("completion_rate") for r in rows],
        "received": [r["headline"].get("received_rate") for r in rows],
        "allocated": [r["headline"].get("allocated_rate") for r in rows],
        "spent": [r["headline"].get("spent_rate") for r in rows],
    }
    labels = dict(MonthlyReport.Status.choices)
    status_counts: dict = {}
    for row in rows:
        key = row["report"].status if row["report"] else "missing"
        status_counts[key] = status_counts.get(key, 0) + 1
    statuses = [
        {"status": key, "label": labels.get(key) or gettext("no report"), "count": count}
        for key, count in status_counts.items()
    ]
    return {
        "month": month,
        "deadline": deadline,
        "rows": rows,
        "chart": chart,
        "scheme": scheme,
        "statuses": statuses,
        "late": sum(1 for r in rows if r["report"] and r["report"].is_late),
    }


def fund_rates_by_source(*, user, year: int, as_of: datetime.date) -> dict:
    """Funds of the year's projects the user sees, per source, at ``as_of`` (two queries)."""
    lines = project_selectors.fund_line_list(user=user).filter(project__year=year)
    labels = dict(lines.model._meta.get_field("source").flatchoices)
    sums = {s: {"planned": ZERO, "received": ZERO, "allocated": ZERO, "spent": ZERO} for s in labels}
    for source, total in (
        lines.order_by().values("source").annotate(total=Sum("planned")).values_list("source", "total")
    ):
        sums[source]["planned"] += total or ZERO
    for source, kind, total in (
        project_selectors.fund_movement_list(user=user)
        .filter(fund_line__project__year=year, date__lte=as_of)
        .order_by()
        .values("fund_line__source", "kind")
        .annotate(total=Sum("amount"))
        .values_list("fund_line__source", "kind", "total")
    ):
        sums[source][kind] += total or ZERO
    rows = []
    for source, label in labels.items():
        values = sums[source]
        rows.append(
            {
                "source": source,
                "label": label,
                **values,
                "received_rate": rate(values["received"], values["planned"]),
                "allocated_rate": rate(values["allocated"], values["received"]),
                "spent_rate": rate(values["spent"], values["allocated"]),
            }
        )
        rows[-1]["rates"] = [rows[-1]["received_rate"], rows[-1]["allocated_rate"], rows[-1]["spent_rate"]]
    return {"rows": rows, "as_of": as_of}


def payments_this_month(*, user, today: datetime.date) -> dict:
    """The batches reconciled with the bank since the 1st, with the payments paid and failed
    (one query)."""
    from beneficiaries import selectors as beneficiary_selectors

    rows = beneficiary_selectors.payment_month_totals(user=user, start=today.replace(day=1), end=today)
    return {
        "batches": sum(r["batches"] for r in rows),
        "paid": sum(r["paid"] for r in rows),
        "paid_amount": sum((r["paid_amount"] or ZERO for r in rows), ZERO),
        "failed": sum(r["failed"] for r in rows),
        "failed_amount": sum((r["failed_amount"] or ZERO for r in rows), ZERO),
        "projects": rows,
    }


def township_watch(*, user, today: datetime.date) -> dict:
    """The township dashboard's other panels, each through its app's selector: payments this
    month (one query), open anomalies (one), overdue concerns (one), care coverage this year
    (one) and the publicity quotas (three)."""
    from beneficiaries import selectors as beneficiary_selectors
    from fieldwork import selectors as fieldwork_selectors
    from partycare import selectors as care_selectors
    from publicity import selectors as publicity_selectors

    quotas = publicity_selectors.quota_status(user=user, year=today.year, month=today.month)
    behind = []
    for row in quotas:
        missing = row.behind(today.month)
        if missing:
            behind.append({"department": row.department, "missing": sum(m["missing"] for m in missing)})
    return {
        "payments": payments_this_month(user=user, today=today),
        "open_anomalies": beneficiary_selectors.anomaly_list(user=user, status="open").count(),
        "overdue_concerns": fieldwork_selectors.concern_list(user=user, overdue=True).count(),
        "care": care_selectors.care_coverage_totals(
            user=user, start=datetime.date(today.year, 1, 1), end=today
        ),
        "quotas": {"units": len(quotas), "behind": behind, "month": today.month},
    }


def township_dashboard(*, user, today: datetime.date) -> dict:
    """Projects lagging, fund rates by source, payments this month, open anomalies, overdue
    concerns, care coverage, publicity quotas, the monthly reports and the township's
    scorecards. Thirteen queries whatever the data size."""
    lagging = project_selectors.lagging_projects(user=user, today=today, limit=10)
    funds = fund_rates_by_source(user=user, year=today.year, as_of=today)
    reports = list(monthly_report_list(user=user)[:6])
    cards = list(
        Scorecard.objects.visible_to(user)
        .filter(scheme__level=UnitLevel.TOWNSHIP)
        .select_related("scheme")
        .order_by("-scheme__year", "-scheme__period")[:4]
    )
    return {
        "lagging": lagging,
        "funds": funds,
        "reports": reports,
        "cards": cards,
        **township_watch(user=user, today=today),
        "chart": {
            "sources": [str(r["label"]) for r in funds["rows"]],
            "received": [_fraction(r["received_rate"]) for r in funds["rows"]],
            "allocated": [_fraction(r["allocated_rate"]) for r in funds["rows"]],
            "spent": [_fraction(r["spent_rate"]) for r in funds["rows"]],
        },
    }


def village_dashboard(*, user, today: datetime.date) -> dict:
    """A village cadre's lists: this year's projects in their village with completion, and the
    registry's counts. Two queries."""
    projects = list(project_selectors.project_list(user=user, today=today, year=today.year)[:50])
    from beneficiaries import selectors as beneficiary_selectors

    persons = beneficiary_selectors.person_list(user=user).aggregate(
        total=Count("pk"), living=Count("pk", filter=Q(status="living"))
    )
    return {"projects": projects, "persons": persons}


def _fraction(value):
    return None if value is None else str(value)


def scheme_list(*, user):
    return (
        ScorecardScheme.objects.visible_to(user)
        .select_related("division")
        .annotate(item_count=Count("items", distinct=True), card_count=Count("scorecards", distinct=True))
        .order_by("-year", "division__code", "period", "level")
    )


def scheme_get(*, user, pk: int) -> ScorecardScheme:
    """A scheme the user may see: the assessing division's users see it; a township sees the
    county's township scheme as well (its own card in it)."""
    own = ScorecardScheme.objects.visible_to(user)
    carded = Scorecard.objects.visible_to(user).values("scheme")
    return get_object_or_404(
        ScorecardScheme.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=carded)).select_related(
            "division"
        ),
        pk=pk,
    )


def scorecard_list(*, user, scheme: ScorecardScheme):
    """The ranking: the cards the user may see with their lines and items (two queries)."""
    return (
        Scorecard.objects.visible_to(user)
        .filter(scheme=scheme)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ScoreLine.objects.visible_to(user)
                .select_related("item")
                .order_by("item__order", "item__pk"),
            )
        )
        .order_by("rank", "unit_name")
    )


def may_compute(user, scheme: ScorecardScheme) -> bool:
    if scheme.level == UnitLevel.TOWNSHIP:
        return has_role(user, Role.COUNTY_REVIEWER)
    return has_role(user, *OFFICE)


def access_log_list(*, user, action: str | None = None):
    """Downloads and unmasked views in the user's scope, newest first (auditors' reading)."""
    qs = AccessLog.objects.visible_to(user).select_related("user", "requested_by", "division")
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-at")


def year_end_summary_get(*, user, division: Division, year: int) -> YearEndSummary | None:
    return YearEndSummary.objects.visible_to(user).filter(division=division, year=year).first()
