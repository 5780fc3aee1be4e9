"""Construction sites (建设点): the six controls (六制) and acceptance with four-eyes.

Every function is keyword-only, takes the acting user, checks the user's right (Http404 for an
object or division outside the user's scope, PermissionDenied for one in scope the user may not
change), validates with a ValidationError naming the field and the values, and is its own
transaction. ``today`` parameters default to ``timezone.localdate()`` (Asia/Shanghai)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from org.models import Division
from org.services import ensure_four_eyes
from projects import permissions
from projects.models import (
    Project,
    Site,
    SiteControl,
)
from projects.services.checks import _deny, _division_visible_or_404, _today, _visible_or_404, parse_quantity

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
