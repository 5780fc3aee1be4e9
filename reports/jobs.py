"""Background jobs of the reports app (common.jobs: progress bar for the person who asked,
result file, downloads logged in the access log).

- reports.monthly_generate: a township's report for a month, on request
- reports.scorecard_compute: every unit's scorecard of a configuration
- reports.fund_position: funds by project and source at a month end (auditors' download)
- reports.roster: the person registry (ID numbers whole for auditors, masked otherwise)
- reports.audit_history: the change history of a record or of a period
"""

import calendar
import datetime
import tempfile

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.jobs import JobOutcome, register_job
from core.excel import ExportColumn, OutKind, XlsxExport
from core.money import ZERO, rate
from org.roles import OFFICE_AND_COUNTY, OFFICE_AND_REVIEWER
from reports import history, services


@register_job(
    "reports.monthly_generate",
    label=_("Make a monthly report"),
    roles=OFFICE_AND_REVIEWER,
)
def monthly_generate(*, job, user, progress) -> JobOutcome:
    report = services.monthly_report_generate(
        township_id=int(job.params["township_id"]),
        month=services.parse_month(job.params["month"]),
        user=user,
        progress=progress,
    )
    return JobOutcome(
        message=gettext("Monthly report of %(township)s for %(month)s, version %(version)d, is ready.")
        % {"township": report.township.name, "month": f"{report.month:%Y-%m}", "version": report.version}
    )


@register_job(
    "reports.scorecard_compute",
    label=_("Compute scorecards"),
    roles=OFFICE_AND_REVIEWER,
)
def scorecard_compute(*, job, user, progress) -> JobOutcome:
    cards = services.scorecard_compute(user=user, scheme_id=int(job.params["scheme_id"]), progress=progress)
    return JobOutcome(message=gettext("%(count)d scorecards computed.") % {"count": len(cards)})


def _month_end(value) -> datetime.date:
    month = services.parse_month(value)
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


FUND_COLUMNS = [
    ExportColumn("年度", OutKind.INTEGER, value="year"),
    ExportColumn("项目编码", value="code"),
    ExportColumn("项目名称", width=30, value="name"),
    ExportColumn("责任主体", value="owner"),
    ExportColumn("资金来源", value="source"),
    ExportColumn("计划(元)", OutKind.MONEY, value="planned"),
    ExportColumn("到位(元)", OutKind.MONEY, value="received"),
    ExportColumn("拨付(元)", OutKind.MONEY, value="allocated"),
    ExportColumn("支出(元)", OutKind.MONEY, value="spent"),
    ExportColumn("到位率", OutKind.PERCENT, value="received_rate"),
    ExportColumn("拨付率", OutKind.PERCENT, value="allocated_rate"),
    ExportColumn("支出率", OutKind.PERCENT, value="spent_rate"),
]


@register_job(
    "reports.fund_position", label=_("Fund position by source at a month end"), roles=OFFICE_AND_COUNTY
)
def fund_position(*, job, user, progress) -> JobOutcome:
    from projects import selectors as project_selectors

    as_of = _month_end(job.params["month"])
    if as_of > timezone.localdate() + datetime.timedelta(days=31):
        raise ValidationError(gettext("Choose a month that has begun."))
    lines = (
        project_selectors.fund_line_list(user=user)
        .filter(project__year=as_of.year)
        .select_related("project__division")
    )
    moved = {
        (line_id, kind): total
        for line_id, kind, total in project_selectors.fund_movement_list(user=user)
        .filter(fund_line__project__year=as_of.year, date__lte=as_of)
        .order_by()
        .values("fund_line", "kind")
        .annotate(total=Sum("amount"))
        .values_list("fund_line", "kind", "total")
    }
    lines = list(lines)
    grand = {"planned": ZERO, "received": ZERO, "allocated": ZERO, "spent": ZERO}
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    with XlsxExport(handle.name, sheet_name=f"资金到位{as_of:%Y%m%d}", columns=FUND_COLUMNS) as export:
        for done, line in enumerate(lines, 1):
            values = {
                "planned": line.planned,
                **{kind: moved.get((line.pk, kind), ZERO) for kind in ("received", "allocated", "spent")},
            }
            for key in grand:
                grand[key] += values[key]
            export.write_row(
                {
                    "year": line.project.year,
                    "code": line.project.code,
                    "name": line.project.name,
                    "owner": line.project.division.name,
                    "source": line.get_source_display(),
                    **values,
                    "received_rate": rate(values["received"], values["planned"]),
                    "allocated_rate": rate(values["allocated"], values["received"]),
                    "spent_rate": rate(values["spent"], values["allocated"]),
                }
            )
            progress(done, len(lines))
        export.write_totals(
            [
                "合计",
                None,
                None,
                None,
                None,
                grand["planned"],
                grand["received"],
                grand["allocated"],
                grand["spent"],
                rate(grand["received"], grand["planned"]),
                rate(grand["allocated"], grand["received"]),
                rate(grand["spent"], grand["allocated"]),
            ]
        )
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"资金到位情况_{as_of:%Y年%m月末}.xlsx",
        message=gettext("%(count)d fund lines exported.") % {"count": len(lines)},
        rows=len(lines),
    )


