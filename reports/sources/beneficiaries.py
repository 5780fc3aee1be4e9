"""Beneficiaries: the person registry, the month's enrolments and payments, and the callback
coverage item (reads beneficiaries.selectors)."""

from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries import selectors as beneficiary_selectors
from core.money import ZERO
from reports.sources.entries import ItemValue, _col, _s
from reports.sources.projects import _projects
from reports.sources.units import Period, Unit


def section_registry_counts(unit: Unit, period: Period) -> dict:
    viewer = unit.viewer
    persons = beneficiary_selectors.person_list(user=viewer)
    statuses = dict(persons.model._meta.get_field("status").flatchoices)
    by_village: dict[str, dict] = {}
    for village, status, count in (
        persons.order_by()
        .values("village__name", "status")
        .annotate(count=Count("pk"))
        .values_list("village__name", "status", "count")
    ):
        row = by_village.setdefault(village, {"village": village, "total": 0})
        row[status] = row.get(status, 0) + count
        row["total"] += count
    households = dict(
        beneficiary_selectors.household_list(user=viewer)
        .order_by()
        .values("village__name")
        .annotate(count=Count("pk"))
        .values_list("village__name", "count")
    )
    rows = []
    for village in sorted(set(by_village) | set(households)):
        row = by_village.get(village, {"village": village, "total": 0})
        row["households"] = households.get(village, 0)
        rows.append(row)
    totals = {"village": gettext("Total"), "households": sum(r["households"] for r in rows)}
    for key in [*statuses, "total"]:
        totals[key] = sum(r.get(key, 0) for r in rows)
    return {
        "columns": [
            _col("village", _("Village")),
            _col("households", _("Households"), "integer"),
            *[_col(key, label, "integer") for key, label in statuses.items()],
            _col("total", _("Persons"), "integer"),
        ],
        "rows": rows,
        "totals": totals,
        "note": gettext("The person registry at the time the report was made."),
    }


def section_payments(unit: Unit, period: Period) -> dict:
    """Per project of the year: enrolled and active beneficiaries at the end of the month, new
    (paid from this month) and exited this month; the batches reconciled with the bank this
    month with the amounts paid and failed. Two queries."""
    enrolments = beneficiary_selectors.enrolment_month_counts(
        user=unit.viewer, year=period.year, start=period.start, end=period.end
    )
    payments = beneficiary_selectors.payment_month_totals(
        user=unit.viewer, start=period.start, end=period.end
    )
    rows: dict[int, dict] = {}
    empty = {
        "enrolled": 0,
        "active": 0,
        "new": 0,
        "exited": 0,
        "batches": 0,
        "paid": 0,
        "paid_amount": ZERO,
        "failed": 0,
        "failed_amount": ZERO,
    }
    for row in enrolments:
        entry = rows.setdefault(
            row["project_id"], {"code": row["project__code"], "name": row["project__name"], **empty}
        )
        for key in ("enrolled", "active", "new", "exited"):
            entry[key] = row[key]
    for row in payments:
        entry = rows.setdefault(
            row["batch__project_id"],
            {"code": row["batch__project__code"], "name": row["batch__project__name"], **empty},
        )
        entry.update(
            batches=row["batches"],
            paid=row["paid"],
            paid_amount=row["paid_amount"] or ZERO,
            failed=row["failed"],
            failed_amount=row["failed_amount"] or ZERO,
        )
    ordered = sorted(rows.values(), key=lambda r: r["code"])
    totals = {"code": gettext("Total"), "name": ""}
    for key, value in empty.items():
        totals[key] = sum((r[key] for r in ordered), value)
    money = ("paid_amount", "failed_amount")
    for row in [*ordered, totals]:
        for key in money:
            row[key] = _s(row[key])
    return {
        "columns": [
            _col("code", _("Project code")),
            _col("name", _("Project")),
            _col("enrolled", _("Enrolled"), "integer"),
            _col("active", _("Active (paid)"), "integer"),
            _col("new", _("New this month"), "integer"),
            _col("exited", _("Exited this month"), "integer"),
            _col("batches", _("Batches reconciled"), "integer"),
            _col("paid", _("Payments made"), "integer"),
            _col("paid_amount", _("Paid (yuan)"), "money"),
            _col("failed", _("Payments failed"), "integer"),
            _col("failed_amount", _("Failed (yuan)"), "money"),
        ],
        "rows": ordered,
        "totals": totals,
        "note": gettext(
            "Enrolled and active as at the end of the month; new means paid from a date in the month; payments are those of the batches whose bank results were reconciled in the month."
        ),
    }


def _callback_item(unit: Unit, period: Period) -> ItemValue:
    """Active enrolments of the year's projects (a department: the projects it leads) reached
    by a callback by the end of the period, over all of them (a zero denominator: undefined)."""
    project_ids = None
    if unit.department_id is not None:
        project_ids = list(_projects(unit, period).values_list("pk", flat=True))
    result = beneficiary_selectors.callback_coverage_totals(
        user=unit.viewer, year=period.year, until=period.end, project_ids=project_ids
    )
    return ItemValue(
        rate=result["rate"],
        numbers={
            gettext("active beneficiaries"): result["enrolled"],
            gettext("reached by a callback"): result["reached"],
        },
    )
