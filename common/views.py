"""Job pages: status with a progress bar polled by HTMX, the result download, the list."""

import mimetypes

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.jobs import job_get, job_label, job_list, job_progress
from core.excel import XLSX_CONTENT_TYPE
from org.models import AccessLog
from org.services import access_log_record

CONTENT_TYPES = {
    ".xlsx": XLSX_CONTENT_TYPE,
    ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}


def download_response(content: bytes, *, filename: str) -> HttpResponse:
    """A file made in the request (an import template, a small export) as a download whose
    Chinese name survives every browser (Content-Disposition with filename*)."""
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    content_type = (
        CONTENT_TYPES.get(extension) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _context(job) -> dict:
    return {
        "job": job,
        "label": job_label(job),
        "progress": job_progress(job),
        "retention_days": settings.JOB_FILE_RETENTION_DAYS,
    }


@login_required
@require_GET
def job_list_page(request):
    page = Paginator(job_list(user=request.user), 50).get_page(request.GET.get("page"))
    rows = [(job, job_label(job)) for job in page.object_list]
    return render(request, "common/job_list.html", {"page": page, "rows": rows})


@login_required
@require_GET
def job_detail(request, pk):
    job = job_get(user=request.user, pk=pk)
    return render(request, "common/job_detail.html", _context(job))


@never_cache
@login_required
@require_GET
def job_status(request, pk):
    """The HTMX partial: it polls itself every second until the job is done or failed."""
    job = job_get(user=request.user, pk=pk)
    return render(request, "common/_job_status.html", _context(job))


@login_required
@require_GET
def job_download(request, pk):
    """The result file, to the user who asked for it (or the system administrator: job_get).
    Logged with the file's real row count, as an unmasked download when the file holds whole
    ID or bank card numbers, and with the requester."""
    job = job_get(user=request.user, pk=pk)
    if job.status != job.Status.DONE or not job.result:
        raise Http404
    name = job.result_name or job.result.name.rsplit("/", 1)[-1]
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = CONTENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(
        job.result.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    access_log_record(
        user=request.user,
        action=AccessLog.Action.DOWNLOAD,
        what=name,
        obj=job,
        rows=job.result_rows,
        unmasked=job.result_unmasked,
        requested_by=job.created_by,
        division=job.division,
        request=request,
    )
    return response
