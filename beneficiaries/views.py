"""Pages of the person registry. Thin: selectors read, services write."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from beneficiaries import excel, permissions, selectors, services, views_holds
from beneficiaries.forms import PersonEditForm, PersonForm, PersonStatusForm
from beneficiaries.models import (
    AnomalyFinding,
    Callback,
    Enrolment,
    PaymentBatch,
    Person,
    SubsidyStandard,
)
from common import clock
from common.excel import check_xlsx_file, template_xlsx
from common.jobs import job_enqueue
from common.views import download_response
from org.models import AccessLog, Division, Role
from org.roles import has_role
from org.selectors import division_choices
from org.services import access_log_record
from publicity.services import notice_earliest_end


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
        "may_register": has_role(request.user, *services.REGISTRY_ROLES),
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
            "may_enrol": has_role(request.user, *services.ENROL_ROLES),
            "may_edit": has_role(request.user, *services.REGISTRY_ROLES),
            "status_form": PersonStatusForm(initial={"status": person.status}),
        },
    )


@login_required
def person_new(request):
    """Register a person (one per national ID across the portal)."""
    if not has_role(request.user, *services.REGISTRY_ROLES):
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
    if not has_role(request.user, *services.REGISTRY_ROLES):
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


# --- enrolments, batches, anomalies, callbacks, Excel -------------------------------------------

LIST_PAGE_SIZE = 50
OFFICE = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value):
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _bool(value):
    return {"yes": True, "no": False}.get(value)


def _refusal(error) -> str:
    if isinstance(error, PermissionDenied):
        return str(error) or gettext("You are not allowed to do this.")
    return " ".join(error.messages)


def _act(request, url, action, success):
    """Run a service call; a refusal comes back as a message on the same page, nothing saved."""
    try:
        action()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, success)
    return redirect(url)


def _log_whole(request, what, obj=None, rows=1):
    access_log_record(
        user=request.user,
        action=AccessLog.Action.VIEW_UNMASKED,
        what=what,
        obj=obj,
        rows=rows,
        request=request,
    )


def _roster_filters(request) -> dict:
    status = request.GET.get("status") or None
    return {
        "project_id": _int(request.GET.get("project")),
        "village_id": _int(request.GET.get("village")),
        "status": status if status in Enrolment.Status.values else None,
        "search": (request.GET.get("q") or "").strip()[:40] or None,
    }


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


@login_required
def standard_list(request):
    projects = selectors.enrolment_projects(user=request.user)
    if request.method == "POST":
        project = projects.filter(pk=_int(request.POST.get("project"))).first()
        return _act(
            request,
            reverse("beneficiaries:standard-list"),
            lambda: services.standard_set(
                user=request.user,
                project=project,
                tier=request.POST.get("tier", ""),
                unit=request.POST.get("unit", ""),
                period=request.POST.get("period", ""),
                proration=request.POST.get("proration") or SubsidyStandard.Proration.MONTH_ANY,
                amount=request.POST.get("amount", ""),
                effective_from=_date(request.POST.get("effective_from")),
                effective_to=_date(request.POST.get("effective_to")),
            ),
            gettext("Standard saved."),
        )
    project_id = _int(request.GET.get("project"))
    page = Paginator(
        selectors.standard_list(user=request.user, project_id=project_id), LIST_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "beneficiaries/standard_list.html",
        {
            "page": page,
            "projects": projects,
            "project_id": project_id,
            "may_edit": has_role(request.user, *OFFICE),
            "units": SubsidyStandard.Unit.choices,
            "periods": SubsidyStandard.Period.choices,
            "prorations": SubsidyStandard.Proration.choices,
        },
    )


@login_required
def batch_list(request):
    if request.method == "POST":
        project = (
            selectors.enrolment_projects(user=request.user)
            .filter(pk=_int(request.POST.get("project")))
            .first()
        )
        division = (
            division_choices(user=request.user, level=Division.Level.TOWNSHIP)
            .filter(pk=_int(request.POST.get("division")))
            .first()
        )
        month = (request.POST.get("period_start") or "").strip()
        period_start = _date(month + "-01") if len(month) == 7 else _date(month)
        period_end = None
        if request.POST.get("period") == PaymentBatch.Period.SPAN:  # a one-off span: two days
            period_start, period_end = (
                _date(request.POST.get("span_from")),
                _date(request.POST.get("span_to")),
            )
        made = {}

        def generate():
            made["batch"] = services.batch_generate(
                user=request.user,
                project=project,
                division=division,
                period_start=period_start,
                period=request.POST.get("period") or "month",
                period_end=period_end,
                arrears=request.POST.get("arrears") == "on",
            )

        try:
            generate()
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _refusal(error))
            return redirect("beneficiaries:batch-list")
        messages.success(request, gettext("Draft batch generated."))
        views_holds.held_lines_message(request, made["batch"])
        return redirect("beneficiaries:batch-detail", pk=made["batch"].pk)
    status = request.GET.get("status")
    project_id = _int(request.GET.get("project"))
    page = Paginator(
        selectors.batch_list(
            user=request.user,
            project_id=project_id,
            status=status if status in PaymentBatch.Status.values else None,
        ),
        LIST_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "beneficiaries/batch_list.html",
        {
            "page": page,
            "projects": selectors.enrolment_projects(user=request.user),
            "townships": division_choices(user=request.user, level=Division.Level.TOWNSHIP),
            "project_id": project_id,
            "may_generate": has_role(request.user, *OFFICE),
            "periods": PaymentBatch.Period.choices,
            "statuses": PaymentBatch.Status.choices,
            "status": status or "",
        },
    )


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    page = Paginator(
        selectors.payment_list(user=request.user, batch_id=batch.pk).select_related("reissue_of"), 100
    ).get_page(request.GET.get("page"))
    user = request.user
    context = {
        "batch": batch,
        "page": page,
        # only the steps that would succeed (role, state, four-eyes, the bank file); the others say why
        "actions": list(services.BATCH_MACHINE.available(batch, user)),
        "blocked": services.BATCH_MACHINE.blocked(batch, user),
        "may_delete": permissions.may_delete_batch(user, batch),
        "may_download": permissions.may_download_bank_file(user, batch),
        "may_reconcile": permissions.may_reconcile_batch(user, batch),
        # failed for a closed account: re-issued once a new card is recorded on the person
        "waiting": services.waiting_for_new_card(batch=batch)
        if batch.status == PaymentBatch.Status.RECONCILED
        else [],
        **views_holds.held_lines_context(user, batch),
    }
    return render(request, "beneficiaries/batch_detail.html", context)


def _batch_done(action: str, batch: PaymentBatch) -> str:
    """What a step did, in one sentence with the batch's number, people and amount."""
    numbers = {
        "batch": batch,
        "count": batch.payment_count,
        "amount": f"{batch.total_amount:,.2f}",
    }
    if action == "approve":
        return (
            gettext(
                "Batch %(batch)s approved: %(count)d payments, %(amount)s 元. Its bank file can be produced now."
            )
            % numbers
        )
    if action == "export":
        return (
            gettext("Batch %(batch)s marked sent to the bank: %(count)d payments, %(amount)s 元.") % numbers
        )
    return gettext("Saved.")


