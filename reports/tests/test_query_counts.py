"""Dashboards make a fixed number of queries whatever the data size (two sizes each)."""

import datetime

import pytest
from django.urls import reverse

from org.models import Role
from org.scoping import Scope
from reports import services
from reports.tests.factories import scheme, township_project, township_watch_data

SYSTEM = Scope.system("test data")

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)


def grow(tree, users, count):
    for _ in range(count):
        township_project(tree, division=tree.township, villages=("village",))
        township_project(tree, division=tree.township2)
    for township in (tree.township, tree.township2):
        MonthlyReport = services.MonthlyReport
        MonthlyReport.objects.filter(township=township, month=OCTOBER).update(is_current=False, version=99)
        services.monthly_report_generate(user=SYSTEM, township_id=township.pk, month=OCTOBER)
    made = scheme(tree.county, year=2026)
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    made.delete()


# session, user, the user's division and the base template's context: the same on every page of
# the portal (no session write: it is renewed at most once a minute); then the page's own queries.
BASE = 3


@pytest.mark.parametrize("size", [1, 6])
def test_county_dashboard(client, tree, users, django_assert_num_queries, size):
    grow(tree, users, size)
    client.force_login(users[Role.COUNTY_REVIEWER])
    url = reverse("reports:dashboard") + "?month=2026-10"
    # townships, current reports of the month, latest township scheme, its cards
    with django_assert_num_queries(BASE + 4):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_township_dashboard(client, tree, users, django_assert_num_queries, size):
    grow(tree, users, size)
    township_watch_data(tree, users, size)
    client.force_login(users[Role.TOWNSHIP_STAFF])
    # lagging projects, fund lines by source, movements by source, reports, scorecards;
    # payments reconciled this month, open anomalies, overdue concerns, care coverage;
    # publicity quotas: departments, submissions by unit and month, projects led by unit
    with django_assert_num_queries(BASE + 12):
        response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    watch = response.context
    assert watch["payments"]["paid"] == size and watch["open_anomalies"] == size
    assert watch["overdue_concerns"] == size and watch["care"]["covered"] == size


@pytest.mark.parametrize("size", [1, 6])
def test_village_dashboard(client, tree, users, django_assert_num_queries, size):
    grow(tree, users, size)
    client.force_login(users[Role.VILLAGE_CADRE])
    # projects, person counts
    with django_assert_num_queries(BASE + 2):
        assert client.get(reverse("reports:dashboard")).status_code == 200
