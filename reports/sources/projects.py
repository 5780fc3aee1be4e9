"""Projects: targets, progress and completion, funds by source, the dashboard headline, and
the scorecard items on completion and the three fund rates (reads projects.selectors)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import ZERO, rate
from projects import selectors as project_selectors
from reports.sources.entries import ItemValue, _col, _s
from reports.sources.units import Period, Unit

ONE = Decimal("1")


def _projects(unit: Unit, period: Period):
    return project_selectors.project_list(
        user=unit.viewer, today=period.end, year=period.year, department=unit.department_id
    )


def average_completion(projects) -> dict:
    """Mean over projects with a target of min(actual / target, 100 %); None when no project has
    a target (a defined result, not a division by zero)."""
    rates = []
    for project in projects:
        value = rate(project.actual_total, project.target_total)
        if value is not None:
            rates.append(min(value, ONE))
    mean = None
    if rates:
        mean = (sum(rates, Decimal(0)) / len(rates)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return {"projects": len(projects), "with_target": len(rates), "rate": mean}


def fund_totals(unit: Unit, period: Period) -> dict:
    """Planned, received, allocated and spent over the unit's projects of the year at the end of
    the period, with the three rates (one query)."""
    qs = _projects(unit, period)
    totals = project_selectors.project_totals(qs)
    return totals


def section_projects(unit: Unit, period: Period) -> dict:
    projects = list(_projects(unit, period))
    rows = []
    for project in projects:
        rows.append(
            {
                "project_id": project.pk,
                "code": project.code,
                "name": project.name,
                "category": project.get_category_display(),
                "owner": project.division.name,
                "target": _s(project.target_total),
                "actual": _s(project.actual_total),
                "completion": _s(rate(project.actual_total, project.target_total)),
                "lagging": gettext("lagging") if project.is_lagging else "",
            }
        )
    average = average_completion(projects)
    return {
        "columns": [
            _col("code", _("Project code")),
            _col("name", _("Project")),
            _col("category", _("Category")),
            _col("owner", _("Owner")),
            _col("target", _("Target"), "quantity"),
            _col("actual", _("Cumulative actual"), "quantity"),
            _col("completion", _("Completion rate"), "percent"),
            _col("lagging", _("Lagging")),
        ],
        "rows": rows,
        "totals": {
            "code": gettext("Total"),
            "name": gettext("%(count)d projects, %(lagging)d lagging")
            % {"count": len(projects), "lagging": sum(1 for p in projects if p.is_lagging)},
            "completion": _s(average["rate"]),
        },
        "note": gettext(
            "Targets and actuals are over this township's share; the total completion is the mean over projects with a target, each capped at 100%."
        ),
    }


def section_funds(unit: Unit, period: Period) -> dict:
    viewer = unit.viewer
    lines = project_selectors.fund_line_list(user=viewer).filter(project__year=period.year)
    labels = dict(lines.model._meta.get_field("source").flatchoices)
    sums = {
        source: {"planned": ZERO, "received": ZERO, "allocated": ZERO, "spent": ZERO} for source in labels
    }
    for source, planned in (
        lines.order_by().values("source").annotate(total=Sum("planned")).values_list("source", "total")
    ):
        sums[source]["planned"] += planned or ZERO
    movements = (
        project_selectors.fund_movement_list(user=viewer)
        .filter(fund_line__project__year=period.year, date__lte=period.end)
        .order_by()
        .values("fund_line__source", "kind")
        .annotate(total=Sum("amount"))
        .values_list("fund_line__source", "kind", "total")
    )
    for source, kind, total in movements:
        sums[source][kind] += total or ZERO
    rows, grand = [], {"planned": ZERO, "received": ZERO, "allocated": ZERO, "spent": ZERO}
    for source, label in labels.items():
        values = sums[source]
        for key in grand:
            grand[key] += values[key]
        rows.append(_fund_row(values, source=source, label=str(label)))
    return {
        "columns": [
            _col("label", _("Fund source")),
            _col("planned", _("Planned"), "money"),
            _col("received", _("Received"), "money"),
            _col("allocated", _("Allocated"), "money"),
            _col("spent", _("Spent"), "money"),
            _col("received_rate", _("Received rate"), "percent"),
            _col("allocated_rate", _("Allocated rate"), "percent"),
            _col("spent_rate", _("Spending rate"), "percent"),
        ],
        "rows": rows,
        "totals": _fund_row(grand, source="", label=gettext("Total")),
        "note": gettext(
            "Yuan, at the end of the month, over the projects this township takes part in (a county-wide project counts with its whole funds)."
        ),
    }


def _fund_row(values: dict, *, source: str, label: str) -> dict:
    return {
        "source": source,
        "label": label,
        **{key: _s(value) for key, value in values.items()},
        "received_rate": _s(rate(values["received"], values["planned"])),
        "allocated_rate": _s(rate(values["allocated"], values["received"])),
        "spent_rate": _s(rate(values["spent"], values["allocated"])),
    }


def headline(unit: Unit, period: Period) -> dict:
    """The few numbers the county dashboard compares across townships (two queries)."""
    projects = list(_projects(unit, period))
    completion = average_completion(projects)
    funds = project_selectors.project_totals(_projects(unit, period))
    return {
        "projects": len(projects),
        "lagging": sum(1 for p in projects if p.is_lagging),
        "completion_rate": _s(completion["rate"]),
        "received_rate": _s(funds["received_rate"]),
        "allocated_rate": _s(funds["allocated_rate"]),
        "spent_rate": _s(funds["spent_rate"]),
    }


def item_completion(unit: Unit, period: Period) -> ItemValue:
    result = average_completion(list(_projects(unit, period)))
    return ItemValue(
        rate=result["rate"],
        numbers={
            gettext("projects"): result["projects"],
            gettext("projects with a target"): result["with_target"],
            gettext("mean completion (capped at 100%)"): _s(result["rate"]),
        },
    )


def _fund_item(numerator: str, denominator: str, rate_key: str):
    def build(unit: Unit, period: Period) -> ItemValue:
        totals = fund_totals(unit, period)
        return ItemValue(
            rate=totals[rate_key],
            numbers={
                str(FUND_LABELS[numerator]): _s(totals[numerator]),
                str(FUND_LABELS[denominator]): _s(totals[denominator]),
            },
        )

    build.__name__ = f"item_{rate_key}"
    return build


FUND_LABELS = {
    "planned": _("planned (yuan)"),
    "received": _("received (yuan)"),
    "allocated": _("allocated (yuan)"),
    "spent": _("spent (yuan)"),
}
