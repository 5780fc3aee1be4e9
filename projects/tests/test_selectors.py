import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from org.models import Role
from projects import selectors
from projects.models import FundMovement
from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProgressFactory,
    ProjectFactory,
    TargetFactory,
    department_of,
    project_with_targets,
)

STAFF, CADRE, REVIEWER = Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE, Role.COUNTY_REVIEWER


@pytest.mark.parametrize(
    ("today", "share"),
    [
        (datetime.date(2026, 1, 1), Decimal("0.0027")),
        (datetime.date(2026, 7, 2), Decimal("0.5014")),
        (datetime.date(2026, 12, 31), Decimal("1.0000")),
        (datetime.date(2025, 12, 31), Decimal("0")),
        (datetime.date(2027, 1, 1), Decimal("1")),
        (datetime.date(2028, 12, 31), Decimal("1")),
    ],
)
def test_year_share(today, share):
    assert selectors.year_share(year=2026 if today.year != 2028 else 2028, today=today) == share


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31)))
def test_year_share_grows_within_zero_and_one(day):
    share = selectors.year_share(year=day.year, today=day)
    following = selectors.year_share(year=day.year, today=day + datetime.timedelta(days=1))
    assert Decimal("0") < share <= Decimal("1")
    assert following >= share or following == Decimal("1")


@pytest.mark.django_db
def test_completion_and_lagging_follow_the_leaves(tree, users, today):
    project, _top, (v1, v2) = project_with_targets(tree, quantity="100")  # 50 + 50
    ProgressFactory(target=v1, month=datetime.date(2026, 3, 1), actual=Decimal("20"))
    ProgressFactory(target=v1, month=datetime.date(2026, 6, 1), actual=Decimal("40"))
    ProgressFactory(target=v2, month=datetime.date(2026, 5, 1), actual=Decimal("5"))
    ProgressFactory(target=v2, month=datetime.date(2026, 8, 1), actual=Decimal("50"))  # after today: ignored
    staff = selectors.project_get(user=users[STAFF], pk=project.pk, today=today)
    assert (staff.actual_total, staff.target_total) == (Decimal("45"), Decimal("100"))
    assert staff.completion_rate == Decimal("0.45") and staff.is_lagging  # 45 % < 50.14 %
    cadre = selectors.project_get(user=users[CADRE], pk=project.pk, today=today)
    assert cadre.completion_rate == Decimal("0.8") and not cadre.is_lagging  # their village: 40 / 50
    assert [p.pk for p in selectors.project_list(user=users[STAFF], today=today, lagging=True)] == [
        project.pk
    ]
    assert list(selectors.project_list(user=users[CADRE], today=today, lagging=True)) == []
    # As of an earlier date the picture is the one of that date.
    march = selectors.project_get(user=users[STAFF], pk=project.pk, today=datetime.date(2026, 3, 31))
    assert march.actual_total == Decimal("20")


@pytest.mark.django_db
def test_a_project_without_targets_is_never_lagging(tree, users, today):
    ProjectFactory(division=tree.township)
    assert list(selectors.project_list(user=users[STAFF], today=today, lagging=True)) == []


@pytest.mark.django_db
def test_county_project_shows_each_township_its_share(tree, users, today):
    project = ProjectFactory(division=tree.county, lead_department=department_of(tree.township))
    county = TargetFactory(project=project, division=tree.county, quantity=Decimal("300"))
    mine = TargetFactory(project=project, division=tree.township, parent=county, quantity=Decimal("100"))
    theirs = TargetFactory(project=project, division=tree.township2, parent=county, quantity=Decimal("200"))
    ProgressFactory(target=mine, month=datetime.date(2026, 6, 1), actual=Decimal("90"))
    ProgressFactory(target=theirs, month=datetime.date(2026, 6, 1), actual=Decimal("30"))
    staff = selectors.project_get(user=users[STAFF], pk=project.pk, today=today)
    assert staff.completion_rate == Decimal("0.9") and not staff.is_lagging
    county_view = selectors.project_get(user=users[REVIEWER], pk=project.pk, today=today)
    assert county_view.completion_rate == Decimal("0.4") and county_view.is_lagging
    targets = {
        t.division_id: t for t in selectors.target_list(user=users[REVIEWER], project=project, today=today)
    }
    assert targets[tree.county.pk].latest_actual == Decimal("120")
    assert {t.division_id for t in selectors.target_list(user=users[STAFF], project=project)} == {
        tree.township.pk
    }


@pytest.mark.django_db
def test_fund_position_at_the_end_of_a_past_month(tree, users, today):
    project = ProjectFactory(division=tree.township)
    line = FundLineFactory(project=project, source="central", planned=Decimal("1000"))
    FundLineFactory(project=project, source="self_raised", planned=Decimal("0"))
    for kind, date, amount in [
        ("received", datetime.date(2026, 2, 10), "600"),
        ("allocated", datetime.date(2026, 2, 20), "500"),
        ("spent", datetime.date(2026, 3, 5), "400"),
        ("received", datetime.date(2026, 4, 1), "500"),
    ]:
        FundMovementFactory(fund_line=line, kind=kind, date=date, amount=Decimal(amount))
    february = selectors.fund_position(user=users[STAFF], project=project, as_of=datetime.date(2026, 2, 28))
    central = february["rows"][0]
    assert (central["received"], central["allocated"], central["spent"]) == (
        Decimal("600"),
        Decimal("500"),
        0,
    )
    assert central["received_rate"] == Decimal("0.6") and central["allocated_rate"] == Decimal("0.8333")
    assert central["spent_rate"] == Decimal("0")
    assert february["rows"][1]["received_rate"] is None  # over a zero plan: "—"
    now = selectors.fund_position(user=users[STAFF], project=project, as_of=today)
    assert now["total"]["received"] == Decimal("1100") and now["total"]["received_rate"] == Decimal("1.1")


@pytest.mark.django_db
def test_list_totals(tree, users, today):
    for planned in ("100", "300"):
        project, _top, _children = project_with_targets(tree)
        line = FundLineFactory(project=project, planned=Decimal(planned))
        FundMovementFactory(fund_line=line, kind=FundMovement.Kind.RECEIVED, amount=Decimal("100"))
    totals = selectors.project_totals(selectors.project_list(user=users[STAFF], today=today))
    assert totals["projects"] == 2 and totals["lagging"] == 2
    assert totals["planned"] == Decimal("400") and totals["received"] == Decimal("200")
    assert totals["received_rate"] == Decimal("0.5") and totals["allocated_rate"] == Decimal("0")
    assert totals["spent_rate"] is None


@pytest.mark.django_db
def test_progress_series_carries_the_latest_figure(tree, users, today):
    project, _top, (v1, v2) = project_with_targets(tree, quantity="100")
    ProgressFactory(target=v1, month=datetime.date(2026, 2, 1), actual=Decimal("10"))
    ProgressFactory(target=v2, month=datetime.date(2026, 4, 1), actual=Decimal("20"))
    series = selectors.progress_series(user=users[STAFF], project=project, today=today)
    assert series["months"] == [f"2026-{m:02d}" for m in range(1, 8)]
    assert series["actual"] == ["0.00", "10.00", "10.00", "30.00", "30.00", "30.00", "30.00"]
    assert series["target"] == "100.00"
