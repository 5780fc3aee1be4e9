"""Set-up pages of party-member care for the township office (and the village branches):
branches, enrolling members from the person registry, editing a member, trainings, pairings.
Thin: selectors read (scoped, outside → 404), services write and decide, forms check shape."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaries import selectors as registry
from org.models import Division
from org.roles import FIELD, OFFICE, has_role, require_role
from org.selectors import division_choices, user_list
from partycare import forms_setup, selectors, services
from partycare.views import _form_errors, _refusal

REFUSED = (ValidationError, PermissionDenied)


def _branch_param(request):
    """The branch chosen in ?branch= (scoped: outside → 404), or None."""
    value = request.GET.get("branch") or request.POST.get("branch") or ""
    return selectors.branch_get(user=request.user, pk=int(value)) if value.isdigit() else None


def _divisions(user):
    return (
        division_choices(user=user)
        .filter(level__in=[Division.Level.TOWNSHIP, Division.Level.VILLAGE])
        .order_by("code")
    )


# --- Branches --------------------------------------------------------------------------------


@login_required
def branch_list(request):
    """Branches in scope with their active members; township staff and leaders add one."""
    can_edit = has_role(request.user, *OFFICE)
    form = None
    if can_edit:
        form = forms_setup.BranchForm(request.POST or None, divisions=_divisions(request.user))
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                branch = services.branch_create(
                    user=request.user,
                    division=data["division"],
                    name=data["name"],
                    kind=data["kind"],
                    secretary=data["secretary"],
                )
                messages.success(request, _("The branch %(name)s is created.") % {"name": branch.name})
                return redirect("partycare:branch-list")
            except REFUSED as error:
                _refusal(request, error)
        else:
            _form_errors(request, form)
    page = Paginator(selectors.branch_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "partycare/branch_list.html", {"page": page, "form": form, "can_edit": can_edit})


@login_required
def branch_edit(request, pk: int):
    branch = selectors.branch_get(user=request.user, pk=pk)
    require_role(request.user, *OFFICE)
    initial = {
        "division": branch.division,
        "name": branch.name,
        "kind": branch.kind,
        "secretary": branch.secretary,
        "is_active": branch.is_active,
    }
    form = forms_setup.BranchForm(request.POST or None, initial=initial, divisions=_divisions(request.user))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.branch_update(user=request.user, branch=branch, **form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("partycare:branch-list")
            except REFUSED as error:
                _refusal(request, error)
        else:
            _form_errors(request, form)
    return render(request, "partycare/branch_edit.html", {"branch": branch, "form": form})


# --- Enrolling and editing members -----------------------------------------------------------


@login_required
def member_enrol(request):
    """Find the person in the registry by ID number or name (one person per national ID across
    the portal), then enrol them; a person not registered yet is registered in the same step."""
    require_role(request.user, *OFFICE)
    q = (request.GET.get("q") or "").strip()[:40]
    person = None
    person_id = request.GET.get("person") or request.POST.get("person") or ""
    if person_id.isdigit():
        person = registry.person_get(user=request.user, pk=int(person_id))
    form = forms_setup.EnrolForm(
        request.POST or None,
        initial={"person": person.pk if person else None, "id_number": q if len(q) == 18 else ""},
        branches=selectors.branch_choices(user=request.user).filter(is_active=True),
        villages=division_choices(user=request.user, level=Division.Level.VILLAGE).order_by("code"),
    )
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("person")
            flags = {name: data.pop(name) for name in forms_setup.FLAG_FIELDS}
            try:
                member = services.member_enrol_person(user=request.user, person=person, **data, **flags)
                messages.success(request, _("%(name)s is enrolled.") % {"name": member.person.name})
                return redirect("partycare:member-detail", pk=member.pk)
            except REFUSED as error:
                _refusal(request, error)
        else:
            _form_errors(request, form)
    matches = []
    if q and person is None:
        matches = list(registry.person_list(user=request.user, search=q).select_related("party_member")[:20])
    return render(
        request,
        "partycare/member_enrol.html",
        {"q": q, "matches": matches, "person": person, "form": form},
    )


@login_required
def member_edit(request, pk: int):
    """Flags, branch and dates (member_update); status changes (member_set_status)."""
    member = selectors.member_get(user=request.user, pk=pk)
    require_role(request.user, *OFFICE)
    branches = selectors.branch_choices(user=request.user)
    initial = {
        "branch": member.branch,
        "joined_on": member.joined_on,
        "full_member_on": member.full_member_on,
        **{name: getattr(member, name) for name in forms_setup.FLAG_FIELDS},
    }
    is_status = request.POST.get("form") == "status"
    form = forms_setup.MemberEditForm(
        request.POST if request.method == "POST" and not is_status else None,
        initial=initial,
        branches=branches,
    )
    status_form = forms_setup.MemberStatusForm(request.POST if is_status else None)
    if request.method == "POST":
        bound = status_form if is_status else form
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                if is_status:
                    services.member_set_status(
                        user=request.user, member=member, action=data["action"], on=data["on"]
                    )
                else:
                    services.member_update(user=request.user, member=member, **data)
                messages.success(request, _("Saved."))
                return redirect("partycare:member-detail", pk=member.pk)
            except REFUSED as error:
                _refusal(request, error)
        else:
            _form_errors(request, bound)
    return render(
        request,
        "partycare/member_edit.html",
        {"member": member, "form": form, "status_form": status_form, "active": member.is_active_member},
    )


# --- Trainings -------------------------------------------------------------------------------


@login_required
def training_list(request):
    branch = request.GET.get("branch") or ""
    trainings = selectors.training_list(
        user=request.user, branch_id=int(branch) if branch.isdigit() else None
    )
    return render(
        request,
        "partycare/training_list.html",
        {
            "page": Paginator(trainings, 50).get_page(request.GET.get("page")),
            "branch": branch,
            "branches": selectors.branch_choices(user=request.user),
            "can_record": has_role(request.user, *FIELD),
        },
    )


@login_required
def training_new(request):
    """Record a training of a branch and tick who attended (the branch's active members); it
    counts toward the ≥ 4 trainings a year and the pioneer index."""
    require_role(request.user, *FIELD)
    branch = _branch_param(request)
    form = None
    if branch is not None:
        form = forms_setup.TrainingForm(
            request.POST or None, members=selectors.branch_active_members(user=request.user, branch=branch)
        )
    if request.method == "POST" and form is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.training_record(
                    user=request.user,
                    branch=branch,
                    held_on=data["held_on"],
                    kind=data["kind"],
                    topic=data["topic"],
                    attendees=list(data["attendees"]),
                )
                messages.success(
                    request,
                    _("The training is recorded with %(count)d attendees.")
                    % {"count": len(data["attendees"])},
                )
                return redirect("partycare:training-list")
            except REFUSED as error:
                _refusal(request, error)
        else:
            _form_errors(request, form)
    return render(
        request,
        "partycare/training_new.html",
        {"branch": branch, "form": form, "branches": selectors.branch_choices(user=request.user)},
    )


# --- Pairings --------------------------------------------------------------------------------


@login_required
def pairing_new(request):
    """Pair a helper (a cadre using the portal, a named cadre, or a better-off member) with a
    member or a household in need, chosen within one branch's area."""
    require_role(request.user, *OFFICE)
    branch = _branch_param(request)
    form = None
    if branch is not None:
        households = registry.household_list(user=request.user).none()
        if branch.division.level == Division.Level.VILLAGE:
            households = registry.household_list(user=request.user, village_id=branch.division_id).order_by(
                "number"
            )
        users = (
            user_list(user=request.user)
            .filter(is_active=True, role__in=FIELD)
            .order_by("division__code", "username")
        )
        initial = {"member": request.GET.get("member")} if request.GET.get("member", "").isdigit() else {}
        form = forms_setup.PairingForm(
            request.POST or None,
            initial=initial,
            users=users,
            members=selectors.branch_active_members(user=request.user, branch=branch),
            households=households,
        )
    if request.method == "POST" and form is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                pairing = services.pairing_create(
                    user=request.user,
                    helper_kind=data["helper_kind"],
                    helper_name=data["helper_name"],
                    helper_user=data["helper_user"],
                    helper_member=data["helper_member"],
                    member=data["member"],
                    household=data["household"],
                    started_on=data["started_on"],
                )
                messages.success(request, _("The pairing is set up."))
                return redirect("partycare:pairing-detail", pk=pairing.pk)
            except REFUSED as error:
                _refusal(request, error)
        else:
            _form_errors(request, form)
    return render(
        request,
        "partycare/pairing_new.html",
        {"branch": branch, "form": form, "branches": selectors.branch_choices(user=request.user)},
    )


@login_required
@require_POST
def pairing_end(request, pk: int):
    pairing = selectors.pairing_get(user=request.user, pk=pk)
    form = forms_setup.PairingEndForm(request.POST)
    if form.is_valid():
        try:
            services.pairing_end(user=request.user, pairing=pairing, ended_on=form.cleaned_data["ended_on"])
            messages.success(request, _("The pairing is ended."))
        except REFUSED as error:
            _refusal(request, error)
    else:
        _form_errors(request, form)
    return redirect("partycare:pairing-detail", pk=pairing.pk)
