"""Targets (目标任务): set per division, split down to villages so the parts add up.

Every function is keyword-only, takes the acting user, checks the user's right (Http404 for an
object or division outside the user's scope, PermissionDenied for one in scope the user may not
change), validates with a ValidationError naming the field and the values, and is its own
transaction. ``today`` parameters default to ``timezone.localdate()`` (Asia/Shanghai)."""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext

from core.money import ZERO
from org.models import Division
from projects import permissions
from projects.models import (
    Project,
    Target,
)
from projects.services.checks import (
    _deny,
    _division_visible_or_404,
    _fmt,
    _visible_or_404,
    parse_quantity,
    parse_unit,
)


def _check_target_division(project: Project, division: Division) -> None:
    if not division.code.startswith(project.division.code):
        raise ValidationError(
            {
                "division": gettext("%(division)s is not within %(owner)s, which owns the project.")
                % {"division": division.name, "owner": project.division.name}
            }
        )


def _project_unit(project: Project, exclude_pk=None) -> str | None:
    qs = Target.objects.filter(project=project)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.values_list("unit", flat=True).first()


def _children_sum(target: Target) -> Decimal:
    return target.children.aggregate(total=Sum("quantity"))["total"] or ZERO


@transaction.atomic
def target_set(*, user, project: Project, division: Division, quantity, unit: str) -> Target:
    """Create or change the target of ``project`` in ``division``.

    A project measures all its targets in one unit. A target below the owner division hangs under
    the target of its parent division (which must exist). Refused: a negative quantity, an unknown
    unit, a unit other than the project's, a division outside the project, children adding up to
    more than their parent, or a parent set below what is already split over its children."""
    quantity = parse_quantity(quantity, field="quantity")
    unit = parse_unit(unit)
    _visible_or_404(Project, user=user, pk=project.pk)
    _division_visible_or_404(user, division)
    if not permissions.may_set_target(user, project, division):
        _deny(gettext("You may not set the target of %(division)s.") % {"division": division.name})
    _check_target_division(project, division)
    Project.objects.select_for_update().get(pk=project.pk)  # one writer of a project's targets at a time
    target = Target.objects.filter(project=project, division=division).first()
    project_unit = _project_unit(project, exclude_pk=target.pk if target else None)
    if project_unit and unit != project_unit:
        raise ValidationError(
            {
                "unit": gettext("This project counts its targets in %(unit)s, not in %(given)s.")
                % {"unit": project_unit, "given": unit}
            }
        )
    parent = None
    if division.pk != project.division_id:
        parent = Target.objects.filter(project=project, division_id=division.parent_id).first()
        if parent is None:
            raise ValidationError(
                {
                    "division": gettext(
                        "Set the target of %(parent)s first: %(division)s's target is a share of it."
                    )
                    % {"parent": division.parent.name, "division": division.name}
                }
            )
        siblings = (
            parent.children.exclude(division=division).aggregate(total=Sum("quantity"))["total"] or ZERO
        )
        if siblings + quantity > parent.quantity:
            raise ValidationError(
                {
                    "quantity": gettext(
                        "The shares of %(parent)s would add up to %(sum)s %(unit)s, more than its target of "
                        "%(target)s %(unit)s (by %(difference)s)."
                    )
                    % {
                        "parent": parent.division.name,
                        "sum": _fmt(siblings + quantity),
                        "unit": unit,
                        "target": _fmt(parent.quantity),
                        "difference": _fmt(siblings + quantity - parent.quantity),
                    }
                }
            )
    if target is not None:
        split = _children_sum(target)
        if quantity < split:
            raise ValidationError(
                {
                    "quantity": gettext(
                        "%(division)s's target is already split over its villages for %(sum)s %(unit)s; "
                        "it cannot be set to %(quantity)s %(unit)s."
                    )
                    % {
                        "division": division.name,
                        "sum": _fmt(split),
                        "unit": unit,
                        "quantity": _fmt(quantity),
                    }
                }
            )
        target.quantity, target.unit, target.parent = quantity, unit, parent
    else:
        target = Target(project=project, division=division, parent=parent, quantity=quantity, unit=unit)
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def target_split(*, user, target: Target, parts: Mapping[Division, object] | Iterable) -> list[Target]:
    """Split ``target`` over divisions directly below its division: ``parts`` maps each division
    (or gives (division, quantity) pairs) to its share. The shares must add up to the target
    exactly, else ValidationError on ``parts`` naming both sums and the difference. Shares left
    out are removed (refused when progress was recorded on them). A target with progress of its
    own cannot be split: progress is recorded where the work is counted."""
    _visible_or_404(Target, user=user, pk=target.pk)
    target = Target.objects.select_for_update().select_related("project", "division").get(pk=target.pk)
    if not permissions.may_split_target(user, target):
        _deny(gettext("You may not split the target of %(division)s.") % {"division": target.division.name})
    pairs = list(parts.items()) if isinstance(parts, Mapping) else list(parts)
    shares: dict[int, tuple[Division, Decimal]] = {}
    for division, value in pairs:
        if division.parent_id != target.division_id:
            raise ValidationError(
                {
                    "parts": gettext("%(division)s is not directly below %(parent)s.")
                    % {"division": division.name, "parent": target.division.name}
                }
            )
        shares[division.pk] = (division, parse_quantity(value, field=division.name))
    total = sum((q for _, q in shares.values()), ZERO)
    if total != target.quantity:
        difference = target.quantity - total
        raise ValidationError(
            {
                "parts": gettext(
                    "The shares add up to %(sum)s %(unit)s but %(division)s's target is %(target)s %(unit)s: "
                    "%(difference)s %(unit)s %(direction)s."
                )
                % {
                    "sum": _fmt(total),
                    "unit": target.unit,
                    "division": target.division.name,
                    "target": _fmt(target.quantity),
                    "difference": _fmt(abs(difference)),
                    "direction": gettext("still to assign") if difference > 0 else gettext("too many"),
                }
            }
        )
    if target.progress.exists():
        raise ValidationError(
            {
                "parts": gettext(
                    "Progress is already recorded on %(division)s's target itself, so it cannot be split."
                )
                % {"division": target.division.name}
            }
        )
    existing = {child.division_id: child for child in target.children.all()}
    for division_id, child in existing.items():
        if division_id not in shares:
            if child.progress.exists() or child.children.exists():
                raise ValidationError(
                    {
                        "parts": gettext(
                            "%(division)s already has progress or shares of its own; give it a share."
                        )
                        % {"division": child.division.name}
                    }
                )
            child.delete()
    result = []
    for division_id, (division, quantity) in shares.items():
        child = existing.get(division_id) or Target(
            project=target.project, division=division, parent=target, unit=target.unit
        )
        grandchildren = _children_sum(child) if child.pk else ZERO
        if quantity < grandchildren:
            raise ValidationError(
                {
                    "parts": gettext("%(division)s has already split %(sum)s %(unit)s further down.")
                    % {"division": division.name, "sum": _fmt(grandchildren), "unit": target.unit}
                }
            )
        child.quantity = quantity
        child.full_clean()
        child.save()
        result.append(child)
    return result
