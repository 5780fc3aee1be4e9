"""Publicity: information and activities of the month, the quota item, the survey items and
the survey scores behind the one-vote veto (reads publicity.selectors)."""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import rate
from reports.sources.entries import ItemValue, _col, _module_present
from reports.sources.projects import _projects
from reports.sources.units import Period, Unit


def _publicity_selectors():
    from publicity import selectors

    return selectors


def _local_range(period: Period):
    """The period as aware datetimes in Asia/Shanghai, for timestamp fields."""
    from django.utils import timezone

    start = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(period.end, datetime.time.max))
    return start, end


def section_publicity(unit: Unit, period: Period) -> dict:
    """Information submitted this month by kind (counted: submitted, adopted or published),
    publicity activities held this month by kind, and the units behind on their quotas."""
    publicity = _publicity_selectors()
    viewer = unit.viewer
    submissions = publicity.submission_list(user=viewer)
    counted = submissions.model.COUNTED
    kinds = dict(submissions.model._meta.get_field("kind").flatchoices)
    submitted = dict(
        submissions.filter(status__in=counted, submitted_at__range=_local_range(period))
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    activities = publicity.activity_list(user=viewer).filter(held_on__range=(period.start, period.end))
    activity_kinds = dict(activities.model._meta.get_field("kind").flatchoices)
    held = {
        kind: (n, audience, materials)
        for kind, n, audience, materials in activities.order_by()
        .values("kind")
        .annotate(
            n=Count("pk", distinct=True), audience=Sum("audience_estimate"), materials=Sum("materials_count")
        )
        .values_list("kind", "n", "audience", "materials")
    }
    rows = [
        {"what": gettext("Information: %(kind)s") % {"kind": label}, "count": submitted.get(kind, 0)}
        for kind, label in kinds.items()
    ] + [
        {
            "what": gettext("Activity: %(kind)s") % {"kind": label},
            "count": held.get(kind, (0, 0, 0))[0],
            "audience": held.get(kind, (0, 0, 0))[1] or 0,
            "materials": held.get(kind, (0, 0, 0))[2] or 0,
        }
        for kind, label in activity_kinds.items()
    ]
    behind = [
        row.department.name
        for row in publicity.quota_status(user=viewer, year=period.year, month=period.end.month)
        if row.behind(period.end.month)
    ]
    return {
        "columns": [
            _col("what", _("Publicity")),
            _col("count", _("This month"), "integer"),
            _col("audience", _("Audience (estimate)"), "integer"),
            _col("materials", _("Materials handed out"), "integer"),
        ],
        "rows": rows,
        "note": (
            gettext("Units behind on their information quotas: %(units)s.") % {"units": "、".join(behind)}
            if behind
            else gettext("Every unit is on track with its information quotas.")
        ),
    }


def _unit_survey_rows(unit: Unit, period: Period) -> list[dict]:
    """The unit's survey counts per project for the year (a department: the projects it leads)."""
    rows = _publicity_selectors().survey_rates(user=unit.viewer, year=period.year, by="project")
    if unit.department_id is not None:
        led = set(_projects(unit, period).values_list("pk", flat=True))
        rows = [r for r in rows if r["survey__project_id"] in led]
    return rows


def _survey_item(count_key: str, label):
    def build(unit: Unit, period: Period) -> ItemValue:
        rows = _unit_survey_rows(unit, period)
        responses = sum(r["response_count"] for r in rows)
        hits = sum(r[count_key] for r in rows)
        return ItemValue(
            rate=rate(hits, responses),
            numbers={
                gettext("survey responses"): responses,
                str(label): hits,
                gettext("projects surveyed"): len(rows),
            },
        )

    build.__name__ = f"item_{count_key}"
    return build


def _quota_item(unit: Unit, period: Period) -> "ItemValue":
    """Σ min(done, due) / Σ due over the yearly quota lines of the unit's departments, due by the
    end of the period (monthly texts: months elapsed; yearly quotas: whole year)."""
    rows = _publicity_selectors().quota_status(user=unit.viewer, year=period.year, month=period.end.month)
    if unit.department_id is not None:
        rows = [r for r in rows if r.department.pk == unit.department_id]
    due = sum(line.year_due for row in rows for line in row.lines)
    done = sum(min(line.year_done, line.year_due) for row in rows for line in row.lines)
    return ItemValue(
        rate=rate(done, due),
        numbers={
            gettext("pieces due"): due,
            gettext("pieces done (up to what is due)"): done,
            gettext("units"): len(rows),
        },
    )


# The one-vote veto needs each unit's projects' survey scores: (unit key, project name, score).
# The publicity app's surveys provide them once they land; until then there is nothing to rank.
def survey_available() -> bool:
    """Whether the one-vote veto can be checked (the publicity app's surveys have landed)."""
    return _module_present("publicity.selectors")


def survey_scores(units: list[Unit], period: Period) -> list[tuple[str, str, Decimal]] | None:
    """(unit key, project name, satisfaction %) for every project of every unit with survey
    responses this year; None when surveys are not available (the veto is then not checked,
    and the scorecard says so)."""
    if not survey_available():
        return None
    scores = []
    for unit in units:
        for row in _unit_survey_rows(unit, period):
            if row["response_count"] and row["satisfaction_rate"] is not None:
                scores.append((unit.key, row["survey__project__name"], row["satisfaction_rate"] * 100))
    return scores