@register_job("reports.roster", label=_("Person registry roster"), roles=OFFICE_AND_COUNTY)
def roster(*, job, user, progress) -> JobOutcome:
    from beneficiaries import selectors as beneficiary_selectors

    whole = beneficiary_selectors.sees_whole_numbers(user)
    persons = beneficiary_selectors.person_list(user=user).select_related("village__parent")
    total = persons.count()
    columns = [
        ExportColumn("乡镇", value=lambda p: p.village.parent.name if p.village.parent_id else ""),
        ExportColumn("村(社区)", value="village.name"),
        ExportColumn("姓名", value="name" if whole else "masked_name"),
        ExportColumn("身份证号", width=22, value="id_number" if whole else "masked_id_number"),
        ExportColumn("性别", value=lambda p: p.get_sex_display()),
        # Beside a masked ID number the birth date would rebuild it: the year only then.
        ExportColumn("出生日期", OutKind.DATE, value="birth_date")
        if whole
        else ExportColumn("出生年份", value=lambda p: str(p.birth_date.year)),
        ExportColumn("状态", value=lambda p: p.get_status_display()),
    ]
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    done = 0
    with XlsxExport(handle.name, sheet_name="花名册", columns=columns) as export:
        for done, person in enumerate(persons.iterator(chunk_size=2000), 1):
            export.write_row(person)
            progress(done, total)
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"人员花名册_{timezone.localdate():%Y%m%d}.xlsx",
        message=gettext("%(count)d persons exported.") % {"count": done},
        rows=done,
        unmasked=whole,
    )


@register_job("reports.audit_history", label=_("Audit history"), roles=OFFICE_AND_COUNTY)
def audit_history(*, job, user, progress) -> JobOutcome:
    params = job.params
    rows = history.history_rows(
        user=user,
        kind=params["kind"],
        object_id=params.get("object_id") or None,
        date_from=datetime.date.fromisoformat(params["date_from"]) if params.get("date_from") else None,
        date_to=datetime.date.fromisoformat(params["date_to"]) if params.get("date_to") else None,
    )
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    with XlsxExport(handle.name, sheet_name="变更记录", columns=history.COLUMNS) as export:
        count = 0
        for count, row in enumerate(rows, 1):
            export.write_row(row)
            if count % 500 == 0:
                progress(count, max(count, 1))
    progress(count, count)
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"变更记录_{history.kind_label(params['kind'])}.xlsx",
        message=gettext("%(count)d changes exported.") % {"count": count},
        rows=count,
    )


