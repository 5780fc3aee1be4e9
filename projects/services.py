"""Writes of the projects app.

Every function is keyword-only, takes the acting user, checks the user's right (Http404 for an
object or division outside the user's scope, the same answer as a missing one; PermissionDenied
for one in scope the user may not change), validates with a ValidationError whose message names the field and the values, and
is its own transaction (``transaction.atomic`` nests as a savepoint, so an import can call these
row by row inside one outer transaction and roll everything back on the first error).

``today`` parameters exist so tests and imports can fix the date; they default to
``timezone.localdate()`` (Asia/Shanghai).
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from common.money import ZERO, parse_money
from org.models import Department, Division
from org.scoping import division_in_scope
from org.services import ensure_four_eyes
from projects import permissions
from projects.models import (
    FundLine,
    FundMovement,
    FundSource,
    ProgressReport,
    Project,
    Site,
    SiteControl,
    Target,
)

PROJECT_FIELDS = (
    "code",
    "name",
    "kind",
    "category",
    "lead_department",
    "responsible_person",
    "responsible_phone",
    "policy",
)


# --- small parsers shared by forms, API and imports ------------------------------------------


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


# --- projects --------------------------------------------------------------------------------


def _check_project_fields(
    *, division: Division, lead_department: Department, kind: str, category: str
) -> None:
    errors = {}
    if division.level == Division.Level.VILLAGE:
        errors["division"] = gettext(
            "A project belongs to a township or to the county, not to a village (“%(division)s”)."
        ) % {"division": division.name}
    if kind not in Project.Kind.values:
        errors["kind"] = gettext("Unknown kind “%(value)s”.") % {"value": kind}
    if category not in Project.Category.values:
        errors["category"] = gettext("Unknown category “%(value)s”.") % {"value": category}
    # The lead department serves the owner division or the county above it.
    if lead_department is not None and not (
        division.code.startswith(lead_department.division.code)
        or lead_department.division.code.startswith(division.code)
    ):
        errors["lead_department"] = gettext(
            "The lead department “%(department)s” belongs to %(its)s, not to %(division)s."
        ) % {
            "department": lead_department.name,
            "its": lead_department.division.name,
            "division": division.name,
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def project_create(
    *,
    user,
    year: int,
    code: str,
    name: str,
    kind: str,
    category: str,
    division: Division,
    lead_department: Department,
    responsible_person: str,
    responsible_phone: str = "",
    policy: str = "",
) -> Project:
    """Create a project owned by ``division`` (a township in the user's scope, or the county for
    the administrator). Raises PermissionDenied outside the user's rights, ValidationError on a
    village owner, an unknown kind/category, a foreign department or a duplicate code."""
    _division_visible_or_404(user, division)
    if not permissions.may_create_project(user, division):
        _deny(gettext("You may not create projects for %(division)s.") % {"division": division.name})
    _check_project_fields(division=division, lead_department=lead_department, kind=kind, category=category)
    code = (code or "").strip()
    if Project.objects.filter(division=division, year=year, code=code).exists():
        raise ValidationError(
            {
                "code": gettext("%(division)s already has a project %(code)s in %(year)s.")
                % {"division": division.name, "code": code, "year": year}
            }
        )
    project = Project(
        year=year,
        code=code,
        name=(name or "").strip(),
        kind=kind,
        category=category,
        division=division,
        lead_department=lead_department,
        responsible_person=(responsible_person or "").strip(),
        responsible_phone=(responsible_phone or "").strip(),
        policy=policy or "",
        created_by=user,
    )
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_update(*, user, project: Project, **fields) -> Project:
    """Change the fields in PROJECT_FIELDS; the owner division and the year stay."""
    _visible_or_404(Project, user=user, pk=project.pk)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not permissions.may_manage_project(user, project):
        _deny(gettext("You may not change this project."))
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    for name, value in fields.items():
        setattr(project, name, value.strip() if isinstance(value, str) and name != "policy" else value)
    _check_project_fields(
        division=project.division,
        lead_department=project.lead_department,
        kind=project.kind,
        category=project.category,
    )
    if (
        Project.objects.filter(division=project.division, year=project.year, code=project.code)
        .exclude(pk=project.pk)
        .exists()
    ):
        raise ValidationError(
            {"code": gettext("Another project already has the code %(code)s.") % {"code": project.code}}
        )
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_carry_forward(*, user, from_year: int, to_year: int | None = None) -> dict:
    """Copy the projects of ``from_year`` that the user manages to ``to_year`` (default: the next
    year): code, name, kind, category, lead department, responsible person and policy. Targets,
    progress, funds and sites are not copied: they are set anew every year. A project whose
    code already exists in the new year is skipped, so running it twice copies nothing more.
    Returns {"created": n, "skipped": m}."""
    to_year = to_year or from_year + 1
    if to_year <= from_year:
        raise ValidationError(
            {"to_year": gettext("Carry forward goes to a later year than %(year)s.") % {"year": from_year}}
        )
    if not permissions.may_create_project(user):
        _deny(gettext("You may not create projects."))
    sources = [
        p
        for p in Project.objects.owned_by_scope_of(user).filter(year=from_year).select_related("division")
        if permissions.may_manage_project(user, p)
    ]
    existing = set(
        Project.objects.filter(year=to_year, division__in=[p.division_id for p in sources]).values_list(
            "division_id", "code"
        )
    )
    copies = [
        Project(
            year=to_year,
            code=p.code,
            name=p.name,
            kind=p.kind,
            category=p.category,
            division_id=p.division_id,
            lead_department_id=p.lead_department_id,
            responsible_person=p.responsible_person,
            responsible_phone=p.responsible_phone,
            policy=p.policy,
            carried_from=p,
            created_by=user,
        )
        for p in sources
        if (p.division_id, p.code) not in existing
    ]
    for copy in copies:  # one by one, so the audit history records each creation
        copy.save()
    return {"created": len(copies), "skipped": len(sources) - len(copies)}


# --- targets ---------------------------------------------------------------------------------


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


# --- progress --------------------------------------------------------------------------------


@transaction.atomic
def progress_record(
    *,
    user,
    target: Target,
    month,
    actual,
    correction_reason: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> ProgressReport:
    """Record (or re-record) the cumulative actual of ``target`` at the end of ``month``.

    Who: township staff/leaders for targets in their township, village cadres for their own
    village's targets. Refused: a negative actual, a month outside the project's year or in the
    future, a target that is split further (record on its shares), and a figure lower than an
    earlier month (or higher than a later one, or lower than what this month said before) unless
    ``correction_reason`` is given, which marks the report as a correction."""
    today = _today(today)
    month = parse_month(month)
    actual = parse_quantity(actual, field="actual")
    correction_reason = (correction_reason or "").strip()
    _visible_or_404(Target, user=user, pk=target.pk)
    target = Target.objects.select_for_update().select_related("project", "division").get(pk=target.pk)
    if not permissions.may_record_progress(user, target):
        _deny(gettext("You may not record progress for %(division)s.") % {"division": target.division.name})
    if month > today.replace(day=1):
        raise ValidationError(
            {
                "month": gettext("%(month)s is in the future (today is %(today)s).")
                % {"month": f"{month:%Y-%m}", "today": today.isoformat()}
            }
        )
    if month.year != target.project.year:
        raise ValidationError(
            {
                "month": gettext("%(month)s is outside the project's year %(year)s.")
                % {"month": f"{month:%Y-%m}", "year": target.project.year}
            }
        )
    if target.children.exists():
        raise ValidationError(
            {
                "target": gettext(
                    "%(division)s's target is split over its villages: record progress on their targets."
                )
                % {"division": target.division.name}
            }
        )
    reports = target.progress.all()
    previous = reports.filter(month__lt=month).order_by("-month").first()
    following = reports.filter(month__gt=month).order_by("month").first()
    same = reports.filter(month=month).first()
    if not correction_reason:
        message = None
        if previous and actual < previous.actual:
            message = gettext(
                "%(actual)s is lower than %(previous)s recorded for %(month)s: a cumulative figure cannot go "
                "down. If the earlier figure was wrong, record this as a correction with a reason."
            ) % {
                "actual": _fmt(actual),
                "previous": _fmt(previous.actual),
                "month": f"{previous.month:%Y-%m}",
            }
        elif following and actual > following.actual:
            message = gettext(
                "%(actual)s is higher than %(next)s already recorded for the later month %(month)s. "
                "Record this as a correction with a reason."
            ) % {"actual": _fmt(actual), "next": _fmt(following.actual), "month": f"{following.month:%Y-%m}"}
        elif same and actual < same.actual:
            message = gettext(
                "%(actual)s is lower than %(before)s recorded for this month before. "
                "Record this as a correction with a reason."
            ) % {"actual": _fmt(actual), "before": _fmt(same.actual)}
        if message:
            raise ValidationError({"actual": message})
    report = same or ProgressReport(target=target, month=month)
    report.actual = actual
    report.is_correction = bool(correction_reason)
    report.correction_reason = correction_reason
    report.note = (note or "").strip()
    report.recorded_by = user
    report.full_clean()
    report.save()
    return report


# --- funds -----------------------------------------------------------------------------------


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


# --- construction sites ----------------------------------------------------------------------

SITE_FIELDS = ("name", "location", "builder", "supervisor_unit", "investment", "start_date", "end_date")


def _check_site(site: Site) -> None:
    project = site.project
    errors = {}
    if project.kind != Project.Kind.CONSTRUCTION:
        errors["project"] = gettext(
            "Only construction projects have sites; “%(project)s” is a %(kind)s project."
        ) % {"project": project.name, "kind": project.get_kind_display()}
    if not site.division.code.startswith(project.division.code):
        errors["division"] = gettext("%(division)s is not within %(owner)s, which owns the project.") % {
            "division": site.division.name,
            "owner": project.division.name,
        }
    if site.start_date and site.end_date and site.end_date < site.start_date:
        errors["end_date"] = gettext("The completion date %(end)s is before the start date %(start)s.") % {
            "end": site.end_date,
            "start": site.start_date,
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def site_create(
    *,
    user,
    project: Project,
    division: Division,
    name: str,
    location: str,
    investment,
    builder: str = "",
    supervisor_unit: str = "",
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
) -> Site:
    """Register a construction site of a construction project in a township or village."""
    _visible_or_404(Project, user=user, pk=project.pk)
    _division_visible_or_404(user, division)
    if not permissions.may_edit_site(user, division):
        _deny(gettext("You may not register sites in %(division)s.") % {"division": division.name})
    site = Site(
        project=project,
        division=division,
        name=(name or "").strip(),
        location=(location or "").strip(),
        investment=parse_quantity(investment, field="investment"),
        builder=(builder or "").strip(),
        supervisor_unit=(supervisor_unit or "").strip(),
        start_date=start_date,
        end_date=end_date,
        created_by=user,
    )
    _check_site(site)
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def site_update(*, user, site: Site, **fields) -> Site:
    _visible_or_404(Site, user=user, pk=site.pk)
    site = Site.objects.select_for_update().select_related("project", "division").get(pk=site.pk)
    if not permissions.may_edit_site(user, site.division):
        _deny(gettext("You may not change this site."))
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    for name, value in fields.items():
        if name == "investment":
            value = parse_quantity(value, field="investment")
        setattr(site, name, value.strip() if isinstance(value, str) else value)
    _check_site(site)
    site.full_clean()
    site.save()
    return site


def _check_done_on(done_on, today, field="done_on") -> datetime.date:
    if not isinstance(done_on, datetime.date):
        raise ValidationError(
            {field: gettext("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": done_on}}
        )
    if done_on > today:
        raise ValidationError(
            {
                field: gettext("%(date)s is in the future (today is %(today)s).")
                % {"date": done_on, "today": today}
            }
        )
    return done_on


@transaction.atomic
def site_control_record(*, user, site: Site, control: str, done_on, document, today=None) -> SiteControl:
    """Record one of the first five controls (date + document). Completion acceptance, the sixth,
    goes through ``site_accept``."""
    _visible_or_404(Site, user=user, pk=site.pk)
    site = Site.objects.select_for_update().select_related("division").get(pk=site.pk)
    if not permissions.may_edit_site(user, site.division):
        _deny(gettext("You may not change this site."))
    if control not in SiteControl.Control.values:
        raise ValidationError({"control": gettext("Unknown control “%(value)s”.") % {"value": control}})
    if control == SiteControl.Control.ACCEPTANCE:
        raise ValidationError(
            {
                "control": gettext(
                    "Completion acceptance is recorded by a township leader with “Accept completion”."
                )
            }
        )
    _check_done_on(done_on, _today(today))
    if not document:
        raise ValidationError(
            {
                "document": gettext("Attach the document of %(control)s.")
                % {"control": SiteControl.Control(control).label}
            }
        )
    record = SiteControl.objects.filter(site=site, control=control).first() or SiteControl(
        site=site, control=control
    )
    record.done_on, record.document, record.recorded_by = done_on, document, user
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def site_accept(*, user, site: Site, accepted_on, document, today=None) -> Site:
    """Completion acceptance (竣工验收): a township leader, not the person who registered the site,
    once the other five controls are in place. Records the sixth control and the date."""
    _visible_or_404(Site, user=user, pk=site.pk)
    site = Site.objects.select_for_update().select_related("division").get(pk=site.pk)
    if not permissions.may_accept_site(user, site):
        _deny(gettext("Only a township leader may accept a site's completion."))
    ensure_four_eyes(prepared_by=site.created_by, acting=user, what=site.name)
    if site.accepted_on:
        raise ValidationError(
            {"accepted_on": gettext("This site was accepted on %(date)s.") % {"date": site.accepted_on}}
        )
    _check_done_on(accepted_on, _today(today), field="accepted_on")
    if site.start_date and accepted_on < site.start_date:
        raise ValidationError(
            {
                "accepted_on": gettext("%(date)s is before the start date %(start)s.")
                % {"date": accepted_on, "start": site.start_date}
            }
        )
    done = set(site.controls.values_list("control", flat=True))
    missing = [
        c.label for c in SiteControl.Control if c != SiteControl.Control.ACCEPTANCE and c.value not in done
    ]
    if missing:
        raise ValidationError(
            {
                "accepted_on": gettext("These controls are not yet in place: %(controls)s.")
                % {"controls": "、".join(str(m) for m in missing)}
            }
        )
    if not document:
        raise ValidationError({"document": gettext("Attach the acceptance report.")})
    SiteControl.objects.create(
        site=site,
        control=SiteControl.Control.ACCEPTANCE,
        done_on=accepted_on,
        document=document,
        recorded_by=user,
    )
    site.accepted_on, site.accepted_by = accepted_on, user
    site.save(update_fields=["accepted_on", "accepted_by"])
    return site
