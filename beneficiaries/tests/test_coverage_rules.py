"""Table tests of coverage (issue 15): each proration rule at the month and day boundary (joining
on the 1st, 2nd or last day of a month, leaving on the 1st or last day, death on the last day of
the year, February of a leap year by day), a standard changing mid-year, per household and per
person; the issue's scenarios (monthly then annual, quarterly after a paid November, a person who
left on 31 August, a late enrolment's arrears); the database's exclusion constraint."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from beneficiaries import services
from beneficiaries.models import Enrolment, Payment
from beneficiaries.tests.factories import active_enrolment
from org.models import Role
from projects.tests.factories import ProjectFactory

D = datetime.date
TODAY = D(2028, 12, 31)  # exits and deaths may not be recorded in the future


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


def _project(tree, staff, *, rule="month_any", amount="80.00", period="month", unit="person", year=2026):
    project = ProjectFactory(division=tree.township, year=year)
    services.standard_set(
        user=staff,
        project=project,
        amount=amount,
        period=period,
        unit=unit,
        proration=rule,
        effective_from=D(year, 1, 1),
    )
    return project


def _enrol(tree, project, *, active_from, persons=1, n=0):
    e = active_enrolment(
        project=project,
        village=tree.village,
        name=f"受益人{n}",
        card=f"62284800777{n:08d}",
        active_from=active_from,
    )
    if persons != 1:
        Enrolment.objects.filter(pk=e.pk).update(persons_covered=persons)
    return e


def _year(tree, staff, project, **options):
    return services.batch_generate(
        user=staff,
        project=project,
        division=tree.township,
        period_start=D(project.year, 1, 1),
        period="year",
        **options,
    )


def _lines(enrolment):
    return list(
        Payment.objects.filter(enrolment=enrolment)
        .order_by("covers_from")
        .values_list("covers_from", "covers_to", "amount", "months", "days")
    )


def _paid(enrolment) -> Decimal:
    return sum((line[2] for line in _lines(enrolment)), Decimal("0.00"))


# --- joining -------------------------------------------------------------------------------------

JOINING = [
    # rule, joined on, paid for the year at 80 元 a month, first day covered
    ("month_any", D(2026, 3, 1), "800.00", D(2026, 3, 1)),
    ("month_any", D(2026, 3, 2), "800.00", D(2026, 3, 1)),  # March has a day in: it counts whole
    ("month_any", D(2026, 3, 31), "800.00", D(2026, 3, 1)),
    ("month_first_day", D(2026, 3, 1), "800.00", D(2026, 3, 1)),
    ("month_first_day", D(2026, 3, 2), "720.00", D(2026, 4, 1)),  # in on 1 March? no: from April
    ("month_first_day", D(2026, 3, 31), "720.00", D(2026, 4, 1)),
    ("day", D(2026, 3, 1), "800.00", D(2026, 3, 1)),
    ("day", D(2026, 3, 2), "797.42", D(2026, 3, 2)),  # 720 + 80 × 30/31 = 797.419…
    ("day", D(2026, 3, 31), "722.58", D(2026, 3, 31)),  # 720 + 80 × 1/31 = 722.580…
]


@pytest.mark.parametrize(("rule", "joined", "paid", "first"), JOINING)
def test_joining_on_the_first_second_or_last_day_of_a_month(tree, staff, rule, joined, paid, first):
    project = _project(tree, staff, rule=rule)
    e = _enrol(tree, project, active_from=joined)
    _year(tree, staff, project)
    lines = _lines(e)
    assert _paid(e) == Decimal(paid)
    assert (lines[0][0], lines[-1][1]) == (first, D(2026, 12, 31))


# --- leaving -------------------------------------------------------------------------------------

LEAVING = [
    # rule, how, last day in the programme, paid for the year, last day covered
    ("month_any", "exit", D(2026, 8, 1), "640.00", D(2026, 8, 31)),  # August has a day in
    ("month_any", "exit", D(2026, 8, 31), "640.00", D(2026, 8, 31)),
    ("month_first_day", "exit", D(2026, 8, 1), "640.00", D(2026, 8, 31)),  # in on 1 August
    ("month_first_day", "exit", D(2026, 8, 31), "640.00", D(2026, 8, 31)),
    ("day", "exit", D(2026, 8, 1), "562.58", D(2026, 8, 1)),  # 560 + 80 × 1/31
    ("day", "exit", D(2026, 8, 31), "640.00", D(2026, 8, 31)),
    ("month_any", "death", D(2026, 12, 31), "960.00", D(2026, 12, 31)),
    ("month_first_day", "death", D(2026, 12, 31), "960.00", D(2026, 12, 31)),
    ("day", "death", D(2026, 12, 31), "960.00", D(2026, 12, 31)),
    ("day", "move", D(2026, 12, 30), "957.42", D(2026, 12, 30)),  # 880 + 80 × 30/31
]


@pytest.mark.parametrize(("rule", "how", "last", "paid", "covered_to"), LEAVING)
def test_leaving_on_the_first_or_last_day(tree, staff, rule, how, last, paid, covered_to):
    project = _project(tree, staff, rule=rule)
    e = _enrol(tree, project, active_from=D(2026, 1, 1))
    if how == "exit":
        services.enrolment_exit(user=staff, enrolment=e, reason="not_eligible", on=last, today=TODAY)
    else:
        status = "deceased" if how == "death" else "moved_out"
        services.person_set_status(user=staff, person=e.person, status=status, on=last, today=TODAY)
    _year(tree, staff, project)
    assert _paid(e) == Decimal(paid)
    assert _lines(e)[-1][1] == covered_to
    # nothing is left to pay for the days after: a second annual batch finds nothing
    with pytest.raises(ValidationError, match="Nothing to pay"):
        _year(tree, staff, project)


# --- February of a leap year, by day -------------------------------------------------------------

FEBRUARY = [
    # year, joined, left, paid
    (2028, D(2028, 2, 29), D(2028, 12, 31), "802.76"),  # 800 + 80 × 1/29 = 802.758…
    (2026, D(2026, 2, 28), D(2026, 12, 31), "802.86"),  # 800 + 80 × 1/28 = 802.857…
    (2028, D(2028, 1, 1), D(2028, 2, 14), "118.62"),  # 80 + 80 × 14/29 = 118.620…
    (2026, D(2026, 1, 1), D(2026, 2, 14), "120.00"),  # 80 + 80 × 14/28
    (2028, D(2028, 2, 1), D(2028, 2, 29), "80.00"),  # the whole of a 29-day February
]


@pytest.mark.parametrize(("year", "joined", "left", "paid"), FEBRUARY)
def test_february_by_day_in_a_leap_year_and_not(tree, staff, year, joined, left, paid):
    project = _project(tree, staff, rule="day", year=year)
    e = _enrol(tree, project, active_from=joined)
    services.enrolment_exit(user=staff, enrolment=e, reason="not_eligible", on=left, today=TODAY)
    _year(tree, staff, project)
    assert _paid(e) == Decimal(paid)
    assert sum(line[4] for line in _lines(e)) == (left - joined).days + 1  # days counted


# --- a standard changing mid-year ------------------------------------------------------------------

RISE = [
    # rule, joined, paid at 80 until June and 90 from July, lines
    (
        "month_any",
        D(2026, 1, 1),
        "1020.00",
        [(D(2026, 1, 1), D(2026, 6, 30), "480.00"), (D(2026, 7, 1), D(2026, 12, 31), "540.00")],
    ),
    ("month_first_day", D(2026, 1, 1), "1020.00", None),
    ("day", D(2026, 1, 1), "1020.00", None),
    ("month_any", D(2026, 6, 16), "620.00", None),  # June whole at 80 + 6 × 90
    ("month_first_day", D(2026, 6, 16), "540.00", None),  # from July
    ("day", D(2026, 6, 16), "580.00", None),  # 80 × 15/30 + 6 × 90
]


@pytest.mark.parametrize(("rule", "joined", "paid", "lines"), RISE)
def test_a_standard_rising_from_july_is_paid_at_each_months_rate(tree, staff, rule, joined, paid, lines):
    project = _project(tree, staff, rule=rule)
    services.standard_set(
        user=staff,
        project=project,
        amount="90.00",
        period="month",
        proration=rule,
        effective_from=D(2026, 7, 1),
    )
    e = _enrol(tree, project, active_from=joined)
    _year(tree, staff, project)
    assert _paid(e) == Decimal(paid)
    if lines is not None:  # one line per standard, each naming its own
        assert [(f, t, a) for f, t, a, _m, _d in _lines(e)] == [(f, t, Decimal(a)) for f, t, a in lines]
        standards = list(
            Payment.objects.filter(enrolment=e)
            .order_by("covers_from")
            .values_list("standard__amount", flat=True)
        )
        assert standards == [Decimal("80.00"), Decimal("90.00")]


def test_a_standard_changing_mid_month_by_month_pays_the_one_in_force_on_the_first(tree, staff):
    project = _project(tree, staff, rule="month_any")
    services.standard_set(
        user=staff,
        project=project,
        amount="90.00",
        period="month",
        proration="month_any",
        effective_from=D(2026, 7, 15),
    )
    e = _enrol(tree, project, active_from=D(2026, 1, 1))
    _year(tree, staff, project)
    assert _paid(e) == Decimal("80.00") * 7 + Decimal("90.00") * 5  # July still at 80


# --- per person, per household, persons covered ----------------------------------------------------

UNITS = [
    # amount, period, unit, persons covered, paid for the year, a month's line
    ("80.00", "month", "person", 3, "2880.00", "240.00"),
    ("80.00", "month", "household", 3, "960.00", "80.00"),
    ("726.00", "year", "person", 3, "2178.00", "181.50"),
    ("726.00", "year", "household", 3, "726.00", "60.50"),
    ("100.01", "quarter", "person", 1, "400.04", "33.34"),  # 33.336… a month: rounded by the running total
]


@pytest.mark.parametrize(("amount", "period", "unit", "persons", "year", "month"), UNITS)
def test_per_person_or_per_household_with_three_persons_covered(
    tree, staff, amount, period, unit, persons, year, month
):
    project = _project(tree, staff, amount=amount, period=period, unit=unit)
    e = _enrol(tree, project, active_from=D(2026, 1, 1), persons=persons)
    january = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=D(2026, 1, 1)
    )
    assert january.payments.get().amount == Decimal(month)
    _year(tree, staff, project)
    assert _paid(e) == Decimal(year)


def test_monthly_lines_of_an_odd_amount_add_up_to_the_year_to_the_cent(tree, staff):
    project = _project(tree, staff, amount="100.01", period="quarter")
    e = _enrol(tree, project, active_from=D(2026, 1, 1))
    for month in range(1, 13):
        services.batch_generate(
            user=staff, project=project, division=tree.township, period_start=D(2026, month, 1)
        )
    amounts = [line[2] for line in _lines(e)]
    assert sum(amounts) == Decimal("400.04") and set(amounts) == {Decimal("33.33"), Decimal("33.34")}


# --- the scenarios -----------------------------------------------------------------------


def test_annual_batch_after_january_to_november_monthly_pays_december_only(tree, staff):
    """77 people paid monthly January–November: the annual batch paid them all a full year
    again (313,200 元); now it pays December and nothing else."""
    project = _project(tree, staff)
    people = [_enrol(tree, project, active_from=D(2026, 1, 1), n=n) for n in range(77)]
    for month in range(1, 12):
        services.batch_generate(
            user=staff, project=project, division=tree.township, period_start=D(2026, month, 1)
        )
    annual = _year(tree, staff, project)
    assert annual.payment_count == 77 and annual.total_amount == Decimal("6160.00")  # 77 × 80
    assert set(annual.payments.values_list("covers_from", "covers_to", "kind")) == {
        (D(2026, 12, 1), D(2026, 12, 31), "regular")
    }
    assert {_paid(e) for e in people} == {Decimal("960.00")}


def test_quarterly_batch_after_a_paid_november_pays_october_and_december(tree, staff):
    project = _project(tree, staff)
    e = _enrol(tree, project, active_from=D(2026, 1, 1))
    services.batch_generate(
        user=staff,
        project=project,
        division=tree.township,
        period_start=D(2026, 1, 1),
        period="span",
        period_end=D(2026, 9, 30),
    )
    # November alone (with arrears it would take the unpaid October along)
    services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=D(2026, 11, 1), arrears=False
    )
    q4 = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=D(2026, 10, 1), period="quarter"
    )
    assert sorted(q4.payments.values_list("covers_from", "covers_to", "amount")) == [
        (D(2026, 10, 1), D(2026, 10, 31), Decimal("80.00")),
        (D(2026, 12, 1), D(2026, 12, 31), Decimal("80.00")),
    ]
    assert q4.total_amount == Decimal("160.00") and _paid(e) == Decimal("960.00")


def test_left_on_31_august_is_paid_eight_months_and_the_line_says_so(tree, staff):
    project = _project(tree, staff)
    e = _enrol(tree, project, active_from=D(2026, 1, 1))
    services.enrolment_exit(user=staff, enrolment=e, reason="moved", on=D(2026, 8, 31), today=TODAY)
    annual = _year(tree, staff, project)
    line = annual.payments.select_related("standard", "enrolment").get()
    assert (line.covers_from, line.covers_to, line.months, line.amount) == (
        D(2026, 1, 1),
        D(2026, 8, 31),
        8,
        Decimal("640.00"),
    )
    assert line.basis == "2026-01-01 – 2026-08-31, 8 months × 80.00 元"


LATE = [
    # rule, paid from, the arrears line (from, to, amount), its text
    ("month_any", D(2026, 1, 1), D(2026, 4, 30), "320.00", "2026-01-01 – 2026-04-30, 4 months × 80.00 元"),
    # 80 × 12/31 + 3 × 80 = 270.967…
    (
        "day",
        D(2026, 1, 20),
        D(2026, 4, 30),
        "270.97",
        "2026-01-20 – 2026-04-30, 101 days by day at 80.00 元 a month",
    ),
]


@pytest.mark.parametrize("how", ["generated", "added"])
@pytest.mark.parametrize(("rule", "start", "end", "amount", "basis"), LATE)
def test_late_enrolment_gets_arrears_lines_naming_their_span(
    tree, staff, how, rule, start, end, amount, basis
):
    """Paid from January, approved in May: the May batch pays May and, as an arrears line,
    January–April — whether the enrolment is in the batch when it is made or added to the draft."""
    project = _project(tree, staff, rule=rule)
    early = _enrol(tree, project, active_from=D(2026, 1, 1), n=1)
    services.batch_generate(
        user=staff,
        project=project,
        division=tree.township,
        period_start=D(2026, 1, 1),
        period="span",
        period_end=D(2026, 4, 30),
    )
    late = _enrol(tree, project, active_from=start, n=2) if how == "generated" else None
    may = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=D(2026, 5, 1), arrears=True
    )
    assert list(may.payments.filter(enrolment=early).values_list("kind", "covers_from")) == [
        ("regular", D(2026, 5, 1))
    ]
    if late is None:
        late = _enrol(tree, project, active_from=start, n=2)
        first = services.payment_add(user=staff, batch=may, enrolment=late)
        assert first.kind == "arrears"
    lines = list(
        may.payments.filter(enrolment=late).select_related("standard", "enrolment").order_by("covers_from")
    )
    assert [(p.kind, p.covers_from, p.covers_to) for p in lines] == [
        ("arrears", start, end),
        ("regular", D(2026, 5, 1), D(2026, 5, 31)),
    ]
    assert lines[0].amount == Decimal(amount)
    assert lines[0].basis == basis


# --- the database's exclusion constraint -------------------------------------------------------

INSERT = """
    INSERT INTO beneficiaries_payment
        (batch_id, enrolment_id, covers_from, covers_to, kind, months, days, amount, standard_id,
         bank_card_cipher, bank_card_index, bank_name, status, failure_reason, bank_reference,
         reissue_of_id, adjust_reason, failure_kind)
    VALUES (%s, %s, %s, %s, 'regular', NULL, NULL, 80.00, NULL, '', NULL, '', %s, %s, '', NULL, '', '')
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
def test_raw_insert_of_an_overlapping_live_payment_fails(tree, staff):
    """A write that bypasses the service still cannot cover a day twice: a raw INSERT of a live
    line overlapping a paid March by one day (another start date, so only the exclusion
    constraint can catch it) fails; a failed line over the same days, and a live line from the
    day after, are accepted."""
    project = _project(tree, staff)
    e = _enrol(tree, project, active_from=D(2026, 1, 1))
    march = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=D(2026, 3, 1), arrears=False
    )
    with connection.cursor() as cursor:
        for covers in [
            (D(2026, 2, 15), D(2026, 3, 1)),
            (D(2026, 3, 31), D(2026, 4, 30)),
            (D(2026, 3, 10), D(2026, 3, 20)),
        ]:
            with pytest.raises(IntegrityError, match="payment_covers_no_day_twice"), transaction.atomic():
                cursor.execute(INSERT, [march.pk, e.pk, *covers, "pending", ""])
            with pytest.raises(IntegrityError, match="payment_covers_no_day_twice"), transaction.atomic():
                cursor.execute(INSERT, [march.pk, e.pk, *covers, "paid", ""])
        cursor.execute(INSERT, [march.pk, e.pk, D(2026, 3, 10), D(2026, 4, 30), "failed", "账户已注销"])
        cursor.execute(INSERT, [march.pk, e.pk, D(2026, 4, 1), D(2026, 4, 30), "pending", ""])
    assert Payment.objects.filter(enrolment=e).count() == 3
