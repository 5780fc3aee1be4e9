"""Callbacks (回访) to beneficiaries.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.models import (
    Callback,
    Enrolment,
)
from org.audit import audited_save
from org.roles import FIELD, require_role


@transaction.atomic
def callback_record(
    *,
    user,
    enrolment: Enrolment,
    method: str,
    called_on: datetime.date,
    reached: bool,
    knew_policy: bool | None = None,
    received_money: bool | None = None,
    satisfied: bool | None = None,
    notes: str = "",
    today: datetime.date | None = None,
) -> Callback:
    """Record a 回访. When the person was not reached, the three answers stay empty."""
    require_role(user, *FIELD)
    today = today or timezone.localdate()
    enrolment = Enrolment.objects.visible_to(user).get(pk=enrolment.pk)
    if method not in Callback.Method.values:
        raise ValidationError({"method": gettext("Choose phone or visit.")})
    if called_on is None or called_on > today:
        raise ValidationError(
            {"called_on": gettext("The date %(date)s is missing or in the future.") % {"date": called_on}}
        )
    if not reached and any(v is not None for v in (knew_policy, received_money, satisfied)):
        raise ValidationError({"reached": gettext("Nobody was reached, so there are no answers to record.")})
    callback = Callback(
        enrolment=enrolment,
        method=method,
        called_on=called_on,
        reached=bool(reached),
        knew_policy=knew_policy if reached else None,
        received_money=received_money if reached else None,
        satisfied=satisfied if reached else None,
        notes=(notes or "").strip()[:500],
        recorded_by=user,
    )
    audited_save(callback, user=user)
    return callback
