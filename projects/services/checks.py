"""Parsers and checks every projects write shares: quantities, months, units, the 404 for what is out of scope.

Every function is keyword-only, takes the acting user, checks the user's right (Http404 for an
object or division outside the user's scope, PermissionDenied for one in scope the user may not
change), validates with a ValidationError naming the field and the values, and is its own
transaction. ``today`` parameters default to ``timezone.localdate()`` (Asia/Shanghai)."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from core.money import ZERO, parse_money
from org.scoping import division_in_scope
from projects.models import (
    Target,
)


def parse_quantity(value, *, field: str) -> Decimal:
    """A non-negative number with at most 2 decimals, or ValidationError naming ``field``."""
    amount = parse_money(value, field=field)
    if amount < ZERO:
        raise ValidationError(
            {
                field: gettext("%(field)s cannot be negative (got %(value)s).")
                % {"field": field, "value": value}
            }
        )
    return amount


def parse_month(value, *, field: str = "month") -> datetime.date:
    """A month as a date (any day) or "YYYY-MM" text → the first day of that month."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        parsed = datetime.datetime.strptime(text[:7], "%Y-%m").date()
    except ValueError:
        raise ValidationError(
            {field: gettext("“%(value)s” is not a month: write it as YYYY-MM.") % {"value": value}}
        ) from None
    return parsed


def parse_unit(value, *, field: str = "unit") -> str:
    unit = str(value or "").strip()
    if unit not in Target.Unit.values:
        raise ValidationError(
            {
                field: gettext("Unknown unit “%(unit)s”: use one of %(units)s.")
                % {"unit": unit, "units": "、".join(Target.Unit.values)}
            }
        )
    return unit


def _deny(message: str):
    raise PermissionDenied(message)


def _visible_or_404(model, *, user, pk) -> None:
    """Outside the user's scope a record answers 404 like a missing one, never 403 (which would
    confirm that it exists). A check of its own, so the locks taken after it stay as they were."""
    if not model.objects.visible_to(user).filter(pk=pk).exists():
        raise Http404(gettext("No such record in your area."))


def _division_visible_or_404(user, division) -> None:
    if not division_in_scope(user, division):
        raise Http404(gettext("No such division in your area."))


def _today(today):
    return today or timezone.localdate()


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"