@login_required
@require_POST
def batch_action(request, pk: int):
    """A step of the batch. Approving and marking sent to the bank cannot be undone: the first
    post shows what the step does to which batch and asks to confirm (``confirmed=yes``)."""
    batch = selectors.batch_get(user=request.user, pk=pk)
    url = reverse("beneficiaries:batch-detail", args=[pk])
    action = request.POST.get("action")
    user = request.user
    if action == "delete":
        try:
            services.batch_delete(user=user, batch=batch)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _refusal(error))
            return redirect(url)
        messages.success(request, gettext("Draft batch deleted."))
        return redirect("beneficiaries:batch-list")
    calls = {
        "check": lambda: services.batch_check(user=user, batch=batch),
        "reopen": lambda: services.batch_reopen(user=user, batch=batch),
        "approve": lambda: services.batch_approve(user=user, batch=batch),
        "export": lambda: services.batch_mark_exported(user=user, batch=batch),
    }
    if action not in calls:
        raise Http404
    if action in services.CONFIRMED_STEPS and request.POST.get("confirmed") != "yes":
        refusal = services.BATCH_MACHINE.refusal(batch, user, action)
        if refusal is not None:
            messages.error(request, refusal)
            return redirect(url)
        context = {"batch": batch, "step": services.BATCH_MACHINE.get(action)}
        return render(request, "beneficiaries/batch_confirm.html", context)
    try:
        batch = calls[action]()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _batch_done(action, batch))
    return redirect(url)


