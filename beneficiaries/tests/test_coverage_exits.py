"""An exit, a death or a move recorded while a batch is still in draft cuts the person's lines
back to what the days up to the last day are worth (pro-rated by the standard's rule); a
checked batch is left alone. And the batch periods a township may choose."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from beneficiaries import services
from beneficiaries.models import Payment
from beneficiaries.tests.factories import active_enrolment, standard
from org.models import Role
from org.tests.factories import UserFactory
from projects.tests.factories import ProjectFactory

TODAY = datetime.date(2026, 11, 25)
YEAR = datetime.date(2026, 1, 1)


@pytest.fixture
def project(tree):
    return ProjectFactory(division=tree.township, name="高龄津贴", code="OLD", year=2026)


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


def _annual(staff, project, tree):
    return services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=YEAR, period="year"
    )


@pytest.mark.parametrize(
    ("rule", "lines"),
    [
        ("month_any", [(YEAR, datetime.date(2026, 8, 31), Decimal("640.00"), 8, None)]),
        ("month_first_day", [(YEAR, datetime.date(2026, 8, 31), Decimal("640.00"), 8, None)]),
        # Jan–Jul whole (560) + 15 of August's 31 days of 80 (38.709… → 38.71)
        ("day", [(YEAR, datetime.date(2026, 8, 15), Decimal("598.71"), None, 227)]),
    ],
)
def test_a_death_in_august_cuts_the_draft_annual_line_to_the_days_lived(
    tree, project, staff, users, rule, lines
):
    standard(project=project, amount="960.00", proration=rule)  # 80 a month
    e = active_enrolment(project=project, village=tree.village)
    batch = _annual(staff, project, tree)
    assert list(batch.payments.values_list("amount", flat=True)) == [Decimal("960.00")]
    died = services.person_set_status(
        user=users[Role.VILLAGE_CADRE],
        person=e.person,
        status="deceased",
        on=datetime.date(2026, 8, 15),
        today=TODAY,
    )
    assert died.payments_removed == 1
    batch.refresh_from_db()
    assert list(batch.payments.values_list("covers_from", "covers_to", "amount", "months", "days")) == lines
    assert batch.total_amount == lines[0][2] and batch.payment_count == 1


def test_an_exit_cuts_a_draft_quarter_line_and_leaves_a_checked_batch_alone(tree, project, staff):
    checker = UserFactory(username="checker2", role=Role.TOWNSHIP_STAFF, division=tree.township)
    standard(project=project, amount="960.00", proration="day")
    first = active_enrolment(project=project, village=tree.village, name="甲", card="6228480012345600001")
    second = active_enrolment(project=project, village=tree.village, name="乙", card="6228480012345600002")
    q1 = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=YEAR, period="quarter"
    )
    services.batch_check(user=checker, batch=q1)
    q2 = services.batch_generate(
        user=staff,
        project=project,
        division=tree.township,
        period_start=datetime.date(2026, 4, 1),
        period="quarter",
    )
    services.enrolment_exit(
        user=staff, enrolment=first, reason="moved", on=datetime.date(2026, 2, 10), today=TODAY
    )
    # the checked Q1 keeps its line (the anomaly checks and a recovery handle it), Q2 loses it
    assert q1.payments.filter(enrolment=first).get().amount == Decimal("240.00")
    assert not q2.payments.filter(enrolment=first).exists()
    assert q2.payments.filter(enrolment=second).get().amount == Decimal("240.00")
    q2.refresh_from_db()
    assert (q2.payment_count, q2.total_amount) == (1, Decimal("240.00"))


def test_a_one_off_span_under_a_month_rule_must_be_whole_months(tree, project, staff):
    standard(project=project, amount="960.00", proration="month_any")
    active_enrolment(project=project, village=tree.village)
    with pytest.raises(ValidationError, match="whole months"):
        services.batch_generate(
            user=staff,
            project=project,
            division=tree.township,
            period_start=datetime.date(2026, 3, 10),
            period="span",
            period_end=datetime.date(2026, 4, 20),
        )
    batch = services.batch_generate(
        user=staff,
        project=project,
        division=tree.township,
        period_start=datetime.date(2026, 3, 1),
        period="span",
        period_end=datetime.date(2026, 4, 30),
    )
    line = batch.payments.get()
    assert (line.months, line.amount, line.kind) == (2, Decimal("160.00"), Payment.Kind.ARREARS)


@pytest.mark.parametrize(
    ("start", "period", "end", "error"),
    [
        (datetime.date(2026, 7, 1), "half", None, None),
        (datetime.date(2026, 8, 1), "half", None, "not the first day"),
        (datetime.date(2026, 2, 1), "quarter", None, "not the first day"),
        (datetime.date(2026, 3, 10), "span", datetime.date(2026, 4, 20), None),
        (datetime.date(2026, 12, 10), "span", datetime.date(2027, 1, 20), "of 2026"),
        (datetime.date(2026, 3, 10), "span", None, "last day"),
        (datetime.date(2025, 12, 1), "month", None, "of 2026"),
        (datetime.date(2026, 1, 1), "week", None, "Choose month"),
    ],
)
def test_batch_periods(tree, project, staff, start, period, end, error):
    standard(project=project, amount="960.00", proration="day")
    active_enrolment(project=project, village=tree.village)

    def generate():
        return services.batch_generate(
            user=staff,
            project=project,
            division=tree.township,
            period_start=start,
            period=period,
            period_end=end,
        )

    if error:
        with pytest.raises(ValidationError, match=error):
            generate()
        return
    batch = generate()
    line = batch.payments.get()
    assert (line.covers_from, line.covers_to) == (batch.period_start, batch.period_end)
    assert line.kind == (Payment.Kind.ARREARS if period == "span" else Payment.Kind.REGULAR)
