"""Test data for reports: a project of the first township with progress and funds, and a
scheme with items."""

import datetime
from decimal import Decimal

from django.utils import timezone

from beneficiaries.coverage import month_end
from org.models import Role
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


def township_watch_data(tree, users, count):
    """Rows behind the township dashboard's other panels: payments reconciled today, open
    anomalies, overdue concerns, party members with care, publicity departments."""
    from beneficiaries.models import AnomalyFinding, Payment, PaymentBatch
    from beneficiaries.tests.factories import active_enrolment
    from fieldwork.models import Concern
    from org.models import Department
    from partycare.models import CareCase
    from partycare.tests.factories import branch, member

    today = timezone.localdate()
    staff = users[Role.TOWNSHIP_STAFF]
    party = branch(division=tree.village, name=f"支部{count}")
    for n in range(count):
        project = township_project(tree, division=tree.township)
        enrolment = active_enrolment(project=project, village=tree.village, name=f"受益{n}")
        batch = PaymentBatch.objects.create(
            project=project,
            division=tree.township,
            period_start=today.replace(day=1),
            status="reconciled",
            reconciled_at=timezone.now(),
        )
        Payment.objects.create(
            batch=batch,
            enrolment=enrolment,
            covers_from=today.replace(day=1),
            covers_to=month_end(today),
            amount=100,
            status="paid",
        )
        AnomalyFinding.objects.create(
            rule="paid_after_exit",
            key=f"size{count}-{n}",
            village=tree.village,
            detail="已故仍发放",
            last_seen=timezone.now(),
        )
        Concern.objects.create(
            village=tree.village,
            category="other",
            description="路灯",
            status="dispatched",
            deadline=today - datetime.timedelta(days=3),
            is_overdue=True,
            created_by=staff,
        )
        someone = member(branch=party, name=f"党员{n}")
        CareCase.objects.create(
            member=someone, kind="talk", occurred_on=today, visitors="李明", recorded_by=staff
        )
        Department.objects.create(division=tree.township, name=f"部门{count}-{n}")
