"""Checks every party-care write shares: who edits, dates not ahead, the user's area, a member in reach.

Writes are keyword-only; each function is its own transaction, takes the acting user, checks
role and scope, and refuses bad input with a message naming the field."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from org.models import Division
from org.scoping import division_in_scope
from partycare.models import (
    PartyMember,
)


# Defaults when the county has not configured a year (暖心工程: allowance ≥ 200 元 a year,
def _today(today):
    return today or timezone.localdate()


def _not_future(value: datetime.date, *, field: str, today: datetime.date) -> None:
    if value is None:
        raise ValidationError({field: gettext("The date is required.")})
    if value > today:
        raise ValidationError(
            {
                field: gettext("%(date)s is in the future (today is %(today)s).")
                % {"date": value, "today": today}
            }
        )


def _in_scope(user, division: Division, field: str) -> None:
    if division is None or not division_in_scope(user, division):
        raise ValidationError({field: gettext("This lies outside your area.")})


def _member_for_write(user, member: PartyMember) -> PartyMember:
    member = (
        PartyMember.objects.visible_to(user)
        .select_related("person", "branch__division")
        .filter(pk=getattr(member, "pk", member))
        .first()
    )
    if member is None:
        raise ValidationError({"member": gettext("This member lies outside your area.")})
    return member
