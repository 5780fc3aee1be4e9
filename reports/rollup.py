"""The roll-up dashboard of a city (its counties side by side) or a province (its cities).

Every figure is a sum the parent can add again: the number of townships, the monthly reports
per status, the sum and count of the townships' completion rates (their reports' headline),
the funds per source (planned, received, allocated, spent), and the sum and count of the
townships' scores. A province's row for a city is therefore the sum of that city's counties.

Each figure comes from one aggregate query grouped by the code prefix of the child level
(``Substr(code, 1, n)``), so the page makes the same few queries whether a city has two
counties or twenty (tests/… assert it).
"""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, Sum
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext

from core.money import ZERO, rate
from org.models import CODE_LENGTHS, Division
from projects import selectors as project_selectors
from reports.models import MonthlyReport, Period, Scorecard, UnitLevel
from reports.services import submission_deadline

#: the level shown as rows for each level that has a roll-up
CHILD_LEVEL = {Division.Level.PROVINCE: Division.Level.CITY, Division.Level.CITY: Division.Level.COUNTY}
FUND_KEYS = ("planned", "received", "allocated", "spent")
MISSING = "missing"


def _rates(values: dict) -> dict:
    return {
        "received_rate": rate(values["received"], values["planned"]),
        "allocated_rate": rate(values["allocated"], values["received"]),
        "spent_rate": rate(values["spent"], values["allocated"]),
    }


def _empty_row(division) -> dict:
    return {
        "division": division,
        "townships": 0,
        "statuses": {},
        "completion_sum": ZERO,
        "completion_count": 0,
        "funds": {},
        "score_sum": ZERO,
        "score_count": 0,
    }


def _finish(row: dict, sources: dict) -> dict:
    reported = sum(count for status, count in row["statuses"].items() if status != MISSING)
    row["statuses"][MISSING] = max(row["townships"] - reported, 0)
    row["completion_rate"] = (
        (row["completion_sum"] / row["completion_count"]).quantize(Decimal("0.0001"))
        if row["completion_count"]
        else None
    )
    row["score"] = (
        (row["score_sum"] / row["score_count"]).quantize(Decimal("0.01")) if row["score_count"] else None
    )
    totals = {key: sum((row["funds"].get(s, {}).get(key, ZERO) for s in sources), ZERO) for key in FUND_KEYS}
    row["fund_totals"] = {**totals, **_rates(totals)}
    row["by_source"] = []
    for source, label in sources.items():
        values = {key: row["funds"].get(source, {}).get(key, ZERO) for key in FUND_KEYS}
        row["by_source"].append({"source": source, "label": label, **values, **_rates(values)})
    return row


