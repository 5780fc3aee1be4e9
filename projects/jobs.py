"""Background jobs of the projects app: the three imports and the two exports."""

import tempfile

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.jobs import JobOutcome, register_job
from core.excel import read_xlsx
from org.roles import ALL_ROLES, FIELD, OFFICE
from projects import excel

IMPORT_ROLES = {
    "targets": OFFICE,
    "progress": FIELD,
    "funds": OFFICE,
}
IMPORT_LABELS = {
    "targets": _("Import targets"),
    "progress": _("Import progress"),
    "funds": _("Import fund movements"),
}


def _make_importer(kind):
    def handler(*, job, user, progress) -> JobOutcome:
        parsed = read_xlsx(job.upload, excel.SPECS[kind], name=job.upload_name)
        # Bad cells and refused rows are reported together; any of them and nothing is saved.
        count = excel.IMPORTERS[kind](parsed=parsed, user=user, progress=progress)
        return JobOutcome(message=gettext("%(count)d rows imported.") % {"count": count})

    handler.__qualname__ = f"projects_import_{kind}"
    return handler


for _kind in excel.SPECS:
    register_job(
        f"projects.import_{_kind}",
        label=IMPORT_LABELS[_kind],
        roles=IMPORT_ROLES[_kind],
        spec=excel.SPECS[_kind],
    )(_make_importer(_kind))


@register_job("projects.export_table", label=_("Export the project table"), roles=ALL_ROLES)
def export_table(*, job, user, progress) -> JobOutcome:
    year = int(job.params["year"])
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        count = excel.write_project_table(
            handle.name, user=user, year=year, today=timezone.localdate(), progress=progress
        )
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"{year}年民生工程项目表.xlsx",
        message=gettext("%(count)d projects exported.") % {"count": count},
        rows=count,
    )


@register_job("projects.export_progress", label=_("Export progress"), roles=ALL_ROLES)
def export_progress(*, job, user, progress) -> JobOutcome:
    year = int(job.params["year"])
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        count = excel.write_progress(handle.name, user=user, year=year, progress=progress)
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"{year}年民生工程进度.xlsx",
        message=gettext("%(count)d progress rows exported.") % {"count": count},
        rows=count,
    )
