"""Surveys: who may create and answer, the rates per project and per village, scope, masking."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import Role
from projects.tests.factories import ProjectFactory
from publicity import selectors, services
from publicity.models import SurveyResponse

YEAR = timezone.localdate().year


@pytest.fixture
def project(tree):
    return ProjectFactory(division=tree.township, year=YEAR, name="城乡低保")


@pytest.fixture
def survey(project, tree, staff):
    return services.survey_create(user=staff, project=project, division=tree.township)


def _answer(user, survey, village, *, aware=True, satisfaction="satisfied", **extra):
    return services.survey_response_record(
        user=user,
        survey=survey,
        division=village,
        method="phone",
        is_aware=aware,
        satisfaction=satisfaction,
        **extra,
    )


def test_rates_per_project_and_village(tree, users, survey, staff):
    cadre = users[Role.VILLAGE_CADRE]
    _answer(cadre, survey, tree.village, aware=True, satisfaction="satisfied")
    _answer(cadre, survey, tree.village, aware=True, satisfaction="basically")
    _answer(cadre, survey, tree.village, aware=False, satisfaction="dissatisfied")
    _answer(staff, survey, tree.village2, aware=False, satisfaction="satisfied")
    by_project = selectors.survey_rates(user=staff, year=YEAR, by="project")
    assert len(by_project) == 1
    row = by_project[0]
    assert (row["response_count"], row["aware_count"], row["satisfied_count"]) == (4, 2, 3)
    assert str(row["awareness_rate"]) == "0.5000" and str(row["satisfaction_rate"]) == "0.7500"
    by_village = {
        r["division__name"]: r for r in selectors.survey_rates(user=staff, year=YEAR, by="division")
    }
    assert str(by_village[tree.village.name]["awareness_rate"]) == "0.6667"
    assert str(by_village[tree.village2.name]["satisfaction_rate"]) == "1.0000"
    # The cadre's view counts their village only.
    (cadre_row,) = selectors.survey_rates(user=cadre, year=YEAR, by="project")
    assert cadre_row["response_count"] == 3
    listed = selectors.survey_list(user=cadre, year=YEAR).get()
    assert listed.response_count == 3 and str(listed.satisfaction_rate) == "0.6667"


def test_rate_over_no_answer_is_none(tree, survey, staff):
    listed = selectors.survey_list(user=staff).get()
    assert listed.response_count == 0 and listed.awareness_rate is None


def test_cadre_answers_for_own_village_only(tree, users, survey):
    cadre = users[Role.VILLAGE_CADRE]
    with pytest.raises(ValidationError):
        _answer(cadre, survey, tree.village2)
    with pytest.raises(ValidationError):
        _answer(users[Role.TOWNSHIP_STAFF], survey, tree.village3)  # another township
    assert SurveyResponse.objects.count() == 0


def test_county_roles_cannot_answer_or_create(tree, users, survey, project):
    for role in (Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR):
        with pytest.raises(PermissionDenied):
            _answer(users[role], survey, tree.village)
        with pytest.raises(PermissionDenied):
            services.survey_create(user=users[role], project=project, division=tree.township)


def test_one_survey_per_project_and_division(tree, survey, staff, project):
    with pytest.raises(ValidationError):
        services.survey_create(user=staff, project=project, division=tree.township)


def test_project_outside_scope_is_refused(tree, staff):
    other = ProjectFactory(division=tree.township2, year=YEAR)
    with pytest.raises(ValidationError):
        services.survey_create(user=staff, project=other, division=tree.township)


def test_future_date_is_refused(tree, staff, survey):
    with pytest.raises(ValidationError):
        _answer(staff, survey, tree.village, responded_on=timezone.localdate() + datetime.timedelta(days=1))


def test_survey_page_records_and_masks(client, tree, users, survey):
    cadre = users[Role.VILLAGE_CADRE]
    client.force_login(cadre)
    response = client.post(
        reverse("publicity:survey-detail", args=[survey.pk]),
        {
            "division": tree.village.pk,
            "method": "visit",
            "responded_on": timezone.localdate().isoformat(),
            "respondent_name": "王秀兰",
            "respondent_phone": "13812345678",
            "is_aware": "1",
            "satisfaction": "basically",
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("publicity:survey-detail", args=[survey.pk])).content.decode()
    assert "王**" in body and "王秀兰" not in body
    api = APIClient()
    api.force_authenticate(cadre)
    data = api.get("/api/v1/publicity/survey-responses/").json()["results"]
    assert data[0]["respondent_name"] == "王**" and data[0]["respondent_phone"] == "138****5678"


def test_survey_scope_pages_and_api(client, tree, users, survey, project):
    other_project = ProjectFactory(division=tree.other_township, year=YEAR)
    other_staff = users["admin"]
    other = services.survey_create(user=other_staff, project=other_project, division=tree.other_township)
    for role in (Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE, Role.COUNTY_AUDITOR):
        client.force_login(users[role])
        assert client.get(reverse("publicity:survey-detail", args=[survey.pk])).status_code == 200
        assert client.get(reverse("publicity:survey-detail", args=[other.pk])).status_code == 404
        api = APIClient()
        api.force_authenticate(users[role])
        assert {row["id"] for row in api.get("/api/v1/publicity/surveys/").json()["results"]} == {survey.pk}
        assert api.get(f"/api/v1/publicity/surveys/{other.pk}/").status_code == 404
    rates = APIClient()
    rates.force_authenticate(users[Role.COUNTY_AUDITOR])
    assert rates.get("/api/v1/publicity/survey-rates/", {"year": YEAR, "by": "division"}).status_code == 200
    assert (
        rates.post(
            "/api/v1/publicity/surveys/", {"project": project.pk, "division": tree.township.pk}
        ).status_code
        == 403
    )


def test_survey_list_query_count_is_flat(client, tree, users, survey, django_assert_num_queries):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    # session, user, scope division, count, page of surveys (counts annotated), rates by project
    with django_assert_num_queries(6):
        client.get(reverse("publicity:survey-list"))
    for index in range(5):
        extra = services.survey_create(
            user=users[Role.TOWNSHIP_STAFF],
            project=ProjectFactory(division=tree.township, year=YEAR),
            division=tree.township,
        )
        _answer(users[Role.TOWNSHIP_STAFF], extra, tree.village, aware=bool(index % 2))
    with django_assert_num_queries(6):
        client.get(reverse("publicity:survey-list"))
