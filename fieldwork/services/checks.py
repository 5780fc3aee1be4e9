"""Checks every field-work write shares: who records, dates not ahead, the user's area, a member in reach."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from fieldwork.models import HomeVisit
from org.models import Division
from org.scoping import division_in_scope


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


def _member_for_write(user, member):
    """The party member who made a visit, when the user may see them. The member model is
    partycare's, one layer up: it is reached through the visit's ``member`` field, not imported."""
    members = HomeVisit._meta.get_field("member").related_model.objects.visible_to(user)
    member = members.select_related("person").filter(pk=getattr(member, "pk", member)).first()
    if member is None:
        raise ValidationError({"member": gettext("This member lies outside your area.")})
    return member
