"""Pages of the reports app: monthly reports, scorecards, dashboards, the download centre and
the year-end summary. Views read through selectors and write through services (or jobs)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from common.jobs import job_enqueue
from common.views import download_response
from org.models import AccessLog, Division
from org.roles import (
    ABOVE_COUNTY,
    ACCESS_LOG_READERS,
    COUNTY,
    COUNTY_AND_ABOVE,
    OFFICE,
    OFFICE_AND_COUNTY,
    OFFICE_AND_REVIEWER,
    has_role,
)
from org.selectors import division_choices, division_get
from org.services import access_log_record
from reports import history, permissions, rollup, selectors, services, sources, yearend
from reports.models import MonthlyReport
from reports.services import REPORT_FLOW


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def _month_param(value, default: datetime.date) -> datetime.date:
    try:
        return services.parse_month(value) if value else default
    except ValidationError:
        return default


# --- monthly reports -------------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request):
    today = timezone.localdate()
    month = _month_param(request.GET.get("month"), None) if request.GET.get("month") else None
    reports = selectors.monthly_report_list(
        user=request.user, month=month, status=request.GET.get("status") or None
    )
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    townships = []
    if has_role(request.user, *OFFICE_AND_REVIEWER):
        townships = list(division_choices(user=request.user, level=Division.Level.TOWNSHIP).order_by("code"))
    return render(
        request,
        "reports/report_list.html",
        {
            "page": page,
            "townships": townships,
            "default_month": f"{services.previous_month(today):%Y-%m}",
            "max_month": f"{services.previous_month(today):%Y-%m}",
            "statuses": MonthlyReport.Status.choices,
            "month": month,
        },
    )


@login_required
@require_POST
def report_generate(request):
    """Start the generation job for a township-month; the job page shows the progress bar."""
    try:
        township = division_get(user=request.user, pk=int(request.POST.get("township") or 0))
        month = services.parse_month(request.POST.get("month"))
        if month >= timezone.localdate().replace(day=1):
            raise ValidationError(gettext("The month has not ended yet."))
        job = job_enqueue(
            user=request.user,
            kind="reports.monthly_generate",
            params={"township_id": township.pk, "month": f"{month:%Y-%m}"},
            division=township,
        )
    except (ValidationError, ValueError) as error:
        messages.error(request, _error_text(error) if isinstance(error, ValidationError) else str(error))
        return redirect("reports:report-list")
    return redirect(job.get_absolute_url())


@login_required
@require_GET
def report_detail(request, pk: int):
    report = selectors.monthly_report_get(user=request.user, pk=pk)
    user = request.user
    actions = [] if not report.is_current else REPORT_FLOW.available(report, user)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "title": services.report_title(report),
            "versions": selectors.monthly_report_versions(user=request.user, report=report),
            "actions": actions,
            "blocked": REPORT_FLOW.blocked(report, user) if report.is_current else {},
            "may_edit_summary": permissions.may_edit_summary(user, report),
            "may_regenerate": permissions.may_regenerate_report(user, report),
            "deadline": services.submission_deadline(report.month),
        },
    )


@login_required
@require_POST
def report_summary(request, pk: int):
    try:
        services.monthly_report_summary_set(
            user=request.user, report_id=pk, summary=request.POST.get("summary", "")
        )
        messages.success(request, gettext("Summary saved."))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("reports:report-detail", pk=pk)


@login_required
@require_POST
def report_action(request, pk: int):
    name = request.POST.get("action", "")
    try:
        if name == "regenerate":
            report = services.monthly_report_regenerate(user=request.user, report_id=pk)
            messages.success(request, gettext("Version %(version)d made.") % {"version": report.version})
            return redirect("reports:report-detail", pk=report.pk)
        report = services.monthly_report_transition(
            user=request.user, report_id=pk, name=name, comment=request.POST.get("comment", "")
        )
        messages.success(
            request, gettext("The report is now: %(status)s.") % {"status": report.get_status_display()}
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("reports:report-detail", pk=pk)


@login_required
@require_GET
def report_file(request, pk: int, kind: str):
    """The stored .xlsx or PDF of a report version; every download is logged."""
    report = selectors.monthly_report_get(user=request.user, pk=pk)
    stored = {"xlsx": report.xlsx, "pdf": report.pdf}.get(kind)
    if not stored:
        raise Http404
    filename = f"{report.township.name}{report.month:%Y年%m月}民生工程月报_v{report.version}.{kind}"
    access_log_record(
        user=request.user,
        action=AccessLog.Action.DOWNLOAD,
        what=filename,
        obj=report,
        rows=report.data_row_count,
        division=report.township,
        request=request,
    )
    with stored.open("rb") as handle:
        return download_response(handle.read(), filename=filename)


# --- dashboards -------------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    """One address, the dashboard of the user's level; ``?division=<pk>`` opens a city's,
    county's or province's dashboard below the user (404 outside the user's scope)."""
    user = request.user
    today = timezone.localdate()
    chosen = _dashboard_division(request)
    if chosen is not None:
        month = _month_param(request.GET.get("month"), services.previous_month(today))
        context = {"month_value": f"{month:%Y-%m}", "chosen": chosen}
        viewer = sources.unit_viewer(chosen)  # reads exactly the chosen division and below
        if chosen.level == Division.Level.COUNTY:
            data = selectors.county_dashboard(user=viewer, month=month)
            return render(request, "reports/dashboard_county.html", {**data, **context})
        data = rollup.rollup_dashboard(user=viewer, division=chosen, month=month)
        return render(request, "reports/dashboard_rollup.html", {**data, **context})
    if user.is_superuser or has_role(user, *COUNTY):
        month = _month_param(request.GET.get("month"), services.previous_month(today))
        data = selectors.county_dashboard(user=user, month=month)
        return render(request, "reports/dashboard_county.html", {**data, "month_value": f"{month:%Y-%m}"})
    if has_role(user, *OFFICE):
        data = selectors.township_dashboard(user=user, today=today)
        return render(
            request, "reports/dashboard_township.html", {**data, "today": today, "absent": _absent()}
        )
    data = selectors.village_dashboard(user=user, today=today)
    return render(request, "reports/dashboard_village.html", {**data, "today": today, "absent": _absent()})


ROLLUP_LEVELS = (Division.Level.PROVINCE, Division.Level.CITY, Division.Level.COUNTY)


def _dashboard_division(request) -> Division | None:
    """The division whose dashboard is asked for: ``?division=<pk>`` (a province, city or county
    in the user's scope, else 404), or a province / city user's own division."""
    user = request.user
    pk = request.GET.get("division")
    if pk:
        if not (user.is_superuser or has_role(user, *COUNTY_AND_ABOVE)):
            raise Http404
        try:
            division = division_get(user=user, pk=int(pk))
        except ValueError:
            raise Http404 from None
        if division.level not in ROLLUP_LEVELS:
            raise Http404
        return division
    if has_role(user, *ABOVE_COUNTY) and not user.is_superuser:
        return user.division
    return None


def _absent() -> list[str]:
    return [str(section.title) for section in sources.SECTIONS if not section.available]


# --- scorecards -------------------------------------------------------------------------------------


@login_required
@require_GET
def scheme_list(request):
    return render(request, "reports/scheme_list.html", {"schemes": selectors.scheme_list(user=request.user)})


@login_required
@require_GET
def scheme_detail(request, pk: int):
    scheme = selectors.scheme_get(user=request.user, pk=pk)
    cards = list(selectors.scorecard_list(user=request.user, scheme=scheme))
    items = list(scheme.items.order_by("order", "pk"))
    total = sum((item.weight for item in items), 0)
    return render(
        request,
        "reports/scheme_detail.html",
        {
            "scheme": scheme,
            "cards": cards,
            "items": items,
            "weight_total": total,
            "may_compute": selectors.may_compute(request.user, scheme),
            "veto_checked": sources.survey_available(),
        },
    )


@login_required
@require_POST
def scheme_compute(request, pk: int):
    scheme = selectors.scheme_get(user=request.user, pk=pk)
    if not selectors.may_compute(request.user, scheme):
        raise PermissionDenied
    try:
        services.scheme_check(scheme=scheme)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("reports:scheme-detail", pk=pk)
    job = job_enqueue(
        user=request.user,
        kind="reports.scorecard_compute",
        params={"scheme_id": scheme.pk},
        division=scheme.division,
    )
    return redirect(job.get_absolute_url())


# --- download centre --------------------------------------------------------------------------------


ANOMALY_STATUSES = ("open", "explained", "confirmed", "all")


def _anomaly_statuses() -> list[tuple[str, str]]:
    # The beneficiaries app's names of the states (the same msgids, so the same translations).
    labels = {
        "open": gettext("open"),
        "explained": gettext("explained"),
        "confirmed": gettext("confirmed"),
        "all": gettext("All statuses"),
    }
    return [(key, labels[key]) for key in ANOMALY_STATUSES]


def _require_downloads(user):
    if not (user.is_superuser or has_role(user, *OFFICE_AND_COUNTY)):
        raise PermissionDenied


@login_required
def downloads(request):
    """The standard set of downloads; big ones run as jobs with a progress bar."""
    _require_downloads(request.user)
    today = timezone.localdate()
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        params: dict = {}
        try:
            if kind == "projects.export_table":
                params = {"year": int(request.POST.get("year") or today.year)}
            elif kind == "reports.fund_position":
                params = {"month": f"{services.parse_month(request.POST.get('month')):%Y-%m}"}
            elif kind in ("reports.aid_payments", "reports.payment_batches"):
                params = {"year": int(request.POST.get("year") or today.year)}
            elif kind == "beneficiaries.export_anomalies":
                status = request.POST.get("status") or ""
                if status not in ANOMALY_STATUSES:
                    raise ValidationError(gettext("Choose a status."))
                params = {"filters": {"status": status} if status != "all" else {}}
            elif kind == "beneficiaries.export_roster":
                params = {"filters": {}}
            elif kind == "reports.roster":
                params = {}
            elif kind == "reports.audit_history":
                history.kind_get(request.POST.get("history_kind", ""))
                params = {
                    "kind": request.POST.get("history_kind"),
                    "object_id": (request.POST.get("object_id") or "").strip(),
                    "date_from": request.POST.get("date_from") or "",
                    "date_to": request.POST.get("date_to") or "",
                }
                for key in ("date_from", "date_to"):
                    if params[key]:
                        datetime.date.fromisoformat(params[key])
            else:
                raise ValidationError(gettext("Choose a download."))
            job = job_enqueue(user=request.user, kind=kind, params=params)
            return redirect(job.get_absolute_url())
        except ValidationError as error:
            messages.error(request, _error_text(error))
        except ValueError:
            messages.error(request, gettext("A date or number is not valid."))
        return redirect("reports:downloads")
    return render(
        request,
        "reports/downloads.html",
        {
            "year": today.year,
            "month": f"{services.previous_month(today):%Y-%m}",
            "history_kinds": history.KINDS,
            "anomaly_statuses": _anomaly_statuses(),
        },
    )


@login_required
@require_GET
def access_log(request):
    """Who downloaded what and when (and who saw personal data unmasked), in the user's scope."""
    if not (request.user.is_superuser or has_role(request.user, *ACCESS_LOG_READERS)):
        raise PermissionDenied
    entries = selectors.access_log_list(user=request.user, action=request.GET.get("action") or None)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "reports/access_log.html", {"page": page, "actions": AccessLog.Action.choices})


