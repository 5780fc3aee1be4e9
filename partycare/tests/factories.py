import datetime
import itertools

from beneficiaries.tests.factories import person
from core.idcard import make_id_number
from partycare.models import Branch, PartyMember

_sequence = itertools.count(1)


def branch(*, division, name=None, **extra) -> Branch:
    return Branch.objects.create(
        division=division, name=name or f"{division.name}党支部{next(_sequence)}", **extra
    )


def member(
    *,
    branch,
    born=datetime.date(1950, 3, 10),
    joined_on=datetime.date(1975, 7, 1),
    name="王党员",
    village=None,
    **extra,
) -> PartyMember:
    number = make_id_number(region="341226", birth_date=born, sequence=next(_sequence) % 500, sex="M")
    p = person(
        village=village or (branch.division if branch.division.is_village else None), name=name, number=number
    )
    return PartyMember.objects.create(person=p, branch=branch, joined_on=joined_on, **extra)
