"""The scope matrix of the projects app: each role × own / other township / village, list and
detail, page and API. Out of scope answers 404; the county auditor reads but never writes (403,
and nothing changes); village cadres write progress for their own village's targets only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from org.models import Role
from projects.models import FundMovement, ProgressReport, Project, Site, Target
from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProgressFactory,
    ProjectFactory,
    SiteFactory,
    TargetFactory,
    department_of,
)
from tests.test_scope_matrix import VISIBLE as VISIBLE_DIVISIONS

YEAR = 2026
ROLES = list(VISIBLE_DIVISIONS)
# Which projects each role sees: its township's own, and the county-wide one wherever it has a share.
VISIBLE_PROJECTS = {
    Role.TOWNSHIP_STAFF: {"own", "county_wide"},
    Role.TOWNSHIP_LEADER: {"own", "county_wide"},
    Role.VILLAGE_CADRE: {"own", "county_wide"},
    Role.COUNTY_REVIEWER: {"own", "township2", "county_wide"},
    Role.COUNTY_AUDITOR: {"own", "township2", "county_wide"},
    "admin": {"own", "township2", "other_county", "county_wide"},
    # Above the county (阜阳市 3412 and 安徽省 34 hold both of the tree's counties): everything.
    **{
        role: {"own", "township2", "other_county", "county_wide"}
        for role in (Role.CITY_REVIEWER, Role.CITY_AUDITOR, Role.PROVINCE_REVIEWER, Role.PROVINCE_AUDITOR)
    },
}


class World:
    """Four construction projects with targets, progress, funds and a site each."""

    def __init__(self, tree):
        self.projects, self.targets, self.sites, self.progress, self.movements = {}, {}, {}, {}, {}
        plans = {
            # name: (owner, [(division, parent division)], site division)
            "own": (
                "township",
                [("township", None), ("village", "township"), ("village2", "township")],
                "village",
            ),
            "township2": ("township2", [("township2", None), ("village3", "township2")], "village3"),
            "other_county": (
                "other_township",
                [("other_township", None), ("other_village", "other_township")],
                "other_village",
            ),
            "county_wide": (
                "county",
                [("county", None), ("township", "county"), ("township2", "county"), ("village", "township")],
                "township2",
            ),
        }
        for name, (owner, targets, site_division) in plans.items():
            division = getattr(tree, owner)
            project = ProjectFactory(
                division=division,
                year=YEAR,
                name=f"工程-{name}",
                kind=Project.Kind.CONSTRUCTION,
                lead_department=department_of(tree.township if owner == "county" else division),
            )
            self.projects[name] = project
            made = {}
            for target_division, parent in targets:
                made[target_division] = TargetFactory(
                    project=project,
                    division=getattr(tree, target_division),
                    parent=made.get(parent),
                    quantity=Decimal("100") if parent is None else Decimal("10"),
                )
                self.targets[(name, target_division)] = made[target_division]
            for target_division, target in made.items():
                if not any(t.parent_id == target.pk for t in made.values()):  # leaves carry progress
                    self.progress[(name, target_division)] = ProgressFactory(
                        target=target, month=datetime.date(YEAR, 3, 1), actual=Decimal("5")
                    )
            self.sites[name] = SiteFactory(project=project, division=getattr(tree, site_division))
            line = FundLineFactory(project=project)
            self.movements[name] = FundMovementFactory(fund_line=line, date=datetime.date(YEAR, 2, 1))


@pytest.fixture
def world(tree):
    return World(tree)


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _names(mapping, pks):
    return {name for name, obj in mapping.items() if obj.pk in pks}


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_page_list_shows_exactly_the_scope(client, world, users, role):
    client.force_login(users[role])
    response = client.get(reverse("projects:project-list"))
    shown = {p.pk for p in response.context["page"].object_list}
    assert _names(world.projects, shown) == VISIBLE_PROJECTS[role]
    body = response.content.decode()
    for name in set(world.projects) - VISIBLE_PROJECTS[role]:
        assert world.projects[name].name not in body


@pytest.mark.parametrize("role", ROLES)
def test_page_details_are_404_outside_scope(client, world, users, role):
    client.force_login(users[role])
    for name, project in world.projects.items():
        response = client.get(reverse("projects:project-detail", args=[project.pk]))
        assert response.status_code == (200 if name in VISIBLE_PROJECTS[role] else 404), name
    for (name, division), target in world.targets.items():
        response = client.get(reverse("projects:target-detail", args=[target.pk]))
        assert response.status_code == (200 if division in VISIBLE_DIVISIONS[role] else 404), (name, division)
    for site in world.sites.values():
        visible = site.division.code.startswith(users[role].division.code) if users[role].division else True
        assert client.get(reverse("projects:site-detail", args=[site.pk])).status_code == (
            200 if visible else 404
        )
        if not visible:
            assert client.get(reverse("projects:site-sign", args=[site.pk])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_detail_page_shows_only_targets_in_scope(client, world, users, role):
    client.force_login(users[role])
    response = client.get(reverse("projects:project-detail", args=[world.projects["county_wide"].pk]))
    shown = {t.division.code for t in response.context["targets"]}
    expected = {
        t.division.code
        for (name, division), t in world.targets.items()
        if name == "county_wide" and division in VISIBLE_DIVISIONS[role]
    }
    assert shown == expected


# Page writes: (role, url name, object) → expected status. Outside scope 404 before anything.
PAGE_WRITES = [
    # role, view, which object, expected
    (Role.COUNTY_AUDITOR, "projects:progress-add", ("own", "village"), 403),
    (Role.COUNTY_REVIEWER, "projects:progress-add", ("own", "village"), 403),
    (Role.VILLAGE_CADRE, "projects:progress-add", ("own", "village2"), 404),
    (Role.VILLAGE_CADRE, "projects:progress-add", ("county_wide", "village"), 200),
    (Role.TOWNSHIP_STAFF, "projects:progress-add", ("township2", "village3"), 404),
    (Role.TOWNSHIP_STAFF, "projects:progress-add", ("own", "village2"), 200),
    (Role.TOWNSHIP_LEADER, "projects:progress-add", ("county_wide", "village"), 200),
    (Role.COUNTY_AUDITOR, "projects:target-split", ("own", "township"), 403),
    (Role.VILLAGE_CADRE, "projects:target-split", ("own", "village"), 403),
    (Role.TOWNSHIP_STAFF, "projects:target-split", ("county_wide", "county"), 404),
]


@pytest.mark.parametrize(("role", "view", "key", "expected"), PAGE_WRITES)
def test_page_writes_by_role(client, world, users, role, view, key, expected):
    client.force_login(users[role])
    target = world.targets[key]
    before = ProgressReport.objects.count(), Target.objects.count()
    data = {"month": f"{YEAR}-04", "actual": "6"} if view.endswith("progress-add") else {}
    response = client.post(reverse(view, args=[target.pk]), data, headers={"HX-Request": "true"})
    status = 200 if response.status_code in (200, 204) else response.status_code
    assert status == expected
    if expected != 200:
        assert (ProgressReport.objects.count(), Target.objects.count()) == before


@pytest.mark.parametrize("role", [Role.COUNTY_AUDITOR, Role.COUNTY_REVIEWER, Role.VILLAGE_CADRE])
def test_readers_get_403_on_project_and_fund_pages(client, world, users, role):
    client.force_login(users[role])
    project = world.projects["own"]
    before = FundMovement.objects.count(), Site.objects.count()
    for view in ["projects:fund-movement-add", "projects:fund-line-set", "projects:target-add"]:
        assert client.post(reverse(view, args=[project.pk]), {}).status_code == 403, view
    assert client.get(reverse("projects:project-edit", args=[project.pk])).status_code == 403
    assert client.get(reverse("projects:site-create", args=[project.pk])).status_code == 403
    assert client.post(
        reverse("projects:site-control-add", args=[world.sites["own"].pk]), {}
    ).status_code in (
        403,
        404,
    )
    assert (FundMovement.objects.count(), Site.objects.count()) == before


# --- API -------------------------------------------------------------------------------------

ENDPOINTS = ["projects", "targets", "progress", "fund-lines", "fund-movements", "sites"]


def _expected_ids(world, endpoint, role):
    projects = VISIBLE_PROJECTS[role]
    divisions = VISIBLE_DIVISIONS[role]
    if endpoint == "projects":
        return {world.projects[n].pk for n in projects}
    if endpoint == "targets":
        return {t.pk for (_n, d), t in world.targets.items() if d in divisions}
    if endpoint == "progress":
        return {p.pk for (_n, d), p in world.progress.items() if d in divisions}
    if endpoint in ("fund-lines", "fund-movements") and role == Role.VILLAGE_CADRE:
        return set()  # cadres read no fund ledger (projects.permissions.may_read_funds)
    if endpoint == "fund-lines":
        return {world.movements[n].fund_line_id for n in projects}
    if endpoint == "fund-movements":
        return {world.movements[n].pk for n in projects}
    if endpoint == "sites":
        return {s.pk for s in world.sites.values() if _site_division_name(world, s) in divisions}
    raise AssertionError(endpoint)


def _site_division_name(world, site):
    for (_n, division), target in world.targets.items():
        if target.division_id == site.division_id:
            return division
    raise AssertionError(site)


def _all_ids(world, endpoint):
    return _expected_ids(world, endpoint, "admin")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_api_list_and_detail_follow_the_scope(world, users, role, endpoint):
    api = _api(users[role])
    response = api.get(f"/api/v1/{endpoint}/", {"page_size": 500})
    assert response.status_code == 200
    expected = _expected_ids(world, endpoint, role)
    assert {row["id"] for row in response.json()["results"]} == expected
    for pk in _all_ids(world, endpoint):
        assert api.get(f"/api/v1/{endpoint}/{pk}/").status_code == (200 if pk in expected else 404)


@pytest.mark.parametrize("role", ROLES)
def test_api_filters_cannot_widen_the_scope(world, users, role):
    api = _api(users[role])
    other = world.projects["other_county"]
    rows = api.get("/api/v1/targets/", {"project": other.pk}).json()["results"]
    assert bool(rows) == (
        "other_county" in VISIBLE_PROJECTS[role]
    )  # the admin and the roles above the county


# API writes: out of scope → 404; in scope without the right → 403; auditor → 403 everywhere.
API_WRITES = [
    (Role.COUNTY_AUDITOR, "projects", "own", 403),
    (Role.COUNTY_REVIEWER, "projects", "own", 403),
    (Role.VILLAGE_CADRE, "projects", "own", 403),
    (Role.TOWNSHIP_STAFF, "projects", "own", 200),
    (Role.TOWNSHIP_STAFF, "projects", "county_wide", 403),  # visible (its share) but the county's
    (Role.TOWNSHIP_STAFF, "projects", "township2", 404),
    (Role.TOWNSHIP_LEADER, "projects", "other_county", 404),
    (Role.COUNTY_AUDITOR, "sites", "own", 403),
    (Role.TOWNSHIP_STAFF, "sites", "own", 200),
    (Role.TOWNSHIP_STAFF, "sites", "township2", 404),
    (Role.VILLAGE_CADRE, "sites", "own", 403),
    (Role.COUNTY_AUDITOR, "fund-movements", "own", 403),
    (Role.TOWNSHIP_STAFF, "fund-movements", "own", 200),
    (Role.TOWNSHIP_STAFF, "fund-movements", "county_wide", 403),
    (Role.TOWNSHIP_STAFF, "fund-movements", "township2", 404),
]


@pytest.mark.parametrize(("role", "endpoint", "name", "expected"), API_WRITES)
def test_api_updates_by_role(world, users, role, endpoint, name, expected):
    obj, payload = {
        "projects": (world.projects[name], {"responsible_person": "赵六"}),
        "sites": (world.sites[name], {"builder": "新施工单位"}),
        "fund-movements": (world.movements[name], {"note": "改"}),
    }[endpoint]
    response = _api(users[role]).patch(f"/api/v1/{endpoint}/{obj.pk}/", payload, format="json")
    assert response.status_code == expected, response.content
    obj.refresh_from_db()
    changed = getattr(obj, next(iter(payload))) == next(iter(payload.values()))
    assert changed == (expected == 200)


PROGRESS_WRITES = [
    (Role.VILLAGE_CADRE, ("own", "village"), 201),
    (Role.VILLAGE_CADRE, ("county_wide", "village"), 201),
    (Role.VILLAGE_CADRE, ("own", "village2"), 400),  # another village's target "does not exist"
    (Role.TOWNSHIP_STAFF, ("own", "village2"), 201),
    (Role.TOWNSHIP_STAFF, ("county_wide", "township2"), 400),
    (Role.TOWNSHIP_LEADER, ("county_wide", "village"), 201),
    (Role.COUNTY_REVIEWER, ("own", "village"), 403),
    (Role.COUNTY_AUDITOR, ("own", "village"), 403),
]


@pytest.mark.parametrize(("role", "key", "expected"), PROGRESS_WRITES)
def test_api_progress_writes_by_role(world, users, role, key, expected):
    before = ProgressReport.objects.count()
    response = _api(users[role]).post(
        "/api/v1/progress/",
        {"target": world.targets[key].pk, "month": f"{YEAR}-04", "actual": "6"},
        format="json",
    )
    assert response.status_code == expected, response.content
    assert ProgressReport.objects.count() == before + (1 if expected == 201 else 0)
