"""Pages of party-member care. Thin: selectors read, services write, forms check shape."""

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
from org.models import AccessLog, Division
from org.roles import AID_APPLICANTS, FIELD, OFFICE, has_role
from org.services import access_log_record
from partycare import forms, forms_setup, pdf, permissions, selectors, services
from partycare.models import AidApplication, Campaign, DueItem


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


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else field
        for message in errors:
            messages.error(request, f"{label}: {message}")


# --- Members ---------------------------------------------------------------------------------


@login_required
def member_list(request):
    q = (request.GET.get("q") or "").strip()[:40]
    flag = request.GET.get("flag") or ""
    due = request.GET.get("due") or ""
    branch = request.GET.get("branch") or ""
    members = selectors.member_list(
        user=request.user,
        search=q or None,
        flag=flag or None,
        due=due or None,
        branch_id=int(branch) if branch.isdigit() else None,
        status=request.GET.get("status") or None,
    )
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "flag": flag,
        "due": due,
        "branch": branch,
        "flags": selectors.FLAG_CHOICES,
        "due_items": DueItem.Item.choices,
        "branches": selectors.branch_choices(user=request.user),
        "today": timezone.localdate(),
        "can_enrol": has_role(request.user, *OFFICE),
    }
    template = "partycare/_member_rows.html" if request.htmx else "partycare/member_list.html"
    return render(request, template, context)


@login_required
def member_detail(request, pk: int):
    member = selectors.member_get(user=request.user, pk=pk)
    today = timezone.localdate()
    context = {
        "member": member,
        "today": today,
        "age": member.age_on(today),
        "party_age": member.party_age_on(today),
        "history": selectors.member_history(user=request.user, member=member),
        "can_record": has_role(request.user, *FIELD),
        "can_edit": has_role(request.user, *OFFICE),
        "can_apply": has_role(request.user, *AID_APPLICANTS),
        "care_form": forms.CareCaseForm(),
        "trigger_form": forms.TriggerForm(),
        "aid_form": forms.AidForm(),
    }
    return render(request, "partycare/member_detail.html", context)


@login_required
@require_POST
def member_record(request, pk: int, what: str):
    member = selectors.member_get(user=request.user, pk=pk)
    form_class = {"care": forms.CareCaseForm, "trigger": forms.TriggerForm, "aid": forms.AidForm}.get(what)
    if form_class is None:
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("partycare:member-detail", pk=member.pk)
    data = form.cleaned_data
    try:
        if what == "care":
            services.care_case_record(
                user=request.user,
                member=member,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                visitors=data["visitors"],
                money_given=data["money_given"] or "0",
                goods=data["goods"],
                notes=data["notes"],
            )
            messages.success(request, _("The care record is saved."))
        elif what == "trigger":
            services.talk_trigger_record(
                user=request.user,
                member=member,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                note=data["note"],
            )
            messages.success(request, _("The event is recorded: a talk is due within 30 days."))
        else:
            application = services.aid_apply(
                user=request.user,
                member=member,
                kind=data["kind"],
                year=timezone.localdate().year,
                amount=data["amount"],
                cause=data["cause"],
                situation=data["situation"],
                amount_reason=data["amount_reason"],
            )
            messages.success(request, _("The aid application is prepared."))
            return redirect("partycare:aid-detail", pk=application.pk)
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect("partycare:member-detail", pk=member.pk)


# --- Campaigns -------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    campaigns = selectors.campaign_list(user=request.user)
    can_create = has_role(request.user, *OFFICE)
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied
        form = forms.CampaignForm(request.POST)
        if form.is_valid():
            try:
                campaign = services.campaign_create(
                    user=request.user,
                    township=request.user.division,
                    holiday=form.cleaned_data["holiday"],
                    year=form.cleaned_data["year"],
                )
                messages.success(request, _("The campaign is created from the due list."))
                return redirect("partycare:campaign-detail", pk=campaign.pk)
            except (ValidationError, PermissionDenied) as error:
                _refusal(request, error)
        else:
            _form_errors(request, form)
        return redirect("partycare:campaign-list")
    page = Paginator(campaigns, 50).get_page(request.GET.get("page"))
    form = forms.CampaignForm(
        initial={"year": timezone.localdate().year + 1, "holiday": Campaign.Holiday.SPRING_FESTIVAL}
    )
    return render(
        request,
        "partycare/campaign_list.html",
        {
            "page": page,
            "form": form,
            "can_create": can_create
            and request.user.division_id is not None
            and request.user.division.level == Division.Level.TOWNSHIP,
        },
    )


