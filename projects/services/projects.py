"""Projects (民生工程): create, update, carry forward to the next year.

Every function is keyword-only, takes the acting user, checks the user's right (Http404 for an
object or division outside the user's scope, PermissionDenied for one in scope the user may not
change), validates with a ValidationError naming the field and the values, and is its own
transaction. ``today`` parameters default to ``timezone.localdate()`` (Asia/Shanghai)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from org.models import Department, Division
from projects import permissions
from projects.models import (
    Project,
)
from projects.services.checks import _deny, _division_visible_or_404, _visible_or_404

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
