"""Who may do what with progress and funds (projects.permissions), as one table of
role × action with the expected answer; for every denial, nothing changed.

The README's "Who sees what" says the same in words; a resident's phone is the last row of
that table and is tested with the masking rules (tests/test_masking_roles.py).
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import Role
from projects import permissions, selectors, services
from projects.models import FundLine, FundMovement, ProgressReport
from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProjectFactory,
    TargetFactory,
    project_with_targets,
)

pytestmark = pytest.mark.django_db

STAFF, LEADER, CADRE, REVIEWER, AUDITOR = (
    Role.TOWNSHIP_STAFF,
    Role.TOWNSHIP_LEADER,
    Role.VILLAGE_CADRE,
    Role.COUNTY_REVIEWER,
    Role.COUNTY_AUDITOR,
)
ROLES = [STAFF, LEADER, CADRE, REVIEWER, AUDITOR]

# action → the roles allowed (every other role is denied)
ALLOWED = {
    "record progress on their village's target": {STAFF, LEADER, CADRE},
    "record progress on the township's target": {STAFF, LEADER},
    "read fund lines and movements (page)": {STAFF, LEADER, REVIEWER, AUDITOR},
    "read fund lines and movements (API)": {STAFF, LEADER, REVIEWER, AUDITOR},
    "read a project's fund totals (API)": {STAFF, LEADER, REVIEWER, AUDITOR},
    "record a fund movement": {STAFF, LEADER},
}
CASES = [(action, role, role in allowed) for action, allowed in ALLOWED.items() for role in ROLES]


def _year():
    return timezone.localdate().year


@pytest.fixture
def world(tree):
    """A township project with its own (unsplit) target, and one split over villages with funds
    (the cadre's village holds a share of it, so the cadre sees the project)."""
    township_project = ProjectFactory(division=tree.township, year=_year(), code="TWN")
    township_target = TargetFactory(project=township_project, division=tree.township)
    split, _top, (village_target, _other) = project_with_targets(tree, year=_year(), code="VIL")
    line = FundLineFactory(project=split)
    FundMovementFactory(fund_line=line, date=datetime.date(_year(), 1, 2))
    return {"township": township_target, "village": village_target, "project": split}


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _state():
    return (
        list(ProgressReport.objects.values_list("target_id", "month", "actual").order_by("pk")),
        FundLine.objects.count(),
        list(FundMovement.objects.values_list("amount", "date").order_by("pk")),
    )


def _record_progress(client, user, target):
    """Through the page and through the API; both must agree."""
    month = f"{_year()}-01"
    client.force_login(user)
    page = client.post(reverse("projects:progress-add", args=[target.pk]), {"month": month, "actual": "5"})
    api = _api(user).post(
        "/api/v1/progress/", {"target": target.pk, "month": month, "actual": "6"}, format="json"
    )
    page_ok, api_ok = (
        page.status_code in (200, 302) and ProgressReport.objects.filter(target=target).exists(),
        api.status_code == 201,
    )
    assert page_ok == api_ok, (page.status_code, api.status_code)
    if not api_ok:
        assert page.status_code in (403, 404) and api.status_code in (400, 403, 404)
    return api_ok


def _act(action, client, user, world):
    if action == "record progress on their village's target":
        return _record_progress(client, user, world["village"])
    if action == "record progress on the township's target":
        return _record_progress(client, user, world["township"])
    if action == "read fund lines and movements (page)":
        client.force_login(user)
        listing = client.get(reverse("projects:project-list"))
        assert listing.status_code == 200
        assert ('data-total="planned"' in listing.content.decode()) is permissions.may_read_funds(user)
        body = client.get(reverse("projects:project-detail", args=[world["project"].pk])).content.decode()
        assert "VIL" in body  # the project itself is readable by every role here
        return 'id="fund-table"' in body and "1,000.00" in body
    if action == "read fund lines and movements (API)":
        api = _api(user)
        lines = api.get("/api/v1/fund-lines/").json()["results"]
        movements = api.get("/api/v1/fund-movements/").json()["results"]
        line = FundLine.objects.get()
        detail = api.get(f"/api/v1/fund-lines/{line.pk}/").status_code
        assert (len(lines) == 1) == (len(movements) == 1) == (detail == 200)
        if detail != 200:
            assert detail == 404 and lines == [] and movements == []
        return detail == 200
    if action == "read a project's fund totals (API)":
        data = _api(user).get(f"/api/v1/projects/{world['project'].pk}/").json()
        assert data["code"] == "VIL"
        return data["planned_total"] is not None and data["received_total"] is not None
    if action == "record a fund movement":
        try:
            services.fund_movement_record(
                user=user,
                project=world["project"],
                source="central",
                kind="received",
                date=datetime.date(_year(), 1, 3),
                amount="10",
            )
        except PermissionDenied:
            return False
        return True
    raise AssertionError(action)


@pytest.mark.parametrize(("action", "role", "allowed"), CASES)
def test_who_may_do_what(client, users, world, action, role, allowed):
    before = _state()
    assert _act(action, client, users[role], world) is allowed, (action, role)
    if not allowed:
        assert _state() == before, "a refused action changed something"


@pytest.mark.parametrize("role", ROLES)
def test_fund_selectors_follow_the_permission(users, world, role):
    user = users[role]
    reader = permissions.may_read_funds(user)
    assert selectors.fund_line_list(user=user).exists() is reader
    assert selectors.fund_movement_list(user=user).exists() is reader
    position = selectors.fund_position(user=user, project=world["project"], as_of=timezone.localdate())
    assert bool(position["rows"]) is reader
    projects = selectors.project_list(user=user, today=timezone.localdate())
    assert (projects.get(pk=world["project"].pk).planned_total is not None) is reader
    assert (selectors.project_totals(projects)["planned"] > 0) is reader  # sums over typed nulls
