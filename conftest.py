"""Fixtures shared by every app's tests: a two-county tree and one user per role."""

from dataclasses import dataclass

import pytest

from org.models import Role
from org.roles import ABOVE_COUNTY
from org.tests.factories import DepartmentFactory, UserFactory, city, county, province, township, village


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing is deliberately slow; tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _session_renewal_by_the_day(settings):
    # Query counts must not depend on how long a test took: a slow seed step would otherwise cross
    # the once-a-minute session renewal. org/tests/test_session_renewal.py sets it back to 60 s.
    settings.SESSION_RENEW_SECONDS = 24 * 3600


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@dataclass
class Tree:
    county: object
    township: object
    village: object
    village2: object
    township2: object  # same county, another township
    village3: object  # in township2
    other_county: object
    other_township: object
    other_village: object


@pytest.fixture
def tree(db):
    c = county("341226", "民安县")
    t = township(c, "101", "城关镇")
    v = village(t, "201", "东庄村")
    v2 = village(t, "202", "西湖村")
    t2 = township(c, "102", "陡沟镇")
    v3 = village(t2, "201", "南岗村")
    oc = county("341227", "邻县")
    ot = township(oc, "101", "邻镇")
    ov = village(ot, "201", "邻村")
    for division in (t, t2, ot):
        DepartmentFactory(division=division, name="民政所")
    return Tree(c, t, v, v2, t2, v3, oc, ot, ov)


@pytest.fixture
def users(tree, request):
    """One user per role in the tree's first county/township/village, plus the administrator;
    a test parametrised by a ``role`` above the county also gets the province and city users
    (``upper_users``), so the other roles' trees stay as they were."""
    callspec = getattr(request.node, "callspec", None)
    if callspec and callspec.params.get("role") in ABOVE_COUNTY:
        return {**_county_users(tree), **request.getfixturevalue("upper_users")}
    return _county_users(tree)


def _county_users(tree):
    return {
        Role.TOWNSHIP_STAFF: UserFactory(username="staff", role=Role.TOWNSHIP_STAFF, division=tree.township),
        Role.TOWNSHIP_LEADER: UserFactory(
            username="leader", role=Role.TOWNSHIP_LEADER, division=tree.township
        ),
        Role.VILLAGE_CADRE: UserFactory(username="cadre", role=Role.VILLAGE_CADRE, division=tree.village),
        Role.COUNTY_REVIEWER: UserFactory(
            username="reviewer", role=Role.COUNTY_REVIEWER, division=tree.county
        ),
        Role.COUNTY_AUDITOR: UserFactory(username="auditor", role=Role.COUNTY_AUDITOR, division=tree.county),
        "admin": UserFactory(username="admin", role="", division=None, is_staff=True, is_superuser=True),
    }


@pytest.fixture
def upper_users(tree):
    """Province and city reviewers and auditors above the tree: 安徽省 (34) and 阜阳市 (3412),
    whose prefix holds both of the tree's counties (341226, 341227). Kept out of ``users`` so
    that the tree's division counts stay as they were for the other tests."""
    anhui = province("34", "安徽省")
    fuyang = city(anhui, "12", "阜阳市")
    return {
        Role.CITY_REVIEWER: UserFactory(username="city-reviewer", role=Role.CITY_REVIEWER, division=fuyang),
        Role.CITY_AUDITOR: UserFactory(username="city-auditor", role=Role.CITY_AUDITOR, division=fuyang),
        Role.PROVINCE_REVIEWER: UserFactory(
            username="province-reviewer", role=Role.PROVINCE_REVIEWER, division=anhui
        ),
        Role.PROVINCE_AUDITOR: UserFactory(
            username="province-auditor", role=Role.PROVINCE_AUDITOR, division=anhui
        ),
    }