@login_required
@require_POST
def batch_bank_file(request, pk: int):
    """The bank file (whole numbers) is made as a job from approval on, before the batch is marked
    sent to the bank; the job records it on the batch and its download is logged in the access log."""
    batch = selectors.batch_get(user=request.user, pk=pk)
    if not permissions.may_download_bank_file(request.user, batch):
        if batch.status not in permissions.BANK_FILE_STATES:
            messages.error(request, gettext("The bank file exists once the batch is approved."))
            return redirect("beneficiaries:batch-detail", pk=pk)
        raise PermissionDenied
    fmt = "csv" if request.POST.get("format") == "csv" else "xlsx"
    job = job_enqueue(
        user=request.user,
        kind="beneficiaries.bank_file",
        params={"batch": batch.pk, "format": fmt},
        division=batch.division,
    )
    return redirect(job.get_absolute_url())


@login_required
@require_POST
def batch_reconcile(request, pk: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(gettext("Choose the bank's result file (.xlsx or .csv)."))
        if not upload.name.lower().endswith(".csv"):
            check_xlsx_file(upload)
        job = job_enqueue(
            user=request.user,
            kind="beneficiaries.reconcile",
            params={"batch": batch.pk},
            upload=upload,
            division=batch.division,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
        return redirect("beneficiaries:batch-detail", pk=pk)
    return redirect(job.get_absolute_url())


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
            "may_run": has_role(request.user, *OFFICE, Role.COUNTY_REVIEWER),
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


@login_required
def excel_page(request):
    """The roster import and the auditors' exports."""
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError(gettext("Choose an .xlsx file to import."))
            check_xlsx_file(upload)
            job = job_enqueue(user=request.user, kind="beneficiaries.import_roster", upload=upload)
        except (ValidationError, PermissionDenied) as refusal:
            error = _refusal(refusal)
        else:
            return redirect(job.get_absolute_url())
    return render(
        request,
        "beneficiaries/excel.html",
        {
            "error": error,
            "may_import": has_role(request.user, *OFFICE, Role.VILLAGE_CADRE),
            "projects": selectors.enrolment_projects(user=request.user),
        },
        status=400 if error else 200,
    )


@login_required
def roster_template(request):
    return download_response(template_xlsx(excel.ROSTER_SPEC), filename="受益对象花名册导入模板.xlsx")


@login_required
@require_POST
def export(request):
    kind = request.POST.get("kind")
    if kind == "roster":
        params = {"filters": {"project_id": _int(request.POST.get("project"))}}
    elif kind == "anomalies":
        status = request.POST.get("status")
        params = {"filters": {"status": status if status in AnomalyFinding.Status.values else None}}
    elif kind == "batch":
        batch = selectors.batch_get(user=request.user, pk=_int(request.POST.get("batch")) or 0)
        params = {"batch": batch.pk}
    else:
        raise Http404
    job = job_enqueue(user=request.user, kind=f"beneficiaries.export_{kind}", params=params)
    return redirect(job.get_absolute_url())


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
