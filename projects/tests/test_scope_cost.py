"""The project scope narrows by the user's division first (issue 17): ``pk IN (owned UNION
targeted)``, never a per-project ``EXISTS`` that the database can only check project by
project. The rule itself (owner in scope, or any target in scope) is checked here against a
plain Python reading of it, for every role, on a world whose edge cases the matrix lacks: a
project owned outside the scope with one village target inside it, a project with no target,
a county project targeted only in another township. Timings live in bench/measure_scope.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.models import Role
from org.scoping import division_in_scope
from projects.models import FundLine, FundMovement, Project, Target
from projects.tests.factories import FundLineFactory, FundMovementFactory, ProjectFactory, TargetFactory
from tests.test_scope_matrix import VISIBLE


@pytest.fixture
def world(tree):
    return {
        # Owned in the first township, no target at all.
        "bare": ProjectFactory(division=tree.township),
        # Owned by another county's township, one target in our first township's village.
        "foreign_with_our_village": _with_targets(
            ProjectFactory(division=tree.other_township), tree.other_township, tree.village
        ),
        # The county's, targeted only in the second township.
        "county_township2": _with_targets(ProjectFactory(division=tree.county), tree.township2),
        # Another county's, targeted there only.
        "foreign": _with_targets(ProjectFactory(division=tree.other_township), tree.other_village),
    }


def _with_targets(project, *divisions):
    for division in divisions:
        TargetFactory(project=project, division=division)
    return project


def _rule(user, project) -> bool:
    """The scope rule read plainly: the owner division or any target's division in scope."""
    divisions = [project.division, *(t.division for t in project.targets.all())]
    return any(division_in_scope(user, d) for d in divisions)


@pytest.mark.parametrize("role", list(VISIBLE))
def test_visible_projects_and_their_funds_follow_the_rule(world, users, upper_users, role):
    user = {**users, **upper_users}[role]
    for project in world.values():
        FundMovementFactory(fund_line=FundLineFactory(project=project))
    expected = {p.pk for p in world.values() if _rule(user, p)}
    assert set(Project.objects.visible_to(user).values_list("pk", flat=True)) == expected
    assert set(FundLine.objects.visible_to(user).values_list("project_id", flat=True)) == expected
    assert (
        set(FundMovement.objects.visible_to(user).values_list("fund_line__project_id", flat=True)) == expected
    )


@pytest.mark.parametrize("role", [Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE, Role.COUNTY_REVIEWER])
def test_the_project_scope_is_a_union_of_lookups_not_a_per_project_exists(world, users, role):
    """The SQL sent, not its plan (plans depend on statistics): the scope is one ``IN`` over a
    ``UNION`` of the projects owned in scope and the projects targeted in scope, and nothing is
    tested project by project. Fund lines and movements use the same id set."""
    user = users[role]
    for queryset in (
        Project.objects.visible_to(user),
        FundLine.objects.visible_to(user),
        FundMovement.objects.visible_to(user),
    ):
        with CaptureQueriesContext(connection) as captured:
            list(queryset)
        (sql,) = [q["sql"] for q in captured.captured_queries]
        assert " UNION " in sql.upper()
        assert "EXISTS" not in sql.upper()
        assert Target._meta.db_table in sql
