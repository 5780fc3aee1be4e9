"""Background jobs of beneficiaries: the roster import, the bank file, the bank's result file,
the on-demand anomaly run, and the auditors' exports. Thin: each calls beneficiaries.excel or
a service inside the job's one transaction (all or nothing)."""

import tempfile

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries import excel, selectors, services
from common.jobs import JobOutcome, register_job
from core.excel import read_xlsx
from org.roles import ALL_ROLES, BANK_FILE_READERS, FIELD, OFFICE, OFFICE_AND_REVIEWER


@register_job(
    "beneficiaries.import_roster",
    label=_("Import a beneficiary roster"),
    roles=FIELD,
    spec=excel.ROSTER_SPEC,
)
def import_roster(*, job, user, progress) -> JobOutcome:
    parsed = read_xlsx(job.upload, excel.ROSTER_SPEC, name=job.upload_name)
    count = excel.import_roster(parsed=parsed, user=user, progress=progress)
    return JobOutcome(message=gettext("%(count)d rows imported.") % {"count": count})


def _tempfile(suffix):
    return tempfile.NamedTemporaryFile(suffix=suffix, delete=False)


@register_job("beneficiaries.bank_file", label=_("Bank file of a payment batch"), roles=BANK_FILE_READERS)
def bank_file(*, job, user, progress) -> JobOutcome:
    """Made from approval on (before the batch is marked sent to the bank); the office's first
    file is recorded on the batch (bank_file_at), in this job's transaction."""
    batch = selectors.batch_get(user=user, pk=job.params["batch"])
    services.batch_bank_file_record(user=user, batch=batch)
    fmt = "csv" if job.params.get("format") == "csv" else "xlsx"
    with _tempfile(f".{fmt}") as handle:
        count = excel.write_bank_file(handle.name, batch=batch, fmt=fmt, whole=True)
    progress(count, count)
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"{batch.project.name}{batch.period_label}第{batch.number}批代发.{fmt}",
        message=gettext("%(count)d payments in the bank file.") % {"count": count},
        rows=count,
        unmasked=True,  # the bank needs the whole ID and card numbers
    )


@register_job(
    "beneficiaries.reconcile",
    label=_("Reconcile a batch with the bank's result"),
    roles=OFFICE,
    spec=excel.BANK_SPEC,
)
def reconcile(*, job, user, progress) -> JobOutcome:
    batch = selectors.batch_get(user=user, pk=job.params["batch"])
    results = excel.read_bank_result(job.upload, name=job.upload_name)
    batch = services.batch_reconcile(user=user, batch=batch, results=results)
    progress(len(results), len(results))
    failed = batch.payments.filter(status="failed").count()
    return JobOutcome(
        message=gettext("%(count)d payments reconciled, %(failed)d failed.")
        % {"count": len(results), "failed": failed}
    )


@register_job("beneficiaries.anomaly_check", label=_("Run the anomaly checks"), roles=OFFICE_AND_REVIEWER)
def anomaly_check(*, job, user, progress) -> JobOutcome:
    summary = services.anomaly_check_run(user=user)
    found = sum(v["found"] for v in summary.values())
    new = sum(v["new"] for v in summary.values())
    progress(1, 1)
    return JobOutcome(
        message=gettext("%(found)d findings, %(new)d of them new.") % {"found": found, "new": new}
    )


@register_job("beneficiaries.export_roster", label=_("Export the roster"), roles=ALL_ROLES)
def export_roster(*, job, user, progress) -> JobOutcome:
    with _tempfile(".xlsx") as handle:
        count = excel.write_roster(
            handle.name, user=user, filters=job.params.get("filters", {}), progress=progress
        )
    return JobOutcome(
        file_bytes=handle.name,
        filename="受益对象花名册.xlsx",
        message=gettext("%(count)d rows exported.") % {"count": count},
        rows=count,
        # roster_rows writes the numbers whole for the roles that see them whole (the auditor)
        unmasked=selectors.sees_whole_numbers(user),
    )


@register_job("beneficiaries.export_batch", label=_("Export a batch's detail"), roles=ALL_ROLES)
def export_batch(*, job, user, progress) -> JobOutcome:
    batch = selectors.batch_get(user=user, pk=job.params["batch"])
    with _tempfile(".xlsx") as handle:
        count = excel.write_batch_detail(handle.name, user=user, batch=batch)
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"{batch.project.name}{batch.period_label}发放明细.xlsx",
        message=gettext("%(count)d rows exported.") % {"count": count},
        rows=count,
        unmasked=selectors.sees_whole_numbers(user),  # as write_batch_detail decides
    )


@register_job("beneficiaries.export_anomalies", label=_("Export the anomaly list"), roles=ALL_ROLES)
def export_anomalies(*, job, user, progress) -> JobOutcome:
    with _tempfile(".xlsx") as handle:
        count = excel.write_anomalies(handle.name, user=user, filters=job.params.get("filters", {}))
    return JobOutcome(
        file_bytes=handle.name,
        filename="疑点清单.xlsx",
        message=gettext("%(count)d rows exported.") % {"count": count},
        rows=count,
    )
