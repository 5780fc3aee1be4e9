"""One definition of lagging (projects.models.lagging): the database's answer (the list filter,
the totals' count) and Python's (Project.is_lagging, and the definition on plain numbers) agree
for any target, actual, project year and date."""

import calendar
import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from org.models import Role
from projects import selectors
from projects.models import lagging, year_share
from projects.tests.factories import ProgressFactory, ProjectFactory, TargetFactory

CENT = Decimal("0.01")


@st.composite
def days(draw):
    """Any day, with month ends, year ends, New Year's Day and 29 February drawn often."""
    year = draw(st.integers(2020, 2030))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.one_of(st.just(1), st.just(last), st.integers(1, last)))
    return datetime.date(year, month, day)


@st.composite
def cases(draw):
    today = draw(days())
    year = today.year + draw(st.sampled_from([-1, 0, 0, 0, 1]))
    target = draw(
        st.one_of(
            st.just(Decimal("0")),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2),
        )
    )
    share = year_share(year=year, today=today)
    # Near what the share asks for (the boundary), or anywhere.
    near = (target * share).quantize(CENT) + draw(st.sampled_from([-CENT, Decimal("0"), CENT]))
    anywhere = draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("2000000"), places=2))
    actual = max(Decimal("0"), draw(st.sampled_from([near, anywhere])))
    return today, year, target, actual


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
@example(case=(datetime.date(2026, 12, 31), 2026, Decimal("100"), Decimal("99.99")))  # year end
@example(case=(datetime.date(2026, 12, 31), 2026, Decimal("100"), Decimal("100")))
@example(case=(datetime.date(2027, 1, 1), 2026, Decimal("100"), Decimal("99.99")))  # the year after
@example(case=(datetime.date(2026, 1, 31), 2027, Decimal("100"), Decimal("0")))  # the year before
@example(case=(datetime.date(2026, 3, 31), 2026, Decimal("0"), Decimal("0")))  # a zero target
@example(case=(datetime.date(2024, 2, 29), 2024, Decimal("366"), Decimal("59.99")))  # leap day: 60/366
@example(case=(datetime.date(2024, 2, 29), 2024, Decimal("366"), Decimal("60")))
def test_sql_and_python_answer_alike(tree, users, case):
    today, year, target, actual = case
    staff = users[Role.TOWNSHIP_STAFF]
    with transaction.atomic():
        project = ProjectFactory(division=tree.township, year=year)
        leaf = TargetFactory(project=project, division=tree.township, quantity=target)
        ProgressFactory(target=leaf, month=today.replace(day=1), actual=actual)

        by_definition = lagging(target, actual, year_share(year=year, today=today))
        listed = selectors.project_list(user=staff, today=today, lagging=True)
        in_sql = listed.filter(pk=project.pk).exists()
        counted = selectors.project_totals(selectors.project_list(user=staff, today=today))["lagging"]
        shown = selectors.project_get(user=staff, pk=project.pk, today=today).is_lagging
        transaction.set_rollback(True)
    assert in_sql is shown is by_definition, (case, in_sql, shown, by_definition)
    assert counted == int(by_definition)


def test_the_definition_on_numbers():
    assert lagging(Decimal("100"), Decimal("49.99"), Decimal("0.5")) is True
    assert lagging(Decimal("100"), Decimal("50"), Decimal("0.5")) is False
    assert lagging(Decimal("0"), Decimal("0"), Decimal("1")) is False  # no target: never lagging
