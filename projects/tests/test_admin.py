"""The scoped admin: every projects model listed for officers, only its scope, no writes for the
auditor, and the rule-heavy models read-only for officers (they write through pages/API)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from org.models import Role
from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProgressFactory,
    SiteFactory,
    project_with_targets,
)

pytestmark = pytest.mark.django_db
MODELS = ["project", "target", "progressreport", "fundline", "fundmovement", "site", "sitecontrol"]


@pytest.fixture
def rows(tree):
    mine, _top, (v1, _v2) = project_with_targets(tree, name="本镇项目", kind="construction")
    theirs, _t, (v3,) = project_with_targets(
        tree, division=tree.township2, name="邻镇项目", villages=("village3",)
    )
    for project, target, village in [(mine, v1, tree.village), (theirs, v3, tree.village3)]:
        ProgressFactory(target=target, month=datetime.date(2026, 1, 1))
        line = FundLineFactory(project=project)
        FundMovementFactory(fund_line=line, amount=Decimal("5"))
        SiteFactory(project=project, division=village, name=f"{project.name}建设点")
    return mine, theirs


@pytest.mark.parametrize("model", MODELS)
def test_staff_sees_their_scope_in_every_admin_list(client, users, rows, model):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.get(reverse(f"admin:projects_{model}_changelist"))
    assert response.status_code == 200
    assert "邻镇项目" not in response.content.decode()


def test_write_rights_in_the_admin(client, users, rows):
    mine, theirs = rows
    client.force_login(users[Role.TOWNSHIP_STAFF])
    assert client.get(reverse("admin:projects_project_add")).status_code == 200
    assert client.get(reverse("admin:projects_progressreport_add")).status_code == 403
    assert client.get(reverse("admin:projects_fundmovement_add")).status_code == 403
    response = client.get(reverse("admin:projects_project_change", args=[theirs.pk]))
    assert response.status_code == 404  # outside the scope: like a missing one
    client.force_login(users[Role.COUNTY_AUDITOR])
    assert client.get(reverse("admin:projects_project_changelist")).status_code == 200
    assert client.get(reverse("admin:projects_project_add")).status_code == 403
    body = client.get(reverse("admin:projects_project_change", args=[mine.pk])).content.decode()
    assert 'name="_save"' not in body
