"""Pages of the anomaly findings and of callback coverage."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from beneficiaries import selectors, services
from beneficiaries.models import (
    AnomalyFinding,
)
from beneficiaries.views.common import (
    LIST_PAGE_SIZE,
    _act,
    _int,
    _refusal,
)
from common.jobs import job_enqueue
from org.roles import OFFICE, OFFICE_AND_REVIEWER, has_role


@login_required
def anomaly_list(request):
    if request.method == "POST":
        try:
            job = job_enqueue(user=request.user, kind="beneficiaries.anomaly_check")
        except PermissionDenied as error:
            messages.error(request, _refusal(error))
            return redirect("beneficiaries:anomaly-list")
        return redirect(job.get_absolute_url())
    status = request.GET.get("status", "open")
    rule = request.GET.get("rule")
    filters = {
        "status": status if status in AnomalyFinding.Status.values else None,
        "rule": rule if rule in AnomalyFinding.Rule.values else None,
        "village_id": _int(request.GET.get("village")),
    }
    page = Paginator(selectors.anomaly_list(user=request.user, **filters), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "beneficiaries/anomaly_list.html",
        {
            "page": page,
            "filters": filters,
            "status": status,
            "rules": AnomalyFinding.Rule.choices,
            "statuses": AnomalyFinding.Status.choices,
            "may_run": has_role(request.user, *OFFICE_AND_REVIEWER),
            "last_run": selectors.anomaly_run_latest(),
        },
    )


@login_required
def anomaly_detail(request, pk: int):
    finding = selectors.anomaly_get(user=request.user, pk=pk)
    url = reverse("beneficiaries:anomaly-detail", args=[pk])
    if request.method == "POST":
        decision = request.POST.get("decision")
        service = {"explain": services.anomaly_explain, "confirm": services.anomaly_confirm}.get(decision)
        if service is None:
            raise Http404
        return _act(
            request,
            url,
            lambda: service(user=request.user, finding=finding, note=request.POST.get("note", "")),
            gettext("Saved."),
        )
    return render(
        request,
        "beneficiaries/anomaly_detail.html",
        {
            "finding": finding,
            "persons": selectors.anomaly_persons(user=request.user, finding=finding),
            "may_handle": has_role(request.user, *OFFICE),
        },
    )


@login_required
def callback_coverage(request):
    project_id = _int(request.GET.get("project"))
    village_id = _int(request.GET.get("village"))
    pending = Paginator(
        selectors.callback_pending(user=request.user, project_id=project_id, village_id=village_id),
        LIST_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "beneficiaries/callback_coverage.html",
        {
            "rows": selectors.callback_coverage(user=request.user, project_id=project_id),
            "pending": pending,
            "projects": selectors.enrolment_projects(user=request.user),
            "project_id": project_id,
            "village_id": village_id,
        },
    )