@login_required
def campaign_detail(request, pk: int):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    coverage = selectors.campaign_coverage(user=request.user, campaign=campaign)
    if request.method == "POST" and request.POST.get("action") == "export":
        job = job_enqueue(
            user=request.user, kind="partycare.export_campaign_coverage", params={"campaign": campaign.pk}
        )
        return redirect(job.get_absolute_url())
    if request.method == "POST" and request.POST.get("action") == "close":
        try:
            services.campaign_close(user=request.user, campaign=campaign)
            messages.success(request, _("The campaign is closed."))
        except (ValidationError, PermissionDenied) as error:
            _refusal(request, error)
        return redirect("partycare:campaign-detail", pk=campaign.pk)
    branch = request.GET.get("branch") or ""
    targets = selectors.campaign_targets(
        user=request.user,
        campaign=campaign,
        branch_id=int(branch) if branch.isdigit() else None,
        open_only=request.GET.get("open") == "1",
    )
    page = Paginator(targets, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "partycare/campaign_detail.html",
        {
            "campaign": campaign,
            "coverage": coverage,
            "page": page,
            "branch": branch,
            "can_close": permissions.may_take_campaign_step(request.user, campaign, "close"),
        },
    )


# --- Hardship aid ----------------------------------------------------------------------------


@login_required
def aid_list(request):
    status = request.GET.get("status") or ""
    inbox = request.GET.get("all") != "1"
    applications = (
        selectors.aid_inbox(user=request.user)
        if inbox and not status
        else selectors.aid_list(user=request.user, status=status or None)
    )
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "partycare/aid_list.html",
        {
            "page": page,
            "status": status,
            "inbox": inbox and not status,
            "statuses": AidApplication.Status.choices,
        },
    )


ACTION_FORMS = {
    "notice": forms.NoticeForm,
    "pay": forms.PayForm,
    "reject": forms.RejectForm,
}


@login_required
def aid_detail(request, pk: int):
    application = selectors.aid_get(user=request.user, pk=pk)
    from core import clock
    from publicity.services import notice_earliest_end

    steps = selectors.aid_steps(user=request.user, application=application)
    for step in steps:
        form_class = ACTION_FORMS.get(step["name"]) if step["allowed"] else None
        initial = {"ends_on": notice_earliest_end(posted_on=clock.today())}
        step["form"] = (
            form_class(initial=initial if step["name"] == "notice" else None) if form_class else None
        )
    notice = selectors.aid_notice(application)
    return render(
        request,
        "partycare/aid_detail.html",
        {
            "application": application,
            "actions": [step for step in steps if step["allowed"]],
            "refused": [step for step in steps if not step["allowed"]],
            "notice": notice,
            "notice_reason": selectors.aid_notice_blocking_reason(application, notice)
            if notice is not None and application.status == AidApplication.Status.IN_NOTICE
            else None,
            "history": application.history.select_related("history_user")[:20],
        },
    )


@login_required
@require_POST
def aid_action(request, pk: int, action: str):
    application = selectors.aid_get(user=request.user, pk=pk)
    form_class = ACTION_FORMS.get(action)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        _form_errors(request, form)
        return redirect("partycare:aid-detail", pk=application.pk)
    data = form.cleaned_data if form is not None else {}
    try:
        if action == "branch_check":
            services.aid_branch_check(user=request.user, application=application)
        elif action == "notice":
            services.aid_notice_post(
                user=request.user,
                application=application,
                ends_on=data["ends_on"],
                title=data["title"],
            )
        elif action == "township_check":
            services.aid_township_check(user=request.user, application=application)
        elif action == "county_approve":
            services.aid_county_approve(user=request.user, application=application)
        elif action == "pay":
            services.aid_pay(
                user=request.user,
                application=application,
                paid_on=data["paid_on"],
                reference=data["reference"],
            )
        elif action == "reject":
            services.aid_reject(user=request.user, application=application, reason=data["reason"])
        else:
            raise PermissionDenied
        messages.success(request, _("Done."))
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect("partycare:aid-detail", pk=application.pk)


@login_required
def aid_pdf(request, pk: int):
    """特困党员救助申请表 of one application."""
    application = selectors.aid_get(user=request.user, pk=pk)
    content = pdf.render_pdf(
        "partycare/pdf/aid_application.html", {"a": application, "today": timezone.localdate()}
    )
    access_log_record(
        user=request.user,
        action=AccessLog.Action.DOWNLOAD,
        what=f"aid form {application}",
        obj=application,
        rows=1,
        request=request,
    )
    return download_response(content, filename=f"特困党员救助申请表-{application.member.person.name}.pdf")


