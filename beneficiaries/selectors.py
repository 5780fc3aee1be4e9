"""Reads of the person registry, always through the user's scope."""

import re

from django.shortcuts import get_object_or_404

from beneficiaries.models import Household, Person
from common.idcard import normalize_id_number
from org.models import Role

ID_LIKE = re.compile(r"^\d{6,17}[\dXx]?$")
ASCII_WORD = re.compile(r"^[A-Za-z]+$")


def sees_whole_numbers(user) -> bool:
    """County auditors need ID and card numbers whole; everyone else sees them masked."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.COUNTY_AUDITOR
    )


def person_list(*, user, search: str | None = None, village_id: int | None = None, status: str | None = None):
    """Persons in scope. ``search`` takes a name (张三), its pinyin or initials (zhangsan, zs), or
    a whole ID number (matched exactly through the blind index)."""
    qs = Person.objects.visible_to(user).select_related("village", "household")
    if village_id:
        qs = qs.filter(village_id=village_id)
    if status:
        qs = qs.filter(status=status)
    search = (search or "").strip()
    if search:
        if ID_LIKE.match(search) and len(search) == 18:
            qs = qs.with_id_number(normalize_id_number(search))
        elif ASCII_WORD.match(search):
            qs = qs.filter(name_search__contains=search.lower())
        else:
            qs = qs.filter(name__contains=search)
    return qs


def person_get(*, user, pk: int) -> Person:
    return get_object_or_404(
        Person.objects.visible_to(user).select_related("village__parent", "household"), pk=pk
    )


def household_list(*, user, village_id: int | None = None):
    qs = Household.objects.visible_to(user).select_related("village", "head")
    if village_id:
        qs = qs.filter(village_id=village_id)
    return qs


def household_get(*, user, pk: int) -> Household:
    return get_object_or_404(Household.objects.visible_to(user).select_related("village", "head"), pk=pk)
