"""Issue 17: the tree above the county. Province and city users read everything below their
prefix and change nothing; their dashboard rolls the counties (cities) up with aggregate
queries grouped by code prefix, flat in the number of counties."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from org.models import Division, Role
from org.tests.factories import UserFactory, city, county, province, township
from projects.models import FundMovement
from projects.tests.factories import FundLineFactory, FundMovementFactory, ProjectFactory
from reports.models import MonthlyReport, Period, Scorecard, ScorecardScheme
from reports.rollup import rollup_dashboard

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)


def _county_with_numbers(parent, code, *, completion, status, planned, received, score):
    """A county with one township: its current October report (completion in the headline),
    one project with one central fund line and a receipt, and a year-end township score."""
    made = county(code, f"{code}县", parent=parent)
    town = township(made, "101", f"{code}镇")
    MonthlyReport.objects.create(
        township=town, month=OCTOBER, status=status, snapshot={"headline": {"completion_rate": completion}}
    )
    project = ProjectFactory(division=made)
    line = FundLineFactory(project=project, source="central", planned=Decimal(planned))
    FundMovementFactory(fund_line=line, kind=FundMovement.Kind.RECEIVED, amount=Decimal(received))
    assessment = ScorecardScheme.objects.create(
        division=made, year=2026, period=Period.YEAR_END, level="township", name=f"{code} 2026"
    )
    Scorecard.objects.create(
        scheme=assessment,
        unit_key=f"division:{town.pk}",
        unit_name=town.name,
        division=town,
        total=score,
        rank=1,
    )
    return made


@pytest.fixture
def anhui(db):
    """安徽省 with two cities: 阜阳市 (two counties with known numbers) and 六安市 (one)."""
    anhui = province("34", "安徽省")
    fuyang = city(anhui, "12", "阜阳市")
    luan = city(anhui, "15", "六安市")
    a = _county_with_numbers(
        fuyang,
        "341226",
        completion="0.4000",
        status="submitted",
        planned="1000.00",
        received="500.00",
        score="80",
    )
    b = _county_with_numbers(
        fuyang,
        "341227",
        completion="0.8000",
        status="accepted",
        planned="3000.00",
        received="1500.00",
        score="90",
    )
    c = _county_with_numbers(
        luan,
        "341522",
        completion="0.6000",
        status="returned",
        planned="2000.00",
        received="2000.00",
        score="70",
    )
    users = {
        role: UserFactory(username=role.value, role=role, division=where)
        for role, where in (
            (Role.PROVINCE_REVIEWER, anhui),
            (Role.PROVINCE_AUDITOR, anhui),
            (Role.CITY_REVIEWER, fuyang),
            (Role.CITY_AUDITOR, fuyang),
        )
    }
    return {"province": anhui, "fuyang": fuyang, "luan": luan, "a": a, "b": b, "c": c, "users": users}


def test_a_city_rolls_up_its_counties(anhui):
    data = rollup_dashboard(user=anhui["users"][Role.CITY_REVIEWER], division=anhui["fuyang"], month=OCTOBER)
    assert [row["division"].code for row in data["rows"]] == ["341226", "341227"]
    total = data["total"]
    assert total["townships"] == 2
    assert total["completion_rate"] == Decimal("0.6000")  # (0.4 + 0.8) / 2
    assert total["fund_totals"]["planned"] == Decimal("4000.00")
    assert total["fund_totals"]["received"] == Decimal("2000.00")
    assert total["fund_totals"]["received_rate"] == Decimal("0.5000")
    assert total["statuses"]["submitted"] == 1 and total["statuses"]["accepted"] == 1
    assert total["score"] == Decimal("85.00")


def test_the_province_row_of_a_city_is_the_sum_of_its_counties(anhui):
    reviewer = anhui["users"][Role.PROVINCE_REVIEWER]
    by_city = {
        row["division"].code: row
        for row in rollup_dashboard(user=reviewer, division=anhui["province"], month=OCTOBER)["rows"]
    }
    assert set(by_city) == {"3412", "3415"}
    counties = rollup_dashboard(user=reviewer, division=anhui["fuyang"], month=OCTOBER)["rows"]
    fuyang = by_city["3412"]
    for key in ("townships", "completion_sum", "completion_count", "score_sum", "score_count"):
        assert fuyang[key] == sum(row[key] for row in counties), key
    for key in ("planned", "received", "allocated", "spent"):
        assert fuyang["fund_totals"][key] == sum(row["fund_totals"][key] for row in counties), key
    assert by_city["3415"]["fund_totals"]["received_rate"] == Decimal("1.0000")
    assert by_city["3415"]["statuses"]["returned"] == 1


def test_province_user_sees_both_cities_counties_and_city_user_only_its_own(client, anhui):
    client.force_login(anhui["users"][Role.PROVINCE_AUDITOR])
    for name in ("a", "b", "c"):
        url = reverse("reports:dashboard") + f"?division={anhui[name].pk}&month=2026-10"
        assert client.get(url).status_code == 200
    page = client.get(reverse("reports:dashboard") + "?month=2026-10")
    assert page.status_code == 200
    assert {row["division"].code for row in page.context["rows"]} == {"3412", "3415"}

    client.force_login(anhui["users"][Role.CITY_REVIEWER])
    page = client.get(reverse("reports:dashboard") + "?month=2026-10")
    assert {row["division"].code for row in page.context["rows"]} == {"341226", "341227"}
    assert f"?division={anhui['a'].pk}&amp;month=2026-10" in page.content.decode()
    assert client.get(reverse("reports:dashboard") + f"?division={anhui['b'].pk}").status_code == 200
    # another city's county, another city, the province above: 404, never the page
    for name in ("c", "luan", "province"):
        response = client.get(reverse("reports:dashboard") + f"?division={anhui[name].pk}")
        assert response.status_code == 404, name
        assert anhui[name].name not in response.content.decode()
        response = client.get(reverse("reports:year-end") + f"?division={anhui[name].pk}&year=2026")
        assert response.status_code == 404, name


def test_a_county_dashboard_opened_from_above_shows_that_county_only(client, anhui):
    client.force_login(anhui["users"][Role.PROVINCE_REVIEWER])
    page = client.get(reverse("reports:dashboard") + f"?division={anhui['a'].pk}&month=2026-10")
    assert [row["township"].code for row in page.context["rows"]] == ["341226101"]


def test_year_end_summary_at_city_and_province_sums_the_counties(client, anhui):
    client.force_login(anhui["users"][Role.PROVINCE_REVIEWER])
    province_page = client.get(reverse("reports:year-end") + "?year=2026")
    assert province_page.status_code == 200
    assert province_page.context["data"]["project_count"] == 3
    assert "may_edit" in province_page.context and not province_page.context["may_edit"]
    city_page = client.get(reverse("reports:year-end") + f"?year=2026&division={anhui['fuyang'].pk}")
    assert city_page.context["division"] == anhui["fuyang"]
    assert city_page.context["data"]["project_count"] == 2
    # the province reviewer writes no summary
    response = client.post(reverse("reports:year-end"), {"year": 2026, "introduction": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.PROVINCE_REVIEWER, Role.CITY_REVIEWER])
def test_users_above_the_county_are_read_only(anhui, role):
    user = anhui["users"][role]
    assert user.is_read_only


def _rollup_queries(client, user):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("reports:dashboard") + "?month=2026-10").status_code == 200
    return len(captured)


def test_rollup_queries_are_flat_in_the_number_of_counties(client, anhui):
    user = anhui["users"][Role.CITY_AUDITOR]
    client.force_login(user)
    _rollup_queries(client, user)  # warm the session
    two = _rollup_queries(client, user)
    for code, completion in (("341228", "0.1000"), ("341229", "0.2000")):
        _county_with_numbers(
            anhui["fuyang"],
            code,
            completion=completion,
            status="draft",
            planned="10.00",
            received="1.00",
            score="60",
        )
    assert Division.objects.filter(level="county", code__startswith="3412").count() == 4
    four = _rollup_queries(client, user)
    assert four == two