# --- year-end summary -------------------------------------------------------------------------------


def _summary_division(request) -> Division:
    """The division whose year-end summary is asked for: ``?division=<pk>`` (a province, city or
    county in the user's scope, else 404), or the user's own division."""
    user = request.user
    pk = request.GET.get("division") or request.POST.get("division")
    if pk:
        try:
            division = division_get(user=user, pk=int(pk))
        except ValueError:
            raise Http404 from None
        if division.level not in ROLLUP_LEVELS and division != user.division:
            raise Http404
        return division
    if user.is_superuser:
        division = division_choices(user=user, level=Division.Level.COUNTY).order_by("code").first()
    else:
        division = user.division
    if division is None or division.level == Division.Level.VILLAGE:
        raise PermissionDenied
    return division


def _summary_reader(request, division: Division):
    """Whose scope the summary's numbers are read in: the user's, or, for a division chosen
    below the user, exactly that division (its counties' figures summed)."""
    chosen = request.GET.get("division") or request.POST.get("division")
    if not chosen or division == request.user.division:
        return request.user
    return sources.unit_viewer(division)


def _summary_choices(user):
    """The provinces, cities and counties a user above the county may choose (one query)."""
    if not (user.is_superuser or has_role(user, *ABOVE_COUNTY)):
        return []
    return list(division_choices(user=user).filter(level__in=ROLLUP_LEVELS).order_by("code"))


