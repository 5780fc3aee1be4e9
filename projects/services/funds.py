"""Funds (资金) by source: planned amounts and dated movements (received, allocated, spent) in order.

Every function is keyword-only, takes the acting user, checks the user's right (Http404 for an
object or division outside the user's scope, PermissionDenied for one in scope the user may not
change), validates with a ValidationError naming the field and the values, and is its own
transaction. ``today`` parameters default to ``timezone.localdate()`` (Asia/Shanghai)."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from core.money import ZERO, parse_money
from projects import permissions
from projects.models import (
    FundLine,
    FundMovement,
    FundSource,
    Project,
)
from projects.services.checks import _deny, _fmt, _today, _visible_or_404, parse_quantity


def _check_source(source: str) -> None:
    if source not in FundSource.values:
        raise ValidationError(
            {
                "source": gettext("Unknown fund source “%(source)s”: use one of %(sources)s.")
                % {"source": source, "sources": ", ".join(FundSource.values)}
            }
        )


@transaction.atomic
def fund_line_set(*, user, project: Project, source: str, planned) -> FundLine:
    """Set the planned amount of one source of a project (created when missing)."""
    _check_source(source)
    planned = parse_quantity(planned, field="planned")
    _visible_or_404(Project, user=user, pk=project.pk)
    if not permissions.may_manage_project(user, project):
        _deny(gettext("You may not change the funds of this project."))
    line, _created = FundLine.objects.select_for_update().get_or_create(project=project, source=source)
    line.planned = planned
    line.full_clean()
    line.save()
    return line


def fund_order_check(line: FundLine, movements: Iterable[FundMovement]) -> None:
    """spent ≤ allocated ≤ received at the end of every day that has a movement, else a
    ValidationError naming the date and the amounts. ``movements`` are all of the line's."""
    totals = dict.fromkeys(FundMovement.Kind.values, ZERO)
    by_date: dict[datetime.date, list[FundMovement]] = {}
    for movement in movements:
        by_date.setdefault(movement.date, []).append(movement)
    for day in sorted(by_date):
        for movement in by_date[day]:
            totals[movement.kind] += movement.amount
        received, allocated, spent = totals["received"], totals["allocated"], totals["spent"]
        params = {"date": day.isoformat(), "source": line.get_source_display()}
        if allocated > received:
            raise ValidationError(
                {
                    "amount": gettext(
                        "By %(date)s %(source)s funds allocated would be %(allocated)s yuan but only %(received)s yuan "
                        "had been received: allocated cannot exceed received."
                    )
                    % {**params, "allocated": _fmt(allocated), "received": _fmt(received)}
                }
            )
        if spent > allocated:
            raise ValidationError(
                {
                    "amount": gettext(
                        "By %(date)s %(source)s funds spent would be %(spent)s yuan but only %(allocated)s yuan "
                        "had been allocated: spent cannot exceed allocated."
                    )
                    % {**params, "spent": _fmt(spent), "allocated": _fmt(allocated)}
                }
            )


def _check_movement(*, project: Project, kind: str, date, amount, today) -> tuple[datetime.date, Decimal]:
    if kind not in FundMovement.Kind.values:
        raise ValidationError({"kind": gettext("Unknown movement “%(kind)s”.") % {"kind": kind}})
    amount = parse_money(amount, field="amount")
    if amount <= ZERO:
        raise ValidationError(
            {"amount": gettext("The amount must be more than zero (got %(amount)s).") % {"amount": amount}}
        )
    if not isinstance(date, datetime.date):
        try:
            date = datetime.date.fromisoformat(str(date))
        except ValueError:
            raise ValidationError(
                {"date": gettext("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": date}}
            ) from None
    if date > today:
        raise ValidationError(
            {
                "date": gettext("%(date)s is in the future (today is %(today)s).")
                % {"date": date, "today": today}
            }
        )
    if date.year < project.year:
        raise ValidationError(
            {
                "date": gettext("%(date)s is before the project's year %(year)s.")
                % {"date": date, "year": project.year}
            }
        )
    return date, amount


@transaction.atomic
def fund_movement_record(
    *,
    user,
    project: Project,
    source: str,
    kind: str,
    date,
    amount,
    reference: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> FundMovement:
    """Record money received (到位), allocated (拨付) or spent (支出) on one source of a project.
    Refused: a non-positive amount, a date in the future or before the project's year, an unknown
    source or kind, and any movement after which spent > allocated or allocated > received at
    some date (the message names the date and both amounts)."""
    _check_source(source)
    _visible_or_404(Project, user=user, pk=project.pk)
    date, amount = _check_movement(project=project, kind=kind, date=date, amount=amount, today=_today(today))
    if not permissions.may_manage_project(user, project):
        _deny(gettext("You may not change the funds of this project."))
    line, _created = FundLine.objects.select_for_update().get_or_create(project=project, source=source)
    movement = FundMovement(
        fund_line=line,
        kind=kind,
        date=date,
        amount=amount,
        reference=(reference or "").strip(),
        note=(note or "").strip(),
        recorded_by=user,
    )
    fund_order_check(line, [*line.movements.all(), movement])
    movement.full_clean()
    movement.save()
    return movement


@transaction.atomic
def fund_movement_update(
    *, user, movement: FundMovement, today: datetime.date | None = None, **fields
) -> FundMovement:
    """Change kind, date, amount, reference or note of a movement; the order rule is re-checked
    over the whole line."""
    _visible_or_404(FundMovement, user=user, pk=movement.pk)
    movement = FundMovement.objects.select_related("fund_line__project").get(pk=movement.pk)
    line = FundLine.objects.select_for_update().get(pk=movement.fund_line_id)
    project = movement.fund_line.project
    if not permissions.may_manage_project(user, project):
        _deny(gettext("You may not change the funds of this project."))
    unknown = set(fields) - {"kind", "date", "amount", "reference", "note"}
    if unknown:
        raise ValidationError(
            gettext("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    kind = fields.get("kind", movement.kind)
    date, amount = _check_movement(
        project=project,
        kind=kind,
        date=fields.get("date", movement.date),
        amount=fields.get("amount", movement.amount),
        today=_today(today),
    )
    movement.kind, movement.date, movement.amount = kind, date, amount
    movement.reference = (fields.get("reference", movement.reference) or "").strip()
    movement.note = (fields.get("note", movement.note) or "").strip()
    movement.recorded_by = user
    fund_order_check(line, [*line.movements.exclude(pk=movement.pk), movement])
    movement.full_clean()
    movement.save()
    return movement
