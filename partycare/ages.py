"""Whole years between two dates: a member's age and party age, and the same rule as a cutoff
date for SQL. Pure date arithmetic, below the models (``PartyMember.age_on``) and the care
rules (``partycare.eligibility``) that both use it.

Someone "has turned N" on the anniversary of the start date; a 29 February birthday or join date
falls on 1 March in a common year (the day after 28 February). In SQL the same rule is a cutoff:
the start date is on or before ``anniversary_cutoff(today, N)``.
"""

import datetime


def add_years(start: datetime.date, years: int) -> datetime.date:
    """The anniversary: 29 February → 1 March in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return datetime.date(start.year + years, 3, 1)


def full_years(start: datetime.date | None, day: datetime.date) -> int:
    """Whole years from ``start`` to ``day`` (age, party age); 0 before the start."""
    if start is None or day < start:
        return 0
    years = day.year - start.year
    return years if add_years(start, years) <= day else years - 1


def anniversary_cutoff(day: datetime.date, years: int) -> datetime.date:
    """The latest start date that has reached ``years`` whole years by ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # day is 29 February, the year N back is common
        return datetime.date(day.year - years, 2, 28)
