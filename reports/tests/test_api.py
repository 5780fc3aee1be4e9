"""The read-only reports API: scope, the snapshot on the detail, scorecards with their reasons,
no writes, filters, fixed query counts, and the schema."""

import datetime

import pytest
from rest_framework.test import APIClient

from org.models import Role
from org.scoping import Scope
from reports import services
from reports.models import MonthlyReport
from reports.tests.factories import scheme, township_project

SYSTEM = Scope.system("test data")

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)
REPORTS, CARDS = "/api/v1/reports/monthly/", "/api/v1/reports/scorecards/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def made(tree, users):
    township_project(tree)
    township_project(tree, division=tree.township2)
    mine = services.monthly_report_generate(user=SYSTEM, township_id=tree.township.pk, month=OCTOBER)
    other = services.monthly_report_generate(user=SYSTEM, township_id=tree.township2.pk, month=OCTOBER)
    card_scheme = scheme(tree.county)
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=card_scheme.pk)
    return {"mine": mine, "other": other, "scheme": card_scheme}


def test_a_township_reads_only_its_own_reports(users, made):
    staff = api(users[Role.TOWNSHIP_STAFF])
    listed = staff.get(REPORTS).json()
    assert [r["id"] for r in listed["results"]] == [made["mine"].pk]
    assert "snapshot" not in listed["results"][0]
    assert staff.get(f"{REPORTS}{made['other'].pk}/").status_code == 404
    detail = staff.get(f"{REPORTS}{made['mine'].pk}/").json()
    assert detail["snapshot"]["headline"]["completion_rate"] == "0.4000"
    assert [s["key"] for s in detail["snapshot"]["sections"]][:2] == ["projects", "funds"]
    assert detail["xlsx_url"].endswith(f"/reports/monthly/{made['mine'].pk}/file.xlsx")


def test_county_reads_every_township_and_filters(users, made):
    auditor = api(users[Role.COUNTY_AUDITOR])
    assert auditor.get(REPORTS).json()["count"] == 2
    only = auditor.get(REPORTS, {"township": made["other"].township_id}).json()["results"]
    assert [r["id"] for r in only] == [made["other"].pk]
    assert auditor.get(REPORTS, {"month": "2026-09-01"}).json()["count"] == 0
    assert auditor.get(REPORTS, {"month": "not-a-date"}).status_code == 400


def test_scorecards_carry_items_scores_and_reasons(users, made):
    reviewer = api(users[Role.COUNTY_REVIEWER])
    cards = reviewer.get(CARDS, {"scheme": made["scheme"].pk}).json()["results"]
    assert {c["unit_name"] for c in cards} == {"城关镇", "陡沟镇"}
    first = next(c for c in cards if c["unit_name"] == "城关镇")
    completion = next(line for line in first["lines"] if line["source"] == "completion")
    # 40 of 100 done: 40 % of 40 points, with the numbers behind it and the reason
    assert (completion["rate"], completion["points"], completion["weight"]) == ("0.4000", "16.00", "40.00")
    assert completion["numbers"] and "× 40" in completion["reason"]
    staff = api(users[Role.TOWNSHIP_STAFF])
    assert [c["unit_name"] for c in staff.get(CARDS).json()["results"]] == ["城关镇"]
    other = next(c for c in cards if c["unit_name"] == "陡沟镇")
    assert staff.get(f"{CARDS}{other['id']}/").status_code == 404


@pytest.mark.parametrize("role", [Role.TOWNSHIP_STAFF, Role.COUNTY_REVIEWER, "admin"])
def test_the_api_is_read_only(users, made, role):
    client = api(users[role])
    report = made["mine"]
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(f"{REPORTS}{report.pk}/", {"status": "accepted"}).status_code in (
            403,
            405,
        )
        assert getattr(client, method)(REPORTS, {"status": "accepted"}).status_code in (403, 405)
    report.refresh_from_db()
    assert report.status == "draft" and MonthlyReport.objects.count() == 2


def test_anonymous_gets_nothing(client, made):
    assert client.get(REPORTS).status_code in (401, 403)
    assert client.get(CARDS).status_code in (401, 403)


@pytest.mark.parametrize("size", [1, 5])
def test_query_counts_do_not_grow(users, tree, django_assert_num_queries, size):
    for _ in range(size):
        township_project(tree)
    for month in range(1, size + 1):
        services.monthly_report_generate(
            user=SYSTEM, township_id=tree.township.pk, month=datetime.date(2026, month, 1)
        )
    made = scheme(tree.county)
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    auditor = api(users[Role.COUNTY_AUDITOR])
    # count, the page of reports with their townships
    with django_assert_num_queries(2):
        assert auditor.get(REPORTS).json()["count"] == size
    # count, the page of cards with their schemes, their lines with their items
    with django_assert_num_queries(3):
        assert auditor.get(CARDS).json()["count"] == 2


def test_schema_lists_the_reports_endpoints(users, made):
    schema = api(users[Role.COUNTY_AUDITOR]).get("/api/schema/?format=json").json()
    for path in (REPORTS, f"{REPORTS}{{id}}/", CARDS, f"{CARDS}{{id}}/"):
        assert path in schema["paths"], path
        assert set(schema["paths"][path]) == {"get"}
