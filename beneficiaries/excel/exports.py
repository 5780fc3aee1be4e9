"""The auditors' exports: the roster, a batch's lines, the anomaly list."""

from decimal import Decimal

from beneficiaries import selectors
from beneficiaries.excel.bank import BANK_COLUMNS, bank_rows
from beneficiaries.models import Enrolment, PaymentBatch
from common.masking import mask_bank_card, mask_id_number
from core.crypto import decrypt
from core.excel import (
    ExportColumn,
    OutKind,
    XlsxExport,
)


def roster_columns():
    return [
        ExportColumn("项目", value="project", width=22),
        ExportColumn("年度", OutKind.INTEGER, value="year", width=6),
        ExportColumn("乡镇", value="township", width=10),
        ExportColumn("村(社区)", value="village", width=10),
        ExportColumn("姓名", value="name", width=10),
        ExportColumn("身份证号", value="id_number", width=21),
        ExportColumn("银行卡号", value="bank_card", width=22),
        ExportColumn("补助档次", value="tier", width=10),
        ExportColumn("享受人数", OutKind.INTEGER, value="persons", width=8),
        ExportColumn("状态", value="status", width=8),
        ExportColumn("申请日期", OutKind.DATE, value="applied_on", width=11),
        ExportColumn("发放起始", OutKind.DATE, value="active_from", width=11),
        ExportColumn("退出日期", OutKind.DATE, value="exit_on", width=11),
        ExportColumn("退出原因", value="exit_reason", width=12),
    ]


ROSTER_FIELDS = (
    "project__name",
    "project__year",
    "village__parent__name",
    "village__name",
    "person__name",
    "person__id_number_cipher",
    "person__bank_card_cipher",
    "tier",
    "persons_covered",
    "status",
    "applied_on",
    "active_from",
    "exit_on",
    "exit_reason",
)


def roster_rows(*, user, filters: dict, progress=None):
    """The roster export's rows (dicts keyed like ``roster_columns``), streamed from the
    database: whole ID and card numbers for county auditors, masked for everyone else.
    Plain tuples of the 14 columns, not five model instances a row: a third of the time."""
    whole = selectors.sees_whole_numbers(user)
    qs = selectors.enrolment_list(user=user, **filters)
    total = qs.count() if progress else None
    statuses = {value: str(label) for value, label in Enrolment.Status.choices}
    reasons = {value: str(label) for value, label in Enrolment.ExitReason.choices}
    for done, (
        project,
        year,
        township,
        village,
        name,
        id_cipher,
        card_cipher,
        tier,
        persons,
        status,
        applied_on,
        active_from,
        exit_on,
        exit_reason,
    ) in enumerate(qs.values_list(*ROSTER_FIELDS).iterator(chunk_size=5000), 1):
        if progress and done % 1000 == 0:
            progress(done, total)
        id_number = decrypt(id_cipher) if id_cipher else ""
        card = decrypt(card_cipher) if card_cipher else ""
        yield {
            "project": project,
            "year": year,
            "township": township or "",
            "village": village,
            "name": name,
            "id_number": id_number if whole else mask_id_number(id_number),
            "bank_card": card if whole else mask_bank_card(card),
            "tier": tier,
            "persons": persons,
            "status": statuses.get(status, status),
            "applied_on": applied_on,
            "active_from": active_from,
            "exit_on": exit_on,
            "exit_reason": reasons.get(exit_reason, exit_reason) if exit_reason else "",
        }


def write_roster(target, *, user, filters: dict, progress=None) -> int:
    count = 0
    with XlsxExport(target, sheet_name="受益对象花名册", columns=roster_columns()) as export:
        for row in roster_rows(user=user, filters=filters, progress=progress):
            export.write_row(row)
            count += 1
    return count


def write_batch_detail(target, *, user, batch: PaymentBatch) -> int:
    whole = selectors.sees_whole_numbers(user)
    count = 0
    with XlsxExport(target, sheet_name="发放明细", columns=BANK_COLUMNS) as export:
        for row in bank_rows(batch, whole=whole):
            export.write_row(row)
            count += 1
        export.write_totals([None, "合计", None, None, None, None, batch.total_amount])
    return count


ANOMALY_COLUMNS = [
    ExportColumn("疑点类型", value="rule", width=26),
    ExportColumn("村(社区)", value="village", width=10),
    ExportColumn("姓名", value="person", width=10),
    ExportColumn("情况", value="detail", width=60),
    ExportColumn("状态", value="status", width=8),
    ExportColumn("核查说明", value="note", width=40),
    ExportColumn("首次发现", OutKind.DATE, value="first_seen", width=17),
    ExportColumn("最近发现", OutKind.DATE, value="last_seen", width=17),
]


def write_anomalies(target, *, user, filters: dict) -> int:
    qs = selectors.anomaly_list(user=user, **filters)
    rows = (
        {
            "rule": f.get_rule_display(),
            "village": f.village.name,
            "person": f.person.name if f.person_id else "",
            "detail": f.detail,
            "status": f.get_status_display(),
            "note": f.note,
            "first_seen": f.first_seen,
            "last_seen": f.last_seen,
        }
        for f in qs.iterator(chunk_size=2000)
    )
    count = 0
    with XlsxExport(target, sheet_name="疑点清单", columns=ANOMALY_COLUMNS) as export:
        for row in rows:
            export.write_row(row)
            count += 1
    return count


def decimal_or_none(value):
    return Decimal(value) if value not in (None, "") else None
