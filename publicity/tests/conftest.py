import pytest
from django.utils import timezone

from org.models import Role
from org.tests.factories import DepartmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def office(tree):
    """The township's livelihood office (民生办)."""
    return DepartmentFactory(division=tree.township, name="民生办", is_livelihood_office=True)


@pytest.fixture
def civil(tree):
    """The township's 民政所 (created by the tree fixture)."""
    return tree.township.departments.get(name="民政所")


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


@pytest.fixture
def leader(users):
    return users[Role.TOWNSHIP_LEADER]


@pytest.fixture
def civil_clerk(tree, civil):
    """A township officer attached to 民政所 (not the livelihood office)."""
    return UserFactory(
        username="civil-clerk", role=Role.TOWNSHIP_STAFF, division=tree.township, department=civil
    )


@pytest.fixture
def today():
    return timezone.localdate()