def rollup_dashboard(*, user, division: Division, month: datetime.date) -> dict:
    """The children of ``division`` (a city's counties, a province's cities) in ``user``'s scope,
    with their figures for ``month`` and a total row. Seven queries whatever the size."""
    child_level = CHILD_LEVEL[Division.Level(division.level)]
    n = CODE_LENGTHS[child_level]
    below = division.code
    children = list(
        Division.objects.visible_to(user)
        .filter(level=child_level, code__startswith=below, is_active=True)
        .order_by("code")
    )
    rows = {child.code: _empty_row(child) for child in children}

    def add(prefix, key, value):
        if prefix in rows:
            rows[prefix][key] += value or 0

    # 1. townships per child
    for prefix, count in (
        Division.objects.visible_to(user)
        .filter(level=Division.Level.TOWNSHIP, is_active=True, code__startswith=below)
        .annotate(prefix=Substr("code", 1, n))
        .order_by()
        .values("prefix")
        .annotate(count=Count("pk"))
        .values_list("prefix", "count")
    ):
        add(prefix, "townships", count)

    # 2. current monthly reports per status, with the sum and count of their completion rates
    completion = Cast(
        KeyTextTransform("completion_rate", KeyTransform("headline", "snapshot")),
        DecimalField(max_digits=12, decimal_places=4),
    )
    for prefix, status, count, completion_sum, completion_count in (
        MonthlyReport.objects.visible_to(user)
        .filter(month=month, is_current=True, township__code__startswith=below)
        .annotate(prefix=Substr("township__code", 1, n), completion=completion)
        .order_by()
        .values("prefix", "status")
        .annotate(count=Count("pk"), completion_sum=Sum("completion"), completion_count=Count("completion"))
        .values_list("prefix", "status", "count", "completion_sum", "completion_count")
    ):
        if prefix in rows:
            rows[prefix]["statuses"][status] = rows[prefix]["statuses"].get(status, 0) + count
            add(prefix, "completion_sum", completion_sum)
            add(prefix, "completion_count", completion_count)

    # 3 and 4. funds of the year's projects per child and source, movements up to the month's end
    lines = project_selectors.fund_line_list(user=user)
    sources = dict(lines.model._meta.get_field("source").flatchoices)
    month_end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )

    def fund(prefix, source, key, value):
        if prefix in rows:
            funds = rows[prefix]["funds"].setdefault(source, dict.fromkeys(FUND_KEYS, ZERO))
            funds[key] += value or ZERO

    for prefix, source, total in (
        lines.filter(project__year=month.year, project__division__code__startswith=below)
        .annotate(prefix=Substr("project__division__code", 1, n))
        .order_by()
        .values("prefix", "source")
        .annotate(total=Sum("planned"))
        .values_list("prefix", "source", "total")
    ):
        fund(prefix, source, "planned", total)
    for prefix, source, kind, total in (
        project_selectors.fund_movement_list(user=user)
        .filter(
            fund_line__project__year=month.year,
            fund_line__project__division__code__startswith=below,
            date__lte=month_end,
        )
        .annotate(prefix=Substr("fund_line__project__division__code", 1, n))
        .order_by()
        .values("prefix", "fund_line__source", "kind")
        .annotate(total=Sum("amount"))
        .values_list("prefix", "fund_line__source", "kind", "total")
    ):
        fund(prefix, source, kind, total)

    # 5. the townships' scores of the year: the year-end assessment where there is one, else mid-year
    scores: dict = {}
    for prefix, period, total, count in (
        Scorecard.objects.visible_to(user)
        .filter(
            scheme__level=UnitLevel.TOWNSHIP,
            scheme__year=month.year,
            division__code__startswith=below,
            total__isnull=False,
        )
        .annotate(prefix=Substr("division__code", 1, n))
        .order_by()
        .values("prefix", "scheme__period")
        .annotate(total=Sum("total"), count=Count("pk"))
        .values_list("prefix", "scheme__period", "total", "count")
    ):
        scores.setdefault(prefix, {})[period] = (total, count)
    for prefix, by_period in scores.items():
        total, count = by_period.get(Period.YEAR_END) or by_period[Period.MID_YEAR]
        add(prefix, "score_sum", total)
        add(prefix, "score_count", count)

    total_row = _empty_row(division)
    for row in rows.values():
        for key in ("townships", "completion_sum", "completion_count", "score_sum", "score_count"):
            total_row[key] += row[key]
        for status, count in row["statuses"].items():
            total_row["statuses"][status] = total_row["statuses"].get(status, 0) + count
        for source, values in row["funds"].items():
            target = total_row["funds"].setdefault(source, dict.fromkeys(FUND_KEYS, ZERO))
            for key in FUND_KEYS:
                target[key] += values[key]
    finished = [_finish(row, sources) for row in rows.values()]
    total_row = _finish(total_row, sources)
    labels = dict(MonthlyReport.Status.choices)
    status_columns = [(status, labels[status]) for status in MonthlyReport.Status.values] + [
        (MISSING, gettext("no report"))
    ]
    for row in [*finished, total_row]:
        row["status_counts"] = [row["statuses"].get(status, 0) for status, _label in status_columns]
    return {
        "division": division,
        "child_level": child_level,
        "month": month,
        "deadline": submission_deadline(month),
        "rows": finished,
        "total": total_row,
        "sources": sources,
        "status_columns": status_columns,
        "chart": {
            "townships": [r["division"].name for r in finished],
            "completion": [r["completion_rate"] for r in finished],
            "received": [r["fund_totals"]["received_rate"] for r in finished],
            "allocated": [r["fund_totals"]["allocated_rate"] for r in finished],
            "spent": [r["fund_totals"]["spent_rate"] for r in finished],
        },
    }
