import pytest
from django.utils import translation

from beneficiaries.tests.factories import person
from common.jobs import job_run_task
from fieldwork.tests.builders import enrol, household
from org.models import Role
from projects.tests.factories import ProjectFactory


@pytest.fixture(autouse=True)
def _english():
    # Assertions read the English messages; the pages' Chinese is tested in the browser.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(job_run_task, "delay", lambda job_id: None)


@pytest.fixture
def cadre(users):
    return users[Role.VILLAGE_CADRE]


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


@pytest.fixture
def family(tree):
    """A household of the cadre's village with two active enrolments (the head's 低保 and the
    wife's 养老), and another household's enrolment next door."""
    h = household(tree.village)
    wife = person(village=tree.village, name="李梅", household=h)
    dibao = ProjectFactory(division=tree.township, name="农村低保", code="DB")
    pension = ProjectFactory(division=tree.township, name="高龄津贴", code="GL")
    neighbour = household(tree.village, number="002", head_name="赵六")
    return {
        "household": h,
        "head": enrol(dibao, h.head),
        "wife": enrol(pension, wife),
        "neighbour": enrol(dibao, neighbour.head),
        "dibao": dibao,
    }
