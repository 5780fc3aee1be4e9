"""Pages of field work: the offline visit form (its service worker and manifest), my visits,
the concern inbox and page, the weekly list, leaders' field days, the visit list export.
Thin: selectors read, services write, the API's concern_act takes a concern step."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.jobs import job_enqueue
from common.views import download_response
from fieldwork import exports, selectors, services
from fieldwork.exports import EXPORT_VISITS
from fieldwork.models import Concern, HomeVisit
from org.models import AccessLog
from org.roles import FIELD, has_role
from org.services import access_log_record


def _refusal(request, error) -> None:
    """Show a service's refusal with the field it names."""
    if isinstance(error, PermissionDenied):
        messages.error(request, str(error) or _("You may not do this."))
        return
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                messages.error(request, f"{field}: {message}" if field != "__all__" else message)
    else:
        for message in error.messages:
            messages.error(request, message)


def _year(value) -> int:
    """A year from a query or form value (2000–2100), else this year."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


# --- Home visits ----------------------------------------------------------------------------


@login_required
def visit_form(request):
    """The offline-first visit form (static JS, no inline script): saved visits wait on the
    phone and are sent through the API when the network returns."""
    if not has_role(request.user, *FIELD):
        raise PermissionDenied
    return render(
        request,
        "fieldwork/visit_form.html",
        {
            "today": timezone.localdate(),
            "photo_max_side": services.PHOTO_MAX_SIDE,
            "purposes": HomeVisit.Purpose.choices,
            "categories": Concern.Category.choices,
            "callback_questions": [
                ("reached", _("Beneficiary reached")),
                ("knew_policy", _("Knew the policy")),
                ("received_money", _("Received the money")),
                ("satisfied", _("Satisfied")),
            ],
        },
    )


def service_worker(request):
    """The visit form's service worker, with the site root as its scope."""
    from django.contrib.staticfiles import finders
    from django.http import HttpResponse

    with open(finders.find("fieldwork/visit_sw.js"), "rb") as source:
        response = HttpResponse(source.read(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def visit_manifest(request):
    """The web app manifest that makes the visit form installable on the phone."""
    from django.http import JsonResponse
    from django.templatetags.static import static
    from django.urls import reverse

    form = reverse("fieldwork:visit-form")
    return JsonResponse(
        {
            "name": _("Home visits"),
            "short_name": _("Home visits"),
            "start_url": form,
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#8b1a1a",
            "icons": [{"src": static("fieldwork/visit-icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def my_visits(request):
    """The cadre's home: my visits, my open concerns, households not visited this year."""
    year = timezone.localdate().year
    visits = Paginator(selectors.visit_list(user=request.user, visitor=request.user), 20).get_page(
        request.GET.get("page")
    )
    concerns = selectors.concern_list(user=request.user, statuses=Concern.OPEN_STATUSES).filter(
        created_by=request.user
    )[:50]
    not_visited = selectors.households_not_visited(user=request.user, year=year)
    return render(
        request,
        "fieldwork/my_visits.html",
        {
            "page": visits,
            "concerns": concerns,
            "not_visited": not_visited[:100],
            "not_visited_count": not_visited.count(),
            "year": year,
            "can_record": has_role(request.user, *FIELD),
        },
    )


@login_required
def concern_inbox(request):
    """Concerns by state (township inbox); ``?mine=department`` narrows to the user's department."""
    status = request.GET.get("status") or ""
    if status and status not in Concern.Status.values:
        status = ""
    department_id = request.user.department_id if request.GET.get("mine") == "department" else None
    overdue = True if request.GET.get("overdue") == "1" else None
    concerns = selectors.concern_list(
        user=request.user, status=status or None, overdue=overdue, department_id=department_id
    ).order_by("-created_at", "-pk")
    counts = selectors.concern_status_counts(user=request.user)
    return render(
        request,
        "fieldwork/concern_inbox.html",
        {
            "page": Paginator(concerns, 30).get_page(request.GET.get("page")),
            "tabs": [(value, label, counts.get(value, (0, 0))) for value, label in Concern.Status.choices],
            "status": status,
            "mine": request.GET.get("mine", ""),
            "has_department": bool(request.user.department_id),
        },
    )


@login_required
def concern_detail(request, pk):
    from fieldwork.api.views import concern_act
    from fieldwork.states import CONCERN
    from org.selectors import department_list

    concern = selectors.concern_get(user=request.user, pk=pk)
    if request.method == "POST":
        if not has_role(request.user, *FIELD):
            raise PermissionDenied
        data = {
            "action": request.POST.get("action", ""),
            "decision": request.POST.get("decision", ""),
            "explanation": request.POST.get("explanation", ""),
            "departments": [int(d) for d in request.POST.getlist("departments") if d.isdigit()],
            "deadline": _date(request.POST.get("deadline")),
            "resolution": request.POST.get("resolution", ""),
            "feedback_how": request.POST.get("feedback_how", ""),
            "feedback_on": _date(request.POST.get("feedback_on")),
            "note": request.POST.get("note", ""),
        }
        if "is_satisfied" in request.POST:
            data["is_satisfied"] = request.POST["is_satisfied"] == "1"
        if request.POST.get("call"):
            try:
                call = concern.whistle_calls.get(pk=request.POST["call"])
                services.whistle_report(user=request.user, call=call, note=data["note"])
            except (ValidationError, PermissionDenied, ValueError) as error:
                _refusal(request, error if not isinstance(error, ValueError) else ValidationError(str(error)))
            return redirect("fieldwork:concern-detail", pk=concern.pk)
        try:
            concern_act(user=request.user, concern=concern, data=data)
            messages.success(request, _("Saved."))
        except (ValidationError, PermissionDenied) as error:
            _refusal(request, error)
        return redirect("fieldwork:concern-detail", pk=concern.pk)
    available = {t.name for t in CONCERN.available(concern, request.user)}
    return render(
        request,
        "fieldwork/concern_detail.html",
        {
            "concern": concern,
            "available": available,
            "blocked": CONCERN.blocked(concern, request.user),
            "decisions": Concern.Decision.choices,
            "feedback_choices": Concern.FeedbackHow.choices,
            "departments": department_list(user=request.user).filter(is_active=True),
            "today": timezone.localdate(),
        },
    )


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _week_start(value):
    day = _date(value) or timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())


@login_required
def concern_weekly(request):
    """问题清单: the week's new concerns per village, individual and common; ?format=xlsx|pdf."""
    week_start = _week_start(request.GET.get("week"))
    villages = selectors.weekly_concern_list(user=request.user, week_start=week_start)
    context = {
        "villages": villages,
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "previous": week_start - datetime.timedelta(days=7),
        "next": week_start + datetime.timedelta(days=7),
    }
    fmt = request.GET.get("format")
    name = _("Weekly list of concerns") + f" {week_start:%Y-%m-%d}"
    if fmt == "xlsx":
        content, rows = exports.weekly_concerns_xlsx(villages=villages)
        access_log_record(
            user=request.user, action=AccessLog.Action.DOWNLOAD, what=name, rows=rows, request=request
        )
        return download_response(content, filename=f"{name}.xlsx")
    if fmt == "pdf":
        content = exports.render_pdf("fieldwork/pdf/weekly_concerns.html", context)
        rows = sum(len(entry[kind]) for entry in villages for kind in ("individual", "common"))
        access_log_record(
            user=request.user, action=AccessLog.Action.DOWNLOAD, what=name, rows=rows, request=request
        )
        return download_response(content, filename=f"{name}.pdf")
    return render(request, "fieldwork/concern_weekly.html", context)


@login_required
def leader_field_days(request):
    """Leaders' field days: ≥ 60 days in villages and ≥ 50 households a year, from the visits."""
    year = _year(request.GET.get("year"))
    return render(
        request,
        "fieldwork/leader_field_days.html",
        {
            "rows": selectors.leader_field_days(user=request.user, year=year),
            "year": year,
            "days_target": selectors.FIELD_DAYS_TARGET,
            "households_target": selectors.HOUSEHOLDS_TARGET,
        },
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def visit_export(request):
    """Start the export of the year's visits the user may see (optionally one village) and
    go to the job's page, which shows the progress and then the download."""
    year = _year(request.POST.get("year"))
    try:
        job = job_enqueue(
            user=request.user,
            kind=EXPORT_VISITS,
            params={"year": year, "village": _int(request.POST.get("village"))},
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("fieldwork:my-visits")
    return redirect(job.get_absolute_url())
