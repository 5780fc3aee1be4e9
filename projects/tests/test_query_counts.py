"""List pages and list endpoints make the same number of queries at two data sizes."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import Role
from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProgressFactory,
    SiteFactory,
    project_with_targets,
)

pytestmark = pytest.mark.django_db


def _grow(tree, count):
    year = timezone.localdate().year
    for _ in range(count):
        project, _top, children = project_with_targets(tree, year=year, kind="construction")
        for child in children:
            ProgressFactory(target=child, month=datetime.date(year, 1, 1), actual=Decimal("3"))
        line = FundLineFactory(project=project)
        FundMovementFactory(fund_line=line, date=datetime.date(year, 1, 2))
        SiteFactory(project=project, division=tree.village)


def _count(callable_):
    with CaptureQueriesContext(connection) as context:
        response = callable_()
    assert response.status_code == 200
    return len(context.captured_queries)


# Page: session, user, user's division (scope), count of the page's rows, the page of projects
# (targets, actuals and funds as subqueries), the totals aggregate, years for the filter,
# departments for the filter. (The session is renewed at most once a minute: no write here.)
PAGE_QUERIES = 8


def test_project_list_page_is_flat(client, tree, users, django_assert_num_queries):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    _grow(tree, 2)
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(reverse("projects:project-list"))
    _grow(tree, 10)
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(reverse("projects:project-list"))


# Endpoint: count, the page of rows (related rows joined; for projects the progress and fund
# figures are subqueries), and for sites one prefetch of the controls. Authentication is forced
# with a user whose division is already loaded, so the scope costs no query here.
API_QUERIES = {
    "projects": 2,
    "targets": 2,
    "progress": 2,
    "fund-lines": 2,
    "fund-movements": 2,
    "sites": 3,
}


@pytest.mark.parametrize("endpoint", list(API_QUERIES))
def test_api_lists_are_flat(tree, users, endpoint, django_assert_num_queries):
    api = APIClient()
    api.force_authenticate(users[Role.COUNTY_REVIEWER])
    _grow(tree, 2)
    with django_assert_num_queries(API_QUERIES[endpoint]):
        api.get(f"/api/v1/{endpoint}/")
    _grow(tree, 10)
    with django_assert_num_queries(API_QUERIES[endpoint]):
        api.get(f"/api/v1/{endpoint}/")


def test_home_panel_is_flat(client, tree, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    _grow(tree, 2)
    small = _count(lambda: client.get(reverse("home")))
    _grow(tree, 10)
    assert _count(lambda: client.get(reverse("home"))) == small
