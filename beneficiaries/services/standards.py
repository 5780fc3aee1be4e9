"""Subsidy standards (补助标准) and mutually exclusive project pairs.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext

from beneficiaries.models import (
    ExclusivePair,
    SubsidyStandard,
)
from beneficiaries.selectors import enrolment_project_get
from core.money import money, parse_money
from org.audit import audited_save
from org.roles import OFFICE_AND_REVIEWER, require_role


def _may_manage_project(*, user, project) -> None:
    """Standards and exclusive pairs are set by the office that owns the project."""
    from projects.models import Project

    require_role(user, *OFFICE_AND_REVIEWER)
    if not Project.objects.owned_by_scope_of(user).filter(pk=project.pk).exists():
        raise ValidationError(
            {
                "project": gettext("Only the office that runs %(project)s sets its standards.")
                % {"project": project.name}
            }
        )


@transaction.atomic
def standard_set(
    *,
    user,
    project,
    amount,
    effective_from: datetime.date,
    tier: str = "",
    unit: str = SubsidyStandard.Unit.PERSON,
    period: str = SubsidyStandard.Period.YEAR,
    effective_to: datetime.date | None = None,
    proration: str = SubsidyStandard.Proration.MONTH_ANY,
) -> SubsidyStandard:
    """Add a standard. The dates of two standards of the same project and tier may not
    overlap; an open-ended earlier standard is closed the day before the new one starts.
    ``proration`` says how a part period is paid (beneficiaries.coverage)."""
    from projects.models import Project

    _may_manage_project(user=user, project=project)
    Project.objects.select_for_update().get(pk=project.pk)  # one standard change per project at a time
    amount = parse_money(amount, field="amount")
    if amount <= 0:
        raise ValidationError({"amount": gettext("The amount must be more than zero.")})
    if unit not in SubsidyStandard.Unit.values:
        raise ValidationError({"unit": gettext("Choose per person or per household.")})
    if period not in SubsidyStandard.Period.values:
        raise ValidationError({"period": gettext("Choose per month, quarter or year.")})
    if proration not in SubsidyStandard.Proration.values:
        raise ValidationError({"proration": gettext("Choose how a part period is paid.")})
    if effective_from is None:
        raise ValidationError({"effective_from": gettext("Give the date the standard applies from.")})
    if effective_to is not None and effective_to < effective_from:
        raise ValidationError({"effective_to": gettext("The end date is before the start date.")})
    tier = (tier or "").strip()
    same = SubsidyStandard.objects.filter(project=project, tier=tier)
    open_earlier = same.filter(effective_from__lt=effective_from, effective_to__isnull=True).first()
    if open_earlier is not None:
        open_earlier.effective_to = effective_from - datetime.timedelta(days=1)
        audited_save(open_earlier, user=user, update_fields=["effective_to"])
    overlap = same.filter(
        models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=effective_from),
        **({"effective_from__lte": effective_to} if effective_to else {}),
    )
    if overlap.exists():
        other = overlap.first()
        raise ValidationError(
            {
                "effective_from": gettext(
                    "Another standard of this tier applies from %(start)s: the dates may not overlap."
                )
                % {"start": other.effective_from}
            }
        )
    standard = SubsidyStandard(
        project=project,
        tier=tier,
        unit=unit,
        period=period,
        proration=proration,
        amount=amount,
        effective_from=effective_from,
        effective_to=effective_to,
        created_by=user,
    )
    audited_save(standard, user=user)
    return standard


def standard_amount_for(standard: SubsidyStandard, *, period: str, persons: int) -> Decimal:
    """The amount one enrolment gets for one batch period under ``standard``."""
    months = SubsidyStandard.MONTHS[period]
    per = standard.amount * months / SubsidyStandard.MONTHS[standard.period]
    if standard.unit == SubsidyStandard.Unit.PERSON:
        per *= persons
    return money(per)


@transaction.atomic
def exclusive_pair_add(*, user, first, second, note: str = "") -> ExclusivePair:
    _may_manage_project(user=user, project=first)
    enrolment_project_get(user=user, project=second)
    if first.pk == second.pk:
        raise ValidationError({"second": gettext("Choose two different projects.")})
    if ExclusivePair.objects.filter(
        models.Q(first=first, second=second) | models.Q(first=second, second=first)
    ).exists():
        raise ValidationError({"second": gettext("These two projects are already marked as exclusive.")})
    return ExclusivePair.objects.create(first=first, second=second, note=(note or "").strip()[:200])
