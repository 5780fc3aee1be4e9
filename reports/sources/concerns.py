"""Residents' concerns: collected, resolved and overdue per village, and the resolved-on-time
item (reads fieldwork.selectors)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.sources.entries import ItemValue, _col
from reports.sources.units import Period, Unit


def _fieldwork_selectors():
    from fieldwork import selectors

    return selectors


def section_concerns(unit: Unit, period: Period) -> dict:
    """Per village: concerns collected, resolved (and of those, by their deadline) in the
    month, and overdue at its end. One query."""
    counts = _fieldwork_selectors().concern_month_counts(user=unit.viewer, start=period.start, end=period.end)
    rows = [
        {
            "village": row["village__name"],
            "opened": row["opened"],
            "resolved": row["resolved"],
            "on_time": row["on_time"],
            "overdue": row["overdue"],
        }
        for row in counts
    ]
    totals = {"village": gettext("Total")}
    for key in ("opened", "resolved", "on_time", "overdue"):
        totals[key] = sum(r[key] for r in rows)
    return {
        "columns": [
            _col("village", _("Village")),
            _col("opened", _("Collected this month"), "integer"),
            _col("resolved", _("Resolved this month"), "integer"),
            _col("on_time", _("Of which by the deadline"), "integer"),
            _col("overdue", _("Overdue at the month end"), "integer"),
        ],
        "rows": rows,
        "totals": totals,
        "note": gettext(
            "A concern is overdue when its deadline passed (the deadline day itself is in time) and it was not resolved by the end of the month."
        ),
    }


def _concerns_item(unit: Unit, period: Period) -> ItemValue:
    """Concerns with a deadline that fell due in the period or were resolved in it (a
    department: those dispatched to it), resolved on or before their deadline."""
    result = _fieldwork_selectors().concern_deadline_totals(
        user=unit.viewer, start=period.start, end=period.end, department_id=unit.department_id
    )
    return ItemValue(
        rate=result["rate"],
        numbers={
            gettext("concerns due or resolved"): result["due"],
            gettext("resolved by the deadline"): result["on_time"],
        },
    )
