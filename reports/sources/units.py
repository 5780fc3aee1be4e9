"""Units and periods: what a report or a score is about, and the read-only viewer through
whom a unit's numbers are read."""

import calendar
import datetime
from dataclasses import dataclass

from org.models import Division, Role, User

VIEWER_ROLE = {
    Division.Level.PROVINCE: Role.PROVINCE_AUDITOR,
    Division.Level.CITY: Role.CITY_AUDITOR,
    Division.Level.COUNTY: Role.COUNTY_AUDITOR,
    Division.Level.TOWNSHIP: Role.TOWNSHIP_STAFF,
    Division.Level.VILLAGE: Role.VILLAGE_CADRE,
}


def unit_viewer(division: Division) -> User:
    """A stand-in user who sees exactly ``division`` and below. Never saved; only passed to
    selectors (reads)."""
    viewer = User(username=f"viewer-{division.code}", role=VIEWER_ROLE[division.level], is_active=True)
    viewer.division = division
    return viewer


@dataclass(frozen=True)
class Unit:
    """Something assessed or reported on: a division, or a department of a township."""

    key: str  # "division:12" / "department:7"
    name: str
    division: Division
    department_id: int | None = None
    branch_id: int | None = None

    @property
    def viewer(self) -> User:
        return unit_viewer(self.division)

    @classmethod
    def of_division(cls, division: Division) -> "Unit":
        return cls(key=f"division:{division.pk}", name=division.name, division=division)

    @classmethod
    def of_department(cls, department) -> "Unit":
        return cls(
            key=f"department:{department.pk}",
            name=department.name,
            division=department.division,
            department_id=department.pk,
        )

    @classmethod
    def of_branch(cls, branch) -> "Unit":
        return cls(key=f"branch:{branch.pk}", name=branch.name, division=branch.division, branch_id=branch.pk)


@dataclass(frozen=True)
class Period:
    """What a report or score covers: up to ``end`` (inclusive) within ``year``."""

    start: datetime.date
    end: datetime.date

    @property
    def year(self) -> int:
        return self.end.year

    @classmethod
    def month(cls, month: datetime.date) -> "Period":
        last = calendar.monthrange(month.year, month.month)[1]
        return cls(start=month.replace(day=1), end=month.replace(day=last))
