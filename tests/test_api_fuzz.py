"""API fuzzing with schemathesis against our own OpenAPI schema, as each role.

Every operation gets generated requests (valid and invalid shapes); the answer must never be a
5xx and must match the schema. A short run here (FUZZ_EXAMPLES, default 4 per operation, three
roles); `make fuzz` runs a long one over every role. The calls go through the WSGI app in this
process, so they use the test database and its transaction like any other test.
"""

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


def _fuzz_operation(operation, headers, failures, calls) -> None:
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    # Error answers (400/403/404/429) are not all listed in the schema; the bodies of the
    # answers that are listed must match it, and nothing may be a 5xx.
    checks = [not_a_server_error, response_schema_conformance]

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
def test_api_never_answers_5xx_and_matches_its_schema(tree, users, role, settings, keep_connection):
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
