"""Pages of home visits added after the first round (issue 7): the Excel export of the visit
list, started as a background job. Thin: the job and the selectors do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from common.jobs import job_enqueue
from partycare import forms
from partycare.visit_exports import EXPORT_VISITS


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
    year = forms.year_param(request.POST.get("year"))
    try:
        job = job_enqueue(
            user=request.user,
            kind=EXPORT_VISITS,
            params={"year": year, "village": _int(request.POST.get("village"))},
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("partycare:my-visits")
    return redirect(job.get_absolute_url())