@login_required
def year_end(request):
    _require_downloads(request.user)
    division = _summary_division(request)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today.year)
    except ValueError:
        year = today.year
    may_edit = has_role(request.user, *OFFICE_AND_REVIEWER)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        services.year_end_summary_save(
            user=request.user,
            division_id=division.pk,
            year=year,
            introduction=request.POST.get("introduction", ""),
            closing=request.POST.get("closing", ""),
        )
        messages.success(request, gettext("Saved."))
        chosen = request.POST.get("division")
        suffix = f"&division={division.pk}" if chosen else ""
        return HttpResponseRedirect(f"{reverse('reports:year-end')}?year={year}{suffix}")
    summary = selectors.year_end_summary_get(user=request.user, division=division, year=year)
    data = yearend.year_end_data(user=_summary_reader(request, division), year=year, today=today)
    return render(
        request,
        "reports/year_end.html",
        {
            "division": division,
            "year": year,
            "summary": summary,
            "data": data,
            "may_edit": may_edit,
            "columns": yearend._columns(),
            "division_choices": _summary_choices(request.user),
        },
    )


@login_required
@require_GET
def year_end_file(request, kind: str):
    _require_downloads(request.user)
    division = _summary_division(request)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        raise Http404 from None
    summary = selectors.year_end_summary_get(user=request.user, division=division, year=year)
    data = yearend.year_end_data(user=_summary_reader(request, division), year=year, today=today)
    if kind == "pdf":
        content = yearend.year_end_pdf(data=data, division=division, summary=summary)
    elif kind == "xlsx":
        content = yearend.year_end_xlsx(data=data, division=division, summary=summary)
    else:
        raise Http404
    filename = f"{yearend.year_end_title(division=division, year=year)}.{kind}"
    access_log_record(
        user=request.user,
        action=AccessLog.Action.DOWNLOAD,
        what=filename,
        division=division,
        rows=data["project_count"],  # the summary's data rows: one per project of the year
        request=request,
    )
    return download_response(content, filename=filename)
