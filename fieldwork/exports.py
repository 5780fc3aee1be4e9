"""Field work's downloads: the visit list as Excel (入户走访台账) and the weekly list of concerns
(问题清单) as Excel or PDF.

The visit list is a background job: a township's year of visits runs to tens of thousands of
rows, so it is written in a Celery worker with a progress bar (common.jobs), streamed row by row
(core.excel.XlsxExport, which escapes formula-looking text). Scoped: the rows are the user's
own ``selectors.visit_list``, re-read in the worker. Registered from FieldworkConfig.ready(), so
the web and the worker both know the job. The weekly list is small and written in the request."""

import io
import tempfile

from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.jobs import JobOutcome, register_job
from core.excel import ExportColumn, OutKind, XlsxExport, write_xlsx
from fieldwork import selectors
from org.models import Role

EXPORT_VISITS = "fieldwork.export_visits"
PROGRESS_EVERY = 500


def visit_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_("Visit date"), OutKind.DATE, value="visited_on", width=12),
        ExportColumn(_("Township"), value="village.parent.name", width=12),
        ExportColumn(_("Village"), value="village.name", width=12),
        ExportColumn(_("Household number"), value="household.number", width=14),
        ExportColumn(_("Head of household"), value="household.head.name", width=12),
        ExportColumn(_("Purpose"), value=lambda v: v.get_purpose_display(), width=22),
        ExportColumn(_("Visitor"), value="visitor.display_name", width=12),
        ExportColumn(_("Notes"), value="notes", width=50),
        ExportColumn(_("Concerns raised"), OutKind.INTEGER, value="concern_count"),
        ExportColumn(_("Photos"), OutKind.INTEGER, value="photo_count"),
        ExportColumn(_("Enrolments called back"), value=_called_back, width=30),
    ]


def _called_back(visit) -> str:
    return "、".join(
        f"{callback.enrolment.project.name}·{callback.enrolment.person.name}"
        for callback in visit.callbacks.all()
    )


def write_visits(target, *, user, year: int, village_id: int | None = None, progress=None) -> int:
    """Write the visits of ``year`` the user may see (optionally one village) to ``target``;
    returns the number of rows. Queries: one count, then per chunk of 2,000 visits one for
    the visits and one for their callbacks."""
    visits = (
        selectors.visit_list(user=user, year=year, village_id=village_id)
        .select_related("village__parent")
        .prefetch_related(selectors.visit_callbacks_prefetch())
    )
    total = visits.count()
    if progress:
        progress(0, total)
    count = 0
    with XlsxExport(target, sheet_name=gettext("Home visits"), columns=visit_columns()) as export:
        for visit in visits.iterator(chunk_size=2000):
            export.write_row(visit)
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count, total)
    if progress:
        progress(count, total)
    return count


@register_job(EXPORT_VISITS, label=_("Export the home visits"), roles=tuple(Role))
def export_visits(*, job, user, progress) -> JobOutcome:
    year = int(job.params["year"])
    village_id = job.params.get("village") or None
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        count = write_visits(handle.name, user=user, year=year, village_id=village_id, progress=progress)
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"入户走访台账{year}.xlsx",
        message=gettext("%(count)d visits exported.") % {"count": count},
        rows=count,
    )


def weekly_concerns_xlsx(*, villages) -> tuple[bytes, int]:
    """问题清单 for the weekly report: one row per concern, village by village."""
    rows = []
    for entry in villages:
        for kind, label in (("individual", gettext("individual")), ("common", gettext("common"))):
            for concern in entry[kind]:
                rows.append((entry["village"].name, label, concern))
    columns = [
        ExportColumn(gettext("Village"), value=lambda r: r[0], width=14),
        ExportColumn(gettext("Problem"), value=lambda r: r[1], width=10),
        ExportColumn(gettext("Category"), value=lambda r: r[2].get_category_display(), width=18),
        ExportColumn(gettext("Description"), value=lambda r: r[2].description, width=50),
        ExportColumn(gettext("Resident"), value=lambda r: r[2].resident.masked_name if r[2].resident else ""),
        ExportColumn(gettext("Status"), value=lambda r: r[2].get_status_display(), width=18),
        ExportColumn(gettext("Collected"), OutKind.DATE, value=lambda r: r[2].created_at.date()),
    ]
    output = io.BytesIO()
    count = write_xlsx(output, sheet_name=gettext("Weekly list"), columns=columns, rows=rows)
    return output.getvalue(), count


def render_pdf(template: str, context: dict) -> bytes:
    """A page as PDF (WeasyPrint; the CJK font comes from the system, nothing is fetched)."""
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context)).write_pdf()