@login_required
@require_POST
def aid_payments_export(request):
    """帮扶救助发放表 of a year, made by a background job (progress bar, then the download)."""
    year = forms.year_param(request.POST.get("year"))
    job = job_enqueue(user=request.user, kind="partycare.export_aid_payments", params={"year": year})
    return redirect(job.get_absolute_url())


@login_required
@require_POST
def old_member_roster(request):
    """老党员摸底登记表 as Excel (default) or PDF (format=pdf), made by a background job."""
    fmt = "pdf" if request.POST.get("format") == "pdf" else "xlsx"
    job = job_enqueue(user=request.user, kind="partycare.export_old_members", params={"format": fmt})
    return redirect(job.get_absolute_url())


# --- Pairing, pioneer index, targets ---------------------------------------------------------


@login_required
def pairing_list(request):
    today = timezone.localdate()
    stale = request.GET.get("stale") == "1"
    mine = request.GET.get("mine") == "1"
    pairings = selectors.pairing_list(user=request.user, today=today, stale_only=stale, mine=mine)
    if request.GET.get("format") == "pdf":
        listed = list(pairings.filter(helper_kind="cadre", member__isnull=False)[:2000])
        content = pdf.render_pdf("partycare/pdf/pairing_register.html", {"pairings": listed, "today": today})
        access_log_record(
            user=request.user,
            action=AccessLog.Action.DOWNLOAD,
            what="pairing register",
            rows=len(listed),
            request=request,
        )
        return download_response(content, filename="党员领导干部帮扶困难党员登记表.pdf")
    page = Paginator(pairings, 50).get_page(request.GET.get("page"))
    for pairing in page.object_list:
        pairing.stale = selectors.pairing_is_stale(pairing, today=today)
    return render(
        request,
        "partycare/pairing_list.html",
        {
            "page": page,
            "stale": stale,
            "mine": mine,
            "has_own": selectors.pairing_list(user=request.user, today=today, mine=True).exists(),
            "can_edit": has_role(request.user, *OFFICE),
        },
    )


@login_required
def pairing_detail(request, pk: int):
    pairing = selectors.pairing_get(user=request.user, pk=pk)
    today = timezone.localdate()
    if request.method == "POST":
        form = forms.PairingContactForm(request.POST)
        if form.is_valid():
            try:
                services.pairing_contact_record(
                    user=request.user,
                    pairing=pairing,
                    occurred_on=form.cleaned_data["occurred_on"],
                    kind=form.cleaned_data["kind"],
                    notes=form.cleaned_data["notes"],
                    money_given=form.cleaned_data["money_given"] or "0",
                )
                messages.success(request, _("The contact is logged."))
            except (ValidationError, PermissionDenied) as error:
                _refusal(request, error)
        else:
            _form_errors(request, form)
        return redirect("partycare:pairing-detail", pk=pairing.pk)
    return render(
        request,
        "partycare/pairing_detail.html",
        {
            "pairing": pairing,
            "contacts": pairing.contacts.select_related("recorded_by"),
            "stale": selectors.pairing_is_stale(pairing, today=today),
            "form": forms.PairingContactForm(initial={"occurred_on": today}),
            "can_record": has_role(request.user, *FIELD),
            "can_edit": has_role(request.user, *OFFICE),
            "end_form": forms_setup.PairingEndForm(initial={"ended_on": today}),
        },
    )


@login_required
def pioneer(request):
    year = forms.year_param(request.GET.get("year"))
    branch = request.GET.get("branch") or ""
    if request.method == "POST":
        try:
            count = services.pioneer_scores_compute(
                user=request.user, township=request.user.division, year=year
            )
            messages.success(request, _("%(count)d members' pioneer index recomputed.") % {"count": count})
        except (ValidationError, PermissionDenied) as error:
            _refusal(request, error)
        return redirect(f"{request.path}?year={year}")
    scores = selectors.pioneer_ranking(
        user=request.user, year=year, branch_id=int(branch) if branch.isdigit() else None
    )
    page = Paginator(scores, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "partycare/pioneer.html",
        {
            "page": page,
            "year": year,
            "branch": branch,
            "branches": selectors.branch_choices(user=request.user),
            "targets": selectors.branch_targets(user=request.user, year=year),
            "can_compute": has_role(request.user, *OFFICE)
            and request.user.division_id is not None
            and request.user.division.level == Division.Level.TOWNSHIP,
        },
    )