@register_job("reports.aid_payments", label=_("Party hardship aid payments"), roles=OFFICE_AND_COUNTY)
def aid_payments(*, job, user, progress) -> JobOutcome:
    from partycare import selectors as care_selectors

    year = int(job.params["year"])
    payments = list(
        care_selectors.aid_payments(user=user, year=year).select_related("member__branch__division")
    )
    columns = [
        ExportColumn("年度", OutKind.INTEGER, value="year"),
        ExportColumn("党组织", width=24, value="member.branch.name"),
        ExportColumn("行政区划", value="member.branch.division.name"),
        ExportColumn("姓名", value="member.person.name"),
        ExportColumn("类别", width=20, value=lambda a: a.get_kind_display()),
        ExportColumn("金额(元)", OutKind.MONEY, value="amount"),
        ExportColumn("发放日期", OutKind.DATE, value="paid_on"),
    ]
    total = ZERO
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    with XlsxExport(handle.name, sheet_name=f"{year}年帮扶救助发放", columns=columns) as export:
        for done, application in enumerate(payments, 1):
            export.write_row(application)
            total += application.amount
            progress(done, len(payments))
        export.write_totals(["合计", None, None, None, None, total, None])
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"{year}年党员帮扶救助发放明细.xlsx",
        message=gettext("%(count)d payments exported.") % {"count": len(payments)},
        rows=len(payments),
    )


@register_job("reports.payment_batches", label=_("Payment batches"), roles=OFFICE_AND_COUNTY)
def payment_batches(*, job, user, progress) -> JobOutcome:
    """Every payment batch in scope of a year's periods with its steps and the amounts paid,
    failed and pending (one query for the batches with their sums)."""
    from django.db.models import Count, Q

    from beneficiaries import selectors as beneficiary_selectors

    year = int(job.params["year"])
    batches = list(
        beneficiary_selectors.batch_list(user=user)
        .filter(period_start__year=year)
        .annotate(
            paid_count=Count("payments", filter=Q(payments__status="paid")),
            paid_amount=Sum("payments__amount", filter=Q(payments__status="paid")),
            failed_count=Count("payments", filter=Q(payments__status="failed")),
            failed_amount=Sum("payments__amount", filter=Q(payments__status="failed")),
        )
        .order_by("period_start", "division__code", "project__code", "number")
    )
    columns = [
        ExportColumn("乡镇", value="division.name"),
        ExportColumn("项目编码", value="project.code"),
        ExportColumn("项目名称", width=26, value="project.name"),
        ExportColumn("发放期间", value="period_label"),
        ExportColumn("批次", OutKind.INTEGER, value="number"),
        ExportColumn("状态", value=lambda b: b.get_status_display()),
        ExportColumn("笔数", OutKind.INTEGER, value="payment_count"),
        ExportColumn("合计(元)", OutKind.MONEY, value="total_amount"),
        ExportColumn("已发放笔数", OutKind.INTEGER, value="paid_count"),
        ExportColumn("已发放(元)", OutKind.MONEY, value=lambda b: b.paid_amount or ZERO),
        ExportColumn("失败笔数", OutKind.INTEGER, value="failed_count"),
        ExportColumn("失败(元)", OutKind.MONEY, value=lambda b: b.failed_amount or ZERO),
        ExportColumn("制表人", value=lambda b: b.prepared_by.username if b.prepared_by_id else ""),
        ExportColumn("审批人", value=lambda b: b.approved_by.username if b.approved_by_id else ""),
        ExportColumn("送银行时间", width=18, value=lambda b: _local_text(b.exported_at)),
        ExportColumn("对账时间", width=18, value=lambda b: _local_text(b.reconciled_at)),
    ]
    totals = {"total": ZERO, "paid": ZERO, "failed": ZERO}
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    with XlsxExport(handle.name, sheet_name=f"{year}年发放批次", columns=columns) as export:
        for done, batch in enumerate(batches, 1):
            export.write_row(batch)
            totals["total"] += batch.total_amount
            totals["paid"] += batch.paid_amount or ZERO
            totals["failed"] += batch.failed_amount or ZERO
            progress(done, len(batches))
        export.write_totals(
            [
                "合计",
                None,
                None,
                None,
                None,
                None,
                None,
                totals["total"],
                None,
                totals["paid"],
                None,
                totals["failed"],
            ]
            + [None] * 4
        )
    return JobOutcome(
        file_bytes=handle.name,
        filename=f"{year}年打卡发放批次.xlsx",
        message=gettext("%(count)d batches exported.") % {"count": len(batches)},
        rows=len(batches),
    )


def _local_text(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
