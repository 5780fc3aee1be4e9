"""Pages of the person registry: list, detail, register, edit, death or move, enrol."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from beneficiaries import selectors, services
from beneficiaries.forms import PersonEditForm, PersonForm, PersonStatusForm
from beneficiaries.models import (
    Person,
)
from beneficiaries.views.common import (
    _act,
    _int,
    _refusal,
)
from org.models import AccessLog, Division
from org.roles import FIELD, has_role
from org.selectors import division_choices
from org.services import access_log_record


@login_required
def person_list(request):
    search = (request.GET.get("q") or "").strip()[:40]
    status = request.GET.get("status") or None
    if status not in Person.Status.values:
        status = None
    persons = selectors.person_list(user=request.user, search=search or None, status=status)
    page = Paginator(persons, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": search,
        "status": status or "",
        "statuses": Person.Status.choices,
        "may_register": has_role(request.user, *FIELD),
    }
    template = "beneficiaries/_person_rows.html" if request.htmx else "beneficiaries/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    whole = selectors.sees_whole_numbers(request.user)
    if whole:
        access_log_record(
            user=request.user,
            action=AccessLog.Action.VIEW_UNMASKED,
            what=f"{person.name} ID/bank card",
            obj=person,
            rows=1,
            request=request,
        )
    members = (
        selectors.person_list(user=request.user).filter(household_id=person.household_id)
        if person.household_id
        else []
    )
    return render(
        request,
        "beneficiaries/person_detail.html",
        {
            "person": person,
            "whole": whole,
            "members": members,
            "enrolments": selectors.enrolment_list(user=request.user).filter(person_id=person.pk),
            "payments": selectors.person_payments(user=request.user, person_id=person.pk)[:36],
            "callbacks": selectors.callback_list(user=request.user, person_id=person.pk)[:20],
            "recoveries": selectors.recovery_list(user=request.user).filter(person_id=person.pk)[:20],
            "projects": selectors.enrolment_projects(user=request.user),
            "may_enrol": has_role(request.user, *FIELD),
            "may_edit": has_role(request.user, *FIELD),
            "status_form": PersonStatusForm(initial={"status": person.status}),
        },
    )


@login_required
def person_new(request):
    """Register a person (one per national ID across the portal)."""
    if not has_role(request.user, *FIELD):
        raise PermissionDenied
    form = PersonForm(
        request.POST or None, villages=division_choices(user=request.user, level=Division.Level.VILLAGE)
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_register(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, gettext("%(name)s registered.") % {"name": person.name})
            return redirect("beneficiaries:person-detail", pk=person.pk)
    return render(request, "beneficiaries/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    if not has_role(request.user, *FIELD):
        raise PermissionDenied
    initial = {key: getattr(person, key) for key in ("name", "relation", "phone", "bank_name")}
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(user=request.user, person=person, **form.changes())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, gettext("Saved."))
            return redirect("beneficiaries:person-detail", pk=person.pk)
    return render(request, "beneficiaries/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_status(request, pk: int):
    """Record a death or a move out (or correct a wrong one): the enrolments follow."""
    person = selectors.person_get(user=request.user, pk=pk)
    form = PersonStatusForm(request.POST)
    url = reverse("beneficiaries:person-detail", args=[pk])
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(url)
    try:
        person = services.person_set_status(
            user=request.user,
            person=person,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["status_on"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(
            request,
            gettext(
                "Status saved. Enrolments exited: %(exited)s; restored: %(restored)s; "
                "unchecked payments withdrawn: %(removed)s."
            )
            % {
                "exited": person.enrolments_exited,
                "restored": person.enrolments_restored,
                "removed": person.payments_removed,
            },
        )
    return redirect(url)


@login_required
@require_POST
def person_enrol(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    url = reverse("beneficiaries:person-detail", args=[pk])
    project = (
        selectors.enrolment_projects(user=request.user).filter(pk=_int(request.POST.get("project"))).first()
    )
    if project is None:
        messages.error(request, gettext("Choose a project."))
        return redirect(url)
    return _act(
        request,
        url,
        lambda: services.enrolment_create(
            user=request.user, project=project, person=person, tier=request.POST.get("tier", "")
        ),
        gettext("Enrolment recorded (applied)."),
    )
