"""Pages of the projects app. Thin: selectors read, services write, forms check shape.

Forms post with HTMX (hx-post): on a refusal the form comes back with the service's message
under the field it names; on success the browser is sent to the page that shows the result.
Without JavaScript the same forms post normally.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from common.jobs import job_enqueue
from common.views import download_response
from core.excel import check_xlsx_file, template_xlsx
from org import selectors as org_selectors
from org.models import Division
from org.roles import OFFICE, has_role
from projects import excel, forms, permissions, selectors, services
from projects.jobs import IMPORT_LABELS, IMPORT_ROLES
from projects.models import Project

LIST_PAGE_SIZE = 30


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _done(request, url: str, message: str):
    messages.success(request, message)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _form_response(request, template: str, context: dict, full_template: str | None = None):
    """The form again with its errors: the partial for HTMX (which swaps only 2xx answers, hence
    200), else the full page."""
    if request.htmx or full_template is None:
        return render(request, template, context)
    return render(request, full_template, context)


# --- projects --------------------------------------------------------------------------------


def _without_page(params) -> str:
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


def _list_filters(request) -> dict:
    lagging = request.GET.get("lagging")
    return {
        "year": _int(request.GET.get("year")),
        "kind": request.GET.get("kind") if request.GET.get("kind") in Project.Kind.values else None,
        "category": request.GET.get("category")
        if request.GET.get("category") in Project.Category.values
        else None,
        "department": _int(request.GET.get("department")),
        "lagging": True if lagging == "1" else (False if lagging == "0" else None),
        "search": (request.GET.get("q") or "").strip()[:40] or None,
    }


@login_required
def project_list(request):
    today = timezone.localdate()
    filters = _list_filters(request)
    projects = selectors.project_list(user=request.user, today=today, **filters)
    page = Paginator(projects, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "totals": selectors.project_totals(projects),
        "may_read_funds": permissions.may_read_funds(request.user),
        "filters": filters,
        "query": _without_page(request.GET),
        "today": today,
        "year_share": selectors.year_share(year=filters["year"] or today.year, today=today),
    }
    if request.htmx and request.htmx.target == "project-results":
        return render(request, "projects/_project_results.html", context)
    context.update(
        {
            "years": selectors.project_years(user=request.user),
            "kinds": Project.Kind.choices,
            "categories": Project.Category.choices,
            "departments": org_selectors.department_list(user=request.user),
            "may_create": permissions.may_create_project(request.user),
        }
    )
    return render(request, "projects/project_list.html", context)


def _owner_divisions(user):
    divisions = org_selectors.division_list(user=user).exclude(level=Division.Level.VILLAGE)
    if not user.is_superuser:
        divisions = divisions.filter(level=Division.Level.TOWNSHIP)
    return divisions


@login_required
def project_create(request):
    if not permissions.may_create_project(request.user):
        raise PermissionDenied
    kwargs = {
        "divisions": _owner_divisions(request.user),
        "departments": org_selectors.department_list(user=request.user),
    }
    form = forms.ProjectForm(request.POST or None, initial={"year": timezone.localdate().year}, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(
                request, reverse("projects:project-detail", args=[project.pk]), gettext("Project created.")
            )
    return _form_response(
        request, "projects/_project_form.html", {"form": form}, "projects/project_form.html"
    )


@login_required
def project_edit(request, pk: int):
    project = selectors.project_get(user=request.user, pk=pk, today=timezone.localdate())
    if not permissions.may_manage_project(request.user, project):
        raise PermissionDenied
    kwargs = {
        "divisions": _owner_divisions(request.user),
        "departments": org_selectors.department_list(user=request.user),
    }
    form = forms.ProjectForm(request.POST or None, instance=project, **kwargs)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.PROJECT_FIELDS}
        try:
            services.project_update(user=request.user, project=project, **fields)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(
                request, reverse("projects:project-detail", args=[project.pk]), gettext("Project saved.")
            )
    context = {"form": form, "project": project}
    return _form_response(request, "projects/_project_form.html", context, "projects/project_form.html")


@login_required
@require_POST
def project_carry_forward(request):
    year = _int(request.POST.get("year"))
    if not year or not permissions.may_create_project(request.user):
        raise PermissionDenied
    result = services.project_carry_forward(user=request.user, from_year=year)
    messages.success(
        request,
        gettext("%(created)d projects copied to %(year)d; %(skipped)d were there already.")
        % {"created": result["created"], "year": year + 1, "skipped": result["skipped"]},
    )
    return redirect(f"{reverse('projects:project-list')}?year={year + 1}")


def _month_param(value, default: datetime.date) -> datetime.date:
    try:
        month = services.parse_month(value)
    except ValidationError:
        return default
    next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return min(next_month - datetime.timedelta(days=1), default)


def _detail_context(request, project, today):
    user = request.user
    as_of = _month_param(request.GET.get("as_of"), today) if request.GET.get("as_of") else today
    targets = list(selectors.target_list(user=user, project=project, today=today))
    may_manage = permissions.may_manage_project(user, project)
    context = {
        "project": project,
        "targets": targets,
        "funds": selectors.fund_position(user=user, project=project, as_of=as_of),
        "as_of_month": as_of.strftime("%Y-%m"),
        "chart": selectors.progress_series(user=user, project=project, today=today),
        "sites": list(selectors.site_list(user=user, project=project)),
        "movements": list(selectors.fund_movement_list(user=user, project=project)[:20]),
        "may_manage": may_manage,
        "may_read_funds": permissions.may_read_funds(user),
        "may_add_site": project.kind == Project.Kind.CONSTRUCTION
        and has_role(user, *OFFICE)
        and not user.is_read_only,
        "today": today,
    }
    if may_manage:
        context["target_form"] = forms.TargetForm(divisions=_target_divisions(user, project))
        context["fund_line_form"] = forms.FundLineForm()
        context["movement_form"] = forms.FundMovementForm(initial={"date": today})
    return context


def _target_divisions(user, project):
    return org_selectors.division_list(user=user).filter(code__startswith=project.division.code)


@login_required
def project_detail(request, pk: int):
    today = timezone.localdate()
    project = selectors.project_get(user=request.user, pk=pk, today=today)
    return render(request, "projects/project_detail.html", _detail_context(request, project, today))


@login_required
@require_POST
def target_add(request, pk: int):
    today = timezone.localdate()
    project = selectors.project_get(user=request.user, pk=pk, today=today)
    if not has_role(request.user, *OFFICE) or request.user.is_read_only:
        raise PermissionDenied
    form = forms.TargetForm(request.POST, divisions=_target_divisions(request.user, project))
    if form.is_valid():
        try:
            services.target_set(user=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(
                request, reverse("projects:project-detail", args=[project.pk]), gettext("Target saved.")
            )
    return _form_response(request, "projects/_target_form.html", {"form": form, "project": project})


def _project_money_form(request, pk: int, *, form_class, service, template: str, message: str):
    """A fund form of a project the user manages: check shape, call the service, answer in place."""
    project = selectors.project_get(user=request.user, pk=pk, today=timezone.localdate())
    if not permissions.may_manage_project(request.user, project):
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(user=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(request, reverse("projects:project-detail", args=[project.pk]), message)
    return _form_response(request, template, {"form": form, "project": project})


@login_required
@require_POST
def fund_line_set(request, pk: int):
    return _project_money_form(
        request,
        pk,
        form_class=forms.FundLineForm,
        service=services.fund_line_set,
        template="projects/_fund_line_form.html",
        message=gettext("Planned amount saved."),
    )


@login_required
@require_POST
def fund_movement_add(request, pk: int):
    return _project_money_form(
        request,
        pk,
        form_class=forms.FundMovementForm,
        service=services.fund_movement_record,
        template="projects/_movement_form.html",
        message=gettext("Fund movement recorded."),
    )


# --- targets and progress --------------------------------------------------------------------


def _target_context(request, target, today, progress_form=None, split_form=None):
    user = request.user
    context = {
        "target": target,
        "project": target.project,
        "reports": list(selectors.progress_list(user=user, target=target)),
        "children": list(selectors.target_list(user=user, today=today).filter(parent=target)),
        "may_record": permissions.may_record_progress(user, target) and not target.children_total,
        "may_split": permissions.may_split_target(user, target) and not target.division.is_village,
    }
    if context["may_record"]:
        context["progress_form"] = progress_form or forms.ProgressForm(initial={"month": today})
    if context["may_split"]:
        divisions = org_selectors.division_list(user=user, parent_id=target.division_id)
        shares = {child.division_id: child.quantity for child in context["children"]}
        context["split_form"] = split_form or forms.SplitForm(divisions=divisions, initial_shares=shares)
    return context


@login_required
def target_detail(request, pk: int):
    today = timezone.localdate()
    target = selectors.target_get(user=request.user, pk=pk, today=today)
    return render(request, "projects/target_detail.html", _target_context(request, target, today))


@login_required
@require_POST
def progress_add(request, pk: int):
    today = timezone.localdate()
    target = selectors.target_get(user=request.user, pk=pk, today=today)
    if not permissions.may_record_progress(request.user, target):
        raise PermissionDenied
    form = forms.ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.progress_record(user=request.user, target=target, today=today, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(
                request, reverse("projects:target-detail", args=[target.pk]), gettext("Progress recorded.")
            )
    return _form_response(request, "projects/_progress_form.html", {"form": form, "target": target})


@login_required
@require_POST
def target_split(request, pk: int):
    today = timezone.localdate()
    target = selectors.target_get(user=request.user, pk=pk, today=today)
    if not permissions.may_split_target(request.user, target):
        raise PermissionDenied
    divisions = org_selectors.division_list(user=request.user, parent_id=target.division_id)
    form = forms.SplitForm(request.POST, divisions=divisions)
    if form.is_valid():
        try:
            services.target_split(user=request.user, target=target, parts=form.parts())
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(
                request, reverse("projects:target-detail", args=[target.pk]), gettext("Target split saved.")
            )
    return _form_response(request, "projects/_split_form.html", {"form": form, "target": target})


# --- sites -----------------------------------------------------------------------------------


@login_required
def site_create(request, pk: int):
    project = selectors.project_get(user=request.user, pk=pk, today=timezone.localdate())
    if project.kind != Project.Kind.CONSTRUCTION or not has_role(request.user, *OFFICE):
        raise PermissionDenied
    divisions = _target_divisions(request.user, project)
    form = forms.SiteForm(request.POST or None, divisions=divisions)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(user=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(
                request, reverse("projects:site-detail", args=[site.pk]), gettext("Site registered.")
            )
    context = {"form": form, "project": project}
    return _form_response(request, "projects/_site_form.html", context, "projects/site_form.html")


@login_required
def site_detail(request, pk: int):
    site = selectors.site_get(user=request.user, pk=pk)
    may_edit = permissions.may_edit_site(request.user, site.division)
    context = {
        "site": site,
        "project": site.project,
        "controls": selectors.site_controls(site=site),
        "may_edit": may_edit,
        "may_accept": permissions.may_accept_site(request.user, site) and not site.accepted_on,
    }
    if may_edit:
        context["control_form"] = forms.SiteControlForm(initial={"done_on": timezone.localdate()})
    if context["may_accept"]:
        context["accept_form"] = forms.SiteAcceptForm(initial={"accepted_on": timezone.localdate()})
    return render(request, "projects/site_detail.html", context)


@login_required
@require_POST
def site_control_add(request, pk: int):
    site = selectors.site_get(user=request.user, pk=pk)
    if not permissions.may_edit_site(request.user, site.division):
        raise PermissionDenied
    form = forms.SiteControlForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.site_control_record(user=request.user, site=site, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(
                request, reverse("projects:site-detail", args=[site.pk]), gettext("Control recorded.")
            )
    return _form_response(request, "projects/_control_form.html", {"form": form, "site": site})


@login_required
@require_POST
def site_accept(request, pk: int):
    site = selectors.site_get(user=request.user, pk=pk)
    if not permissions.may_accept_site(request.user, site):
        raise PermissionDenied
    form = forms.SiteAcceptForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.site_accept(user=request.user, site=site, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            return _done(
                request, reverse("projects:site-detail", args=[site.pk]), gettext("Completion accepted.")
            )
    return _form_response(request, "projects/_accept_form.html", {"form": form, "site": site})


@login_required
def site_sign_pdf(request, pk: int):
    """The sign (标识牌) of a site as an A4 landscape PDF, drawn with the CJK font."""
    from weasyprint import HTML

    site = selectors.site_get(user=request.user, pk=pk)
    html = render_to_string(
        "projects/site_sign.html", {"site": site, "project": site.project}, request=request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="site-{site.pk}-sign.pdf"'
    return response


# --- Excel: templates, imports and exports (run as background jobs) -----------------------------


@login_required
def excel_page(request):
    """The import/export page: a form per import, the templates, the two exports."""
    today = timezone.localdate()
    years = selectors.project_years(user=request.user) or [today.year]
    imports = [
        {"kind": kind, "label": IMPORT_LABELS[kind], "allowed": has_role(request.user, *IMPORT_ROLES[kind])}
        for kind in excel.SPECS
    ]
    error = None
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        try:
            if kind not in excel.SPECS:
                raise ValidationError(gettext("Choose what the file holds."))
            if upload is None:
                raise ValidationError(gettext("Choose an .xlsx file to import."))
            check_xlsx_file(upload)
            job = job_enqueue(user=request.user, kind=f"projects.import_{kind}", upload=upload)
        except (ValidationError, PermissionDenied) as refusal:
            error = " ".join(getattr(refusal, "messages", [str(refusal)]))
        else:
            return redirect(job.get_absolute_url())
    return render(
        request,
        "projects/excel.html",
        {
            "imports": imports,
            "years": years,
            "year": today.year if today.year in years else years[0],
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def excel_template(request, kind: str):
    if kind not in excel.SPECS:
        raise Http404
    spec = excel.SPECS[kind]
    return download_response(template_xlsx(spec), filename=f"{spec.name}导入模板.xlsx")


@login_required
@require_POST
def excel_export(request):
    kind = request.POST.get("kind")
    year = _int(request.POST.get("year")) or timezone.localdate().year
    if kind not in ("table", "progress"):
        raise Http404
    job = job_enqueue(user=request.user, kind=f"projects.export_{kind}", params={"year": year})
    return redirect(job.get_absolute_url())
