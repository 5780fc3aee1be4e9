"""The scope matrix: each role × own scope / other scope, list and detail, page and API.

Table-driven (pretix's test_permissions.py): for every role we name the divisions it must
see; every other division of the tree must be invisible in lists and answer 404 in detail.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from org.models import Division, Role

ALL = [
    "county",
    "township",
    "village",
    "village2",
    "township2",
    "village3",
    "other_county",
    "other_township",
    "other_village",
]
VISIBLE = {
    Role.TOWNSHIP_STAFF: {"township", "village", "village2"},
    Role.TOWNSHIP_LEADER: {"township", "village", "village2"},
    Role.VILLAGE_CADRE: {"village"},
    Role.COUNTY_REVIEWER: {"county", "township", "village", "village2", "township2", "village3"},
    Role.COUNTY_AUDITOR: {"county", "township", "village", "village2", "township2", "village3"},
    # Issue 17: above the county (conftest's upper_users: 安徽省 34, 阜阳市 3412, whose prefix
    # holds both counties): everything of the tree, and their own levels.
    Role.CITY_REVIEWER: set(ALL) | {"city"},
    Role.CITY_AUDITOR: set(ALL) | {"city"},
    Role.PROVINCE_REVIEWER: set(ALL) | {"province", "city"},
    Role.PROVINCE_AUDITOR: set(ALL) | {"province", "city"},
    "admin": set(ALL),
}
UPPER_CODES = {"province": "34", "city": "3412"}
ABOVE = {Role.CITY_REVIEWER, Role.CITY_AUDITOR, Role.PROVINCE_REVIEWER, Role.PROVINCE_AUDITOR}


def _codes(tree, names):
    return {UPPER_CODES[name] if name in UPPER_CODES else getattr(tree, name).code for name in names}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_page_list_shows_exactly_the_scope(client, tree, users, role):
    client.force_login(users[role])
    response = client.get(reverse("org:division-list"), {"page": 1})
    assert response.status_code == 200
    shown = {d.code for d in response.context["page"].object_list}
    assert shown == _codes(tree, VISIBLE[role])
    body = response.content.decode()
    for name in set(ALL) - VISIBLE[role]:
        assert f">{getattr(tree, name).code}<" not in body


@pytest.mark.parametrize("role", list(VISIBLE))
@pytest.mark.parametrize("target", ALL)
def test_page_detail_is_404_outside_scope(client, tree, users, role, target):
    client.force_login(users[role])
    division = getattr(tree, target)
    response = client.get(reverse("org:division-detail", args=[division.pk]))
    expected = 200 if target in VISIBLE[role] else 404
    assert response.status_code == expected
    if expected == 404:
        assert division.name not in response.content.decode()


@pytest.mark.parametrize("role", list(VISIBLE))
def test_api_list_shows_exactly_the_scope(tree, users, role):
    api = APIClient()
    api.force_authenticate(users[role])
    response = api.get("/api/v1/divisions/", {"page_size": 100})
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == _codes(tree, VISIBLE[role])


@pytest.mark.parametrize("role", list(VISIBLE))
@pytest.mark.parametrize("target", ALL)
def test_api_detail_is_404_outside_scope(tree, users, role, target):
    api = APIClient()
    api.force_authenticate(users[role])
    division = getattr(tree, target)
    response = api.get(f"/api/v1/divisions/{division.pk}/")
    assert response.status_code == (200 if target in VISIBLE[role] else 404)


@pytest.mark.parametrize("role", list(VISIBLE))
def test_api_filters_cannot_widen_the_scope(tree, users, role):
    api = APIClient()
    api.force_authenticate(users[role])
    response = api.get("/api/v1/divisions/", {"code": tree.other_county.code, "page_size": 100})
    codes = {row["code"] for row in response.json()["results"]}
    assert codes == (
        _codes(tree, ["other_county", "other_township", "other_village"])
        if role == "admin" or role in ABOVE
        else set()
    )


def test_anonymous_sees_nothing(client, tree):
    assert client.get(reverse("org:division-list")).status_code == 302
    assert client.get(reverse("org:division-detail", args=[tree.village.pk])).status_code == 302
    api = APIClient()
    assert api.get("/api/v1/divisions/").status_code in (401, 403)


def test_user_without_role_sees_nothing(client, tree):
    from org.tests.factories import UserFactory

    nobody = UserFactory(username="nobody", role="", division=None, is_staff=False)
    client.force_login(nobody)
    response = client.get(reverse("org:division-list"))
    assert list(response.context["page"].object_list) == []
    assert client.get(reverse("org:division-detail", args=[tree.village.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(nobody)
    assert api.get("/api/v1/divisions/").status_code == 403


@pytest.mark.parametrize("role", [r for r in VISIBLE if r != "admin"])
def test_api_refuses_writes_to_read_only_endpoint(tree, users, role):
    api = APIClient()
    api.force_authenticate(users[role])
    before = Division.objects.count()
    response = api.post("/api/v1/divisions/", {"code": "341226103", "name": "新镇", "level": "township"})
    assert response.status_code in (403, 405)
    assert Division.objects.count() == before
