"""Officers' pages of the publicity app. Thin: selectors read, services write, forms check shape."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from common.views import download_response
from core.forms import apply_service_error
from org import selectors as org_selectors
from org.roles import FIELD, OFFICE, OFFICE_AND_COUNTY, has_role
from publicity import exports, forms, permissions, selectors, services
from publicity.models import Activity, InfoSubmission, PublicNotice
from publicity.states import NOTICE, SUBMISSION


def _require(user, *roles):
    if not has_role(user, *roles):
        raise PermissionDenied(gettext("Your role may not do this."))


def _flash_error(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _page(request, qs, size=50):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    return download_response(content, filename=filename)


# --- Info submissions ---------------------------------------------------------------------


def _submission_filters(request):
    kind = request.GET.get("kind") or None
    status = request.GET.get("status") or None
    return {
        "kind": kind if kind in InfoSubmission.Kind.values else None,
        "status": status if status in InfoSubmission.Status.values else None,
        "department_id": _int(request.GET.get("department")),
        "search": (request.GET.get("q") or "").strip()[:60] or None,
    }


@login_required
def submission_list(request):
    _require(request.user, *OFFICE_AND_COUNTY)
    filters = _submission_filters(request)
    page = _page(request, selectors.submission_list(user=request.user, **filters))
    return render(
        request,
        "publicity/submission_list.html",
        {
            "page": page,
            "filters": filters,
            "q": filters["search"] or "",
            "kinds": InfoSubmission.Kind.choices,
            "statuses": InfoSubmission.Status.choices,
            "can_create": has_role(request.user, *OFFICE),
        },
    )


@login_required
def submission_export(request):
    _require(request.user, *OFFICE_AND_COUNTY)
    rows = selectors.submission_list(user=request.user, **_submission_filters(request))
    return _xlsx_response(exports.submissions_xlsx(rows), gettext("Info submissions") + ".xlsx")


@login_required
def submission_create(request):
    _require(request.user, *OFFICE)
    departments = selectors.department_choices(user=request.user)
    initial = {"department": request.user.department_id} if request.user.department_id else {}
    form = forms.SubmissionForm(
        request.POST or None, request.FILES or None, departments=departments, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submission_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, gettext("The draft is saved. Submit it when it is ready."))
            return redirect("publicity:submission-detail", pk=submission.pk)
    return render(
        request,
        "publicity/form.html",
        {"form": form, "title": gettext("New info submission"), "multipart": True},
    )


@login_required
def submission_edit(request, pk):
    submission = selectors.submission_get(user=request.user, pk=pk)
    _require(request.user, *OFFICE)
    departments = selectors.department_choices(user=request.user)
    initial = {
        name: getattr(submission, name) for name in ("department", "kind", "title", "body", "media_link")
    }
    form = forms.SubmissionForm(
        request.POST or None, request.FILES or None, departments=departments, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_update(user=request.user, submission=submission, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, gettext("Saved."))
            return redirect("publicity:submission-detail", pk=submission.pk)
    return render(
        request,
        "publicity/form.html",
        {"form": form, "title": submission.title, "multipart": True, "back": submission},
    )


@login_required
def submission_detail(request, pk):
    submission = selectors.submission_get(user=request.user, pk=pk)
    return render(
        request,
        "publicity/submission_detail.html",
        {
            "submission": submission,
            "actions": SUBMISSION.available(submission, request.user),
            "can_edit": permissions.may_edit_submission(request.user, submission),
            "return_form": forms.ReturnForm(),
        },
    )


SUBMISSION_ACTIONS = {
    "submit": services.submission_submit,
    "adopt": services.submission_adopt,
    "publish": services.submission_publish,
    "unpublish": services.submission_unpublish,
}


@login_required
@require_POST
def submission_action(request, pk, action):
    submission = selectors.submission_get(user=request.user, pk=pk)
    try:
        if action == "return":
            form = forms.ReturnForm(request.POST)
            if not form.is_valid():
                raise ValidationError(gettext("Say why the submission is returned."))
            services.submission_return(
                user=request.user, submission=submission, comment=form.cleaned_data["comment"]
            )
        elif action in SUBMISSION_ACTIONS:
            SUBMISSION_ACTIONS[action](user=request.user, submission=submission)
        else:
            raise ValidationError(gettext("Unknown action."))
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, gettext("Done."))
    return redirect("publicity:submission-detail", pk=submission.pk)


# --- Quotas -------------------------------------------------------------------------------


def _quota_period(request):
    today = timezone.localdate()
    year = _int(request.GET.get("year")) or today.year
    month = _int(request.GET.get("month")) or (today.month if year == today.year else 12)
    year = min(max(year, 2000), today.year + 1)
    month = min(max(month, 1), 12)
    return year, month


@login_required
def quota(request):
    _require(request.user, *OFFICE_AND_COUNTY)
    year, month = _quota_period(request)
    rows = selectors.quota_status(user=request.user, year=year, month=month)
    today = timezone.localdate()
    return render(
        request,
        "publicity/quota.html",
        {
            "rows": rows,
            "year": year,
            "month": month,
            "years": range(today.year - 3, today.year + 1),
            "months": range(1, 13),
        },
    )


@login_required
def quota_export(request):
    _require(request.user, *OFFICE_AND_COUNTY)
    year, month = _quota_period(request)
    rows = selectors.quota_status(user=request.user, year=year, month=month)
    return _xlsx_response(
        exports.quota_xlsx(rows, year=year, month=month),
        gettext("Information quota") + f" {year}-{month:02d}.xlsx",
    )


# --- Activities ---------------------------------------------------------------------------


def _activity_filters(request):
    kind = request.GET.get("kind") or None
    return {
        "kind": kind if kind in Activity.Kind.values else None,
        "year": _int(request.GET.get("year")),
        "search": (request.GET.get("q") or "").strip()[:60] or None,
    }


@login_required
def activity_list(request):
    filters = _activity_filters(request)
    page = _page(request, selectors.activity_list(user=request.user, **filters))
    return render(
        request,
        "publicity/activity_list.html",
        {
            "page": page,
            "filters": filters,
            "q": filters["search"] or "",
            "kinds": Activity.Kind.choices,
            "can_create": has_role(request.user, *FIELD),
        },
    )


@login_required
def activity_export(request):
    rows = selectors.activity_list(user=request.user, **_activity_filters(request))
    return _xlsx_response(exports.activities_xlsx(rows), gettext("Publicity activities") + ".xlsx")


def _activity_form(request, initial=None):
    return forms.ActivityForm(
        request.POST or None,
        divisions=forms.township_divisions(org_selectors.division_list(user=request.user)),
        departments=selectors.department_choices(user=request.user),
        initial=initial,
    )


@login_required
def activity_create(request):
    _require(request.user, *FIELD)
    form = _activity_form(
        request, initial={"division": request.user.division_id, "held_on": timezone.localdate()}
    )
    photo_form = forms.PhotoUploadForm(request.POST or None, request.FILES or None, prefix="photo")
    photo_form.fields["image"].required = False
    if request.method == "POST" and form.is_valid() and photo_form.is_valid():
        try:
            photos = [photo_form.cleaned_data["image"]] if photo_form.cleaned_data.get("image") else []
            activity = services.activity_create(user=request.user, photos=photos, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, gettext("The activity is recorded."))
            return redirect("publicity:activity-detail", pk=activity.pk)
    return render(
        request,
        "publicity/form.html",
        {
            "form": form,
            "extra_form": photo_form,
            "title": gettext("New publicity activity"),
            "multipart": True,
        },
    )


@login_required
def activity_edit(request, pk):
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require(request.user, *FIELD)
    initial = {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS}
    form = _activity_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(user=request.user, activity=activity, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, gettext("Saved."))
            return redirect("publicity:activity-detail", pk=activity.pk)
    return render(request, "publicity/form.html", {"form": form, "title": activity.title, "back": activity})


@login_required
def activity_detail(request, pk):
    activity = selectors.activity_get(user=request.user, pk=pk)
    form = forms.PhotoUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        _require(request.user, *FIELD)
        if form.is_valid():
            try:
                services.activity_photo_add(user=request.user, activity=activity, **form.cleaned_data)
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, gettext("The photo is added."))
                return redirect("publicity:activity-detail", pk=activity.pk)
    return render(
        request,
        "publicity/activity_detail.html",
        {"activity": activity, "photo_form": form, "can_edit": has_role(request.user, *FIELD)},
    )


# --- Notices ------------------------------------------------------------------------------


@login_required
def notice_list(request):
    status = request.GET.get("status") or None
    kind = request.GET.get("kind") or None
    search = (request.GET.get("q") or "").strip()[:60] or None
    qs = selectors.notice_list(
        user=request.user,
        status=status if status in PublicNotice.Status.values else None,
        kind=kind if kind in PublicNotice.Kind.values else None,
        search=search,
    )
    return render(
        request,
        "publicity/notice_list.html",
        {
            "page": _page(request, qs),
            "status": status or "",
            "kind": kind or "",
            "q": search or "",
            "statuses": PublicNotice.Status.choices,
            "kinds": PublicNotice.Kind.choices,
            "can_create": has_role(request.user, *OFFICE),
        },
    )


@login_required
def notice_create(request):
    _require(request.user, *OFFICE)
    divisions = forms.township_divisions(org_selectors.division_list(user=request.user))
    form = forms.NoticeForm(request.POST or None, divisions=divisions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            columns, rows = services.parse_table(data.pop("table"))
            notice = services.notice_publish(user=request.user, columns=columns, rows=rows, **data)
        except ValidationError as error:
            if hasattr(error, "error_dict") and set(error.error_dict) & {"rows", "columns"}:
                error = ValidationError({"table": error.messages})
            apply_service_error(form, error)
        else:
            messages.success(request, gettext("The notice is posted."))
            return redirect("publicity:notice-detail", pk=notice.pk)
    return render(request, "publicity/form.html", {"form": form, "title": gettext("Post a public notice")})


@login_required
def notice_detail(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    return render(
        request,
        "publicity/notice_detail.html",
        {
            "notice": notice,
            "objections": list(notice.objections.all()),
            "actions": [t.name for t in NOTICE.available(notice, request.user)],
            "blocking_reason": selectors.notice_close_blocking_reason(notice=notice)
            if notice.status == PublicNotice.Status.POSTED
            else None,
            "can_record": permissions.may_record_objection(request.user, notice),
            "can_answer": has_role(request.user, *OFFICE),
            "record_form": forms.RecordObjectionForm(initial={"received_at": timezone.localtime()}),
            "answer_form": forms.AnswerObjectionForm(),
            "close_form": forms.CloseNoticeForm(),
            "withdraw_form": forms.WithdrawNoticeForm(),
        },
    )


@login_required
def notice_pdf(request, pk):
    from publicity.pdf import notice_pdf as render_pdf

    notice = selectors.notice_get(user=request.user, pk=pk)
    response = HttpResponse(render_pdf(notice=notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


@login_required
@require_POST
def notice_action(request, pk, action):
    notice = selectors.notice_get(user=request.user, pk=pk)
    try:
        if action == "close":
            form = forms.CloseNoticeForm(request.POST)
            if not form.is_valid():
                raise ValidationError(gettext("Choose the result."))
            services.notice_close(user=request.user, notice=notice, **form.cleaned_data)
        elif action == "withdraw":
            form = forms.WithdrawNoticeForm(request.POST)
            if not form.is_valid():
                raise ValidationError(gettext("Say why the notice is withdrawn."))
            services.notice_withdraw(user=request.user, notice=notice, reason=form.cleaned_data["reason"])
        elif action == "objection":
            form = forms.RecordObjectionForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.objection_record(user=request.user, notice=notice, **form.cleaned_data)
        else:
            raise ValidationError(gettext("Unknown action."))
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, gettext("Done."))
    return redirect("publicity:notice-detail", pk=notice.pk)


@login_required
@require_POST
def objection_answer(request, pk):
    objection = selectors.objection_get(user=request.user, pk=pk)
    form = forms.AnswerObjectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(gettext("Write the answer and choose the outcome."))
        services.objection_answer(user=request.user, objection=objection, **form.cleaned_data)
    except ValidationError as error:
        _flash_error(request, error)
    else:
        messages.success(request, gettext("The answer is recorded."))
    return redirect("publicity:notice-detail", pk=objection.notice_id)


# --- Supervisors --------------------------------------------------------------------------


@login_required
def supervisor_list(request):
    search = (request.GET.get("q") or "").strip()[:40] or None
    page = _page(request, selectors.supervisor_list(user=request.user, search=search))
    return render(
        request,
        "publicity/supervisor_list.html",
        {"page": page, "q": search or "", "can_create": has_role(request.user, *OFFICE)},
    )


@login_required
def supervisor_create(request):
    _require(request.user, *OFFICE)
    divisions = forms.township_divisions(org_selectors.division_list(user=request.user))
    form = forms.SupervisorForm(
        request.POST or None, divisions=divisions, initial={"division": request.user.division_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            supervisor = services.supervisor_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            return redirect("publicity:supervisor-detail", pk=supervisor.pk)
    return render(request, "publicity/form.html", {"form": form, "title": gettext("New invited supervisor")})


@login_required
def supervisor_detail(request, pk):
    supervisor = selectors.supervisor_get(user=request.user, pk=pk)
    form = forms.SupervisorVisitForm(request.POST or None, initial={"visited_on": datetime.date.today()})
    if request.method == "POST":
        _require(request.user, *OFFICE)
        if form.is_valid():
            try:
                services.supervisor_visit_record(
                    user=request.user, supervisor=supervisor, **form.cleaned_data
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, gettext("The visit is recorded."))
                return redirect("publicity:supervisor-detail", pk=supervisor.pk)
    return render(
        request,
        "publicity/supervisor_detail.html",
        {"supervisor": supervisor, "visit_form": form, "can_edit": has_role(request.user, *OFFICE)},
    )


# --- Surveys ------------------------------------------------------------------------------


@login_required
def survey_list(request):
    year = _int(request.GET.get("year")) or timezone.localdate().year
    surveys = selectors.survey_list(user=request.user, year=year)
    return render(
        request,
        "publicity/survey_list.html",
        {
            "page": _page(request, surveys),
            "year": year,
            "years": range(timezone.localdate().year - 3, timezone.localdate().year + 1),
            "project_rates": selectors.survey_rates(user=request.user, year=year, by="project"),
            "can_create": has_role(request.user, *OFFICE),
        },
    )


@login_required
def survey_create(request):
    _require(request.user, *OFFICE)
    form = forms.SurveyForm(
        request.POST or None,
        projects=selectors.survey_project_choices(user=request.user, year=timezone.localdate().year),
        divisions=org_selectors.division_list(user=request.user).exclude(level="village"),
        initial={"division": request.user.division_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            return redirect("publicity:survey-detail", pk=survey.pk)
    return render(request, "publicity/form.html", {"form": form, "title": gettext("New survey")})


@login_required
def survey_detail(request, pk):
    survey = selectors.survey_get(user=request.user, pk=pk)
    villages = org_selectors.division_list(user=request.user, level="village").filter(
        code__startswith=survey.division.code
    )
    form = forms.SurveyResponseForm(
        request.POST or None,
        villages=villages,
        initial={
            "responded_on": timezone.localdate(),
            "division": request.user.division_id,
            "method": "phone",
        },
    )
    if request.method == "POST":
        _require(request.user, *FIELD)
        if form.is_valid():
            try:
                services.survey_response_record(user=request.user, survey=survey, **form.cleaned_data)
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, gettext("The answers are recorded."))
                return redirect("publicity:survey-detail", pk=survey.pk)
    return render(
        request,
        "publicity/survey_detail.html",
        {
            "survey": survey,
            "rates": selectors.survey_rates(
                user=request.user, year=survey.project.year, by="division", project_id=survey.project_id
            ),
            "responses": selectors.survey_response_list(user=request.user, survey_id=survey.pk)[:50],
            "form": form,
            "can_record": has_role(request.user, *FIELD),
        },
    )
