"""Pages of enrolments: the roster, bulk steps, an enrolment's steps and callbacks, the notice rounds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from beneficiaries import permissions, selectors, services
from beneficiaries.models import (
    Callback,
    Enrolment,
)
from beneficiaries.views.common import (
    LIST_PAGE_SIZE,
    _act,
    _bool,
    _date,
    _int,
    _refusal,
    _roster_filters,
)
from core import clock
from org.models import Division
from org.roles import OFFICE, has_role
from org.selectors import division_choices
from publicity.services import notice_earliest_end


@login_required
def enrolment_list(request):
    """The roster per project and village, with filters."""
    filters = _roster_filters(request)
    page = Paginator(selectors.enrolment_list(user=request.user, **filters), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "filters": filters,
        "q": filters["search"] or "",
        "projects": selectors.enrolment_projects(user=request.user),
        "villages": division_choices(user=request.user, level=Division.Level.VILLAGE),
        "statuses": Enrolment.Status.choices,
        "query": request.GET.urlencode(),
        "bulk_actions": [
            (t.name, t.label)
            for t in services.ENROLMENT_MACHINE.transitions
            if t.name in services.BULK_ACTIONS and has_role(request.user, *t.roles)
        ],
        "today": timezone.localdate(),
    }
    return render(request, "beneficiaries/enrolment_list.html", context)


@login_required
@require_POST
def enrolment_bulk(request):
    """The roster's "with the selected" form: each enrolment through its own service."""
    back = reverse("beneficiaries:enrolment-list") + (
        "?" + request.POST["query"] if request.POST.get("query") else ""
    )
    try:
        result = services.enrolment_bulk(
            user=request.user,
            action=request.POST.get("action", ""),
            enrolment_ids=[pk for pk in request.POST.getlist("enrolment") if pk.isdigit()],
            active_from=_date(request.POST.get("active_from")),
        )
    except ValidationError as error:
        messages.error(request, _refusal(error))
        return redirect(back)
    if result["done"]:
        messages.success(request, gettext("Done for %(count)s enrolments.") % {"count": len(result["done"])})
    for enrolment, reason in result["refused"][:20]:
        messages.error(request, f"{enrolment.person.name}: {reason}")
    if len(result["refused"]) > 20:
        messages.error(
            request, gettext("… and %(count)s more refused.") % {"count": len(result["refused"]) - 20}
        )
    if result["missing"]:
        messages.warning(
            request,
            gettext("%(count)s selected enrolments are not in your area and were skipped.")
            % {"count": result["missing"]},
        )
    return redirect(back)


@login_required
def enrolment_detail(request, pk: int):
    enrolment = selectors.enrolment_get(user=request.user, pk=pk)
    history = enrolment.history.select_related("history_user").order_by("history_date")
    steps, previous = [], None
    for record in history:
        if record.status != previous:
            steps.append(record)
            previous = record.status
    context = {
        "enrolment": enrolment,
        "steps": steps,
        "actions": list(services.ENROLMENT_MACHINE.available(enrolment, request.user)),
        "blocked": services.ENROLMENT_MACHINE.blocked(enrolment, request.user),
        "payments": selectors.payment_list(user=request.user)
        .filter(enrolment=enrolment)
        .order_by("-covers_from")[:24],
        "callbacks": selectors.callback_list(user=request.user, enrolment_id=enrolment.pk)[:20],
        "may_call": permissions.may_record_callback(request.user, enrolment),
        "exit_reasons": Enrolment.ExitReason.choices,
        "methods": Callback.Method.choices,
        "today": timezone.localdate(),
    }
    return render(request, "beneficiaries/enrolment_detail.html", context)


@login_required
@require_POST
def enrolment_action(request, pk: int):
    enrolment = selectors.enrolment_get(user=request.user, pk=pk)
    url = reverse("beneficiaries:enrolment-detail", args=[pk])
    action = request.POST.get("action")
    user = request.user
    calls = {
        "review": lambda: services.enrolment_review(user=user, enrolment=enrolment),
        "notice": lambda: services.enrolment_put_on_notice(user=user, enrolment=enrolment),
        "approve": lambda: services.enrolment_approve(user=user, enrolment=enrolment),
        "activate": lambda: services.enrolment_activate(
            user=user, enrolment=enrolment, active_from=_date(request.POST.get("active_from"))
        ),
        "exit": lambda: services.enrolment_exit(
            user=user,
            enrolment=enrolment,
            reason=request.POST.get("exit_reason", ""),
            on=_date(request.POST.get("exit_on")),
            note=request.POST.get("exit_note", ""),
        ),
    }
    if action not in calls:
        raise Http404
    return _act(request, url, calls[action], gettext("Saved."))


@login_required
@require_POST
def callback_add(request, pk: int):
    enrolment = selectors.enrolment_get(user=request.user, pk=pk)
    url = reverse("beneficiaries:enrolment-detail", args=[pk])
    reached = request.POST.get("reached") == "yes"
    return _act(
        request,
        url,
        lambda: services.callback_record(
            user=request.user,
            enrolment=enrolment,
            method=request.POST.get("method", ""),
            called_on=_date(request.POST.get("called_on")),
            reached=reached,
            knew_policy=_bool(request.POST.get("knew_policy")) if reached else None,
            received_money=_bool(request.POST.get("received_money")) if reached else None,
            satisfied=_bool(request.POST.get("satisfied")) if reached else None,
            notes=request.POST.get("notes", ""),
        ),
        gettext("Callback recorded."),
    )


@login_required
def notice_list(request):
    """三榜公示: the enrolment notices posted (objections are recorded and answered on the
    publicity app's notice page), and a form that posts a round for every enrolment of a
    project in a division still waiting for it."""
    projects = selectors.enrolment_projects(user=request.user)
    if request.method == "POST":
        project = projects.filter(pk=_int(request.POST.get("project"))).first()
        division = division_choices(user=request.user).filter(pk=_int(request.POST.get("division"))).first()
        kind = request.POST.get("round", "")

        def post():
            if project is None or division is None or kind not in services.NOTICE_ROUNDS:
                raise ValidationError(gettext("Choose the project, the division and the round."))
            waiting = selectors.enrolments_waiting_for_round(
                user=request.user,
                project_id=project.pk,
                division=division,
                field=services.NOTICE_ROUNDS[kind][0],
                after=services.NOTICE_ROUNDS[services.PREVIOUS_ROUND[kind]][0]
                if kind in services.PREVIOUS_ROUND
                else "",
            )
            if not waiting:
                raise ValidationError(
                    gettext(
                        "No enrolment in this division is waiting for this round (the previous round "
                        "must be closed with no objection first)."
                    )
                )
            services.enrolment_notice_post(
                user=request.user,
                project=project,
                division=division,
                round=kind,
                title=request.POST.get("title", ""),
                ends_on=_date(request.POST.get("ends_on")),
                enrolments=waiting,
            )

        return _act(request, reverse("beneficiaries:notice-list"), post, gettext("Notice posted."))
    page = Paginator(selectors.enrolment_notice_list(user=request.user), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "beneficiaries/notice_list.html",
        {
            "page": page,
            "projects": projects,
            "divisions": division_choices(user=request.user).exclude(level=Division.Level.COUNTY),
            "rounds": [(key, label) for key, (_field, label) in services.NOTICE_ROUNDS.items()],
            "may_edit": has_role(request.user, *OFFICE),
            "earliest_end": notice_earliest_end(posted_on=clock.today()),
        },
    )
