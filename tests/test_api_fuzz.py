"""API fuzzing with schemathesis against our own OpenAPI schema, as each role.

Every operation gets generated requests (valid and invalid shapes); the answer must never be a
5xx and must match the schema. A short run here (FUZZ_EXAMPLES, default 4 per operation, three
roles); `make fuzz` runs a long one over every role. The calls go through the WSGI app in this
process, so they use the test database and its transaction like any other test.
"""

import datetime
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token

from org.models import Role

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
ROLES = [Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE, Role.COUNTY_AUDITOR] + (
    [Role.TOWNSHIP_LEADER, Role.COUNTY_REVIEWER, "admin"] if EXAMPLES > 10 else []
)
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def keep_connection():
    """The WSGI app closes "old" connections around each request; in a test that would close
    the test's own connection. Django's test client disconnects the same signals."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def records(tree, users):
    """A few records of every area, with the blank values records really hold (a concern not
    yet triaged, an enrolment not exited, an objection not answered, a person with no relation
    to the head), so that the answers checked against the schema are not empty lists."""
    from beneficiaries.models import Enrolment
    from beneficiaries.tests.factories import active_enrolment, person
    from fieldwork import services as fieldwork_services
    from projects.tests.factories import (
        FundLineFactory,
        FundMovementFactory,
        ProgressFactory,
        project_with_targets,
    )
    from publicity import services as publicity_services
    from publicity.models import PublicNotice

    project, _top, (mine, _other) = project_with_targets(tree)
    ProgressFactory(target=mine)
    FundMovementFactory(fund_line=FundLineFactory(project=project))
    enrolment = active_enrolment(project=project, village=tree.village, phone="13900001111")
    assert enrolment.exit_reason == "" and enrolment.person.relation == ""
    Enrolment.objects.create(
        project=project,
        person=person(village=tree.village, name="李四"),
        village=tree.village,
        applied_on=datetime.date(2026, 1, 5),
    )
    concern = fieldwork_services.concern_collect(
        user=users[Role.VILLAGE_CADRE],
        village=tree.village,
        category="infrastructure",
        description="路灯坏了",
    )
    assert concern.decision == "" and concern.feedback_how == ""
    notice = publicity_services.notice_publish(
        user=users[Role.TOWNSHIP_STAFF],
        kind=PublicNotice.Kind.OTHER,
        division=tree.village,
        title="公示",
        rows=[{"name": "王五"}],
        columns=[("name", "姓名", "name")],
    )
    objection = publicity_services.objection_file_public(
        notice_id=notice.pk, name="", contact="13900002222", text="名单上的姓名有误"
    )
    assert objection.outcome == ""


def documented_success_status(ctx, response, case):
    """A success answer (2xx) must carry a status the schema lists for the operation (a 200
    where 201 is documented would break clients); error answers (400/403/404/429) are not all
    listed, so schemathesis' status_code_conformance runs on successes only."""
    from schemathesis.checks import status_code_conformance

    if 200 <= response.status_code < 300:
        return status_code_conformance(ctx, response, case)
    return None


def _fuzz_operation(operation, headers, failures, calls) -> None:
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    # The bodies of the answers the schema lists must match it, successes must carry a listed
    # status, and nothing may be a 5xx.
    checks = [not_a_server_error, response_schema_conformance, documented_success_status]

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        calls.append(response.status_code)
        case.validate_response(response, checks=checks, headers=headers)

    try:
        run()
    except (Exception, BaseExceptionGroup) as error:  # collect every operation's failure, then assert once
        failures.append(f"{operation.label}: {type(error).__name__}: {str(error)[:600]}")


@pytest.mark.parametrize("role", ROLES)
def test_api_never_answers_5xx_and_matches_its_schema(tree, users, records, role, settings, keep_connection):
    import schemathesis

    from config.wsgi import application

    settings.ALLOWED_HOSTS = ["*"]
    token = Token.objects.create(user=users[role])
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10
    failures, calls = [], []
    for operation in operations:
        _fuzz_operation(operation, headers, failures, calls)
    assert failures == []
    assert len(calls) >= len(operations)  # the run really sent requests
    assert any(status < 300 for status in calls) and any(400 <= status < 500 for status in calls)


def test_every_blank_choice_is_in_the_schema():
    """A read-only ChoiceField built from a model field with blank=True loses ``allow_blank``
    (DRF drops it for read-only fields), so the schema's enum lacks "" while the answers hold
    it. Every such field must say ``allow_blank`` (the schema then lists "" too)."""
    import importlib
    import inspect

    from rest_framework import serializers

    missing = []
    for app in ("org", "beneficiaries", "partycare", "publicity", "projects", "reports"):
        module = importlib.import_module(f"{app}.api.serializers")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, serializers.ModelSerializer) or cls.__module__ != module.__name__:
                continue
            model = cls.Meta.model
            for field_name, field in cls().fields.items():
                if type(field) is not serializers.ChoiceField or "." in (field.source or ""):
                    continue
                try:
                    model_field = model._meta.get_field(field.source or field_name)
                except Exception:  # a computed field: not a model column
                    continue
                if model_field.blank and not field.allow_blank and not field.allow_null:
                    missing.append(f"{name}.{field_name}")
    assert missing == []


def test_search_is_documented_only_where_a_view_searches(client, users):
    """?search= is DRF's SearchFilter: documented only on views with search_fields; the persons
    list takes ?q= (name, pinyin, initials or a whole ID number) and documents it."""
    from org.models import Role as R

    client.force_login(users[R.TOWNSHIP_STAFF])
    schema = client.get("/api/schema/?format=json").json()
    persons = [p["name"] for p in schema["paths"]["/api/v1/persons/"]["get"]["parameters"]]
    assert "q" in persons and "search" not in persons
    enrolments = [p["name"] for p in schema["paths"]["/api/v1/enrolments/"]["get"]["parameters"]]
    assert "search" not in enrolments
    projects = [p["name"] for p in schema["paths"]["/api/v1/projects/"]["get"]["parameters"]]
    assert "search" in projects
    split = schema["paths"]["/api/v1/targets/{id}/split/"]["post"]
    assert [p["name"] for p in split["parameters"]] == ["id"]
    assert split["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
