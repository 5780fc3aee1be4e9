"""Pages of subsidy standards and payment batches: generate, the steps, the bank file, reconciliation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from beneficiaries import permissions, selectors, services
from beneficiaries.models import (
    PaymentBatch,
    SubsidyStandard,
)
from beneficiaries.views.common import LIST_PAGE_SIZE, _act, _date, _int, _refusal
from beneficiaries.views.holds import held_lines_context, held_lines_message
from common.jobs import job_enqueue
from core.excel import check_xlsx_file
from org.models import Division
from org.roles import OFFICE, has_role
from org.selectors import division_choices


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
        held_lines_message(request, made["batch"])
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
        **held_lines_context(user, batch),
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
