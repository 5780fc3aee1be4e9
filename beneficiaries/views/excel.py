"""The Excel page: roster template and import, the auditors' exports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from beneficiaries import excel, selectors
from beneficiaries.models import (
    AnomalyFinding,
)
from beneficiaries.views.common import (
    _int,
    _refusal,
)
from common.jobs import job_enqueue
from common.views import download_response
from core.excel import check_xlsx_file, template_xlsx
from org.roles import FIELD, has_role


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
            "may_import": has_role(request.user, *FIELD),
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
