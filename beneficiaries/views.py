"""Pages of the person registry. Thin: selectors read, services write."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from beneficiaries import selectors
from beneficiaries.models import Person
from org.models import AccessLog
from org.services import access_log_record


@login_required
def person_list(request):
    search = (request.GET.get("q") or "").strip()[:40]
    status = request.GET.get("status") or None
    if status not in Person.Status.values:
        status = None
    persons = selectors.person_list(user=request.user, search=search or None, status=status)
    page = Paginator(persons, 50).get_page(request.GET.get("page"))
    context = {"page": page, "q": search, "status": status or "", "statuses": Person.Status.choices}
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
        {"person": person, "whole": whole, "members": members},
    )
