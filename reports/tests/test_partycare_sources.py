"""The party care sources (landed with main): the report's care section and the care-coverage
item, hand-computed."""

import datetime
from decimal import Decimal

import pytest

from org.models import Role
from org.scoping import Scope
from partycare.models import CareCase
from partycare.tests.factories import branch, member
from reports import services
from reports.models import Scorecard
from reports.tests.factories import scheme

SYSTEM = Scope.system("test data")

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(tree, users):
    east = branch(division=tree.village, name="东庄村党支部")
    west = branch(division=tree.village2, name="西湖村党支部")
    a, b, _c = (member(branch=east, name=n) for n in ("甲", "乙", "丙"))
    d = member(branch=west, name="丁")
    member(branch=west, name="戊", status="deceased", status_on=datetime.date(2026, 1, 1))  # not active
    staff = users[Role.TOWNSHIP_STAFF]
    for who, day, money in (
        (a, datetime.date(2026, 10, 3), "200"),
        (a, datetime.date(2026, 2, 1), "0"),
        (b, datetime.date(2026, 10, 20), "100"),
    ):
        CareCase.objects.create(
            member=who,
            kind="sick_visit",
            occurred_on=day,
            visitors="李明",
            money=Decimal(money),
            recorded_by=staff,
        )
    CareCase.objects.create(
        member=d, kind="talk", occurred_on=datetime.date(2026, 11, 2), visitors="李明", recorded_by=staff
    )
    return east, west


def test_care_section_of_october(tree, members):
    report = services.monthly_report_generate(
        user=SYSTEM, township_id=tree.township.pk, month=datetime.date(2026, 10, 1)
    )
    care = next(s for s in report.sections if s["key"] == "care")
    assert care["available"] is True
    sick = next(r for r in care["rows"] if r["count"])
    assert (sick["count"], sick["members"], sick["money"]) == (2, 2, "300.00")
    # 甲 and 乙 of 4 active members had care by 31 October (丁's talk is in November)
    assert "2 of 4" in care["note"] and "50.00%" in care["note"]


def test_care_coverage_item_by_branch(tree, users, members):
    made = scheme(tree.township, level="branch", items=[("关怀覆盖率", "care_coverage", "100")])
    services.scorecard_compute(user=users[Role.TOWNSHIP_STAFF], scheme_id=made.pk)
    east = Scorecard.objects.get(unit_name="东庄村党支部")
    west = Scorecard.objects.get(unit_name="西湖村党支部")
    # year-end scheme computed today (after November): east 2/3, west 1/1
    assert east.total == Decimal("66.67")
    assert west.total == Decimal("100.00")
    assert (west.rank, east.rank) == (1, 2)
