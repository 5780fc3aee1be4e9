"""Test data for reports: a project of the first township with progress and funds, and a
scheme with items."""

import datetime
from decimal import Decimal

from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProgressFactory,
    project_with_targets,
)
from reports.models import ScorecardItem, ScorecardScheme


def township_project(tree, *, division=None, quantity="100", actual="40", planned="100000.00", villages=()):
    """A 2026 project of a township, target ``quantity``, cumulative ``actual`` in October,
    100,000 planned centrally, 80,000 received, 60,000 allocated, 30,000 spent by 2026-10-31."""
    division = division or tree.township
    project, top, children = project_with_targets(
        tree, division=division, quantity=quantity, villages=villages
    )
    leaf = children[0] if children else top
    if actual is not None:
        ProgressFactory(target=leaf, month=datetime.date(2026, 10, 1), actual=Decimal(actual))
    line = FundLineFactory(project=project, source="central", planned=Decimal(planned))
    for kind, amount in (("received", "80000.00"), ("allocated", "60000.00"), ("spent", "30000.00")):
        FundMovementFactory(
            fund_line=line, kind=kind, date=datetime.date(2026, 10, 15), amount=Decimal(amount)
        )
    # After the month: must not count in October's report.
    FundMovementFactory(
        fund_line=line, kind="spent", date=datetime.date(2026, 11, 2), amount=Decimal("1000.00")
    )
    return project


def scheme(division, *, level="township", period="year_end", year=2026, items=None):
    made = ScorecardScheme.objects.create(
        division=division, year=year, period=period, level=level, name=f"{year} {period} {level}"
    )
    for order, (name, source, weight) in enumerate(
        items
        or [("完成率", "completion", "40"), ("到位率", "fund_received", "30"), ("日常检查", "manual", "30")]
    ):
        ScorecardItem.objects.create(
            scheme=made, order=order, name=name, source=source, weight=Decimal(weight)
        )
    return made
