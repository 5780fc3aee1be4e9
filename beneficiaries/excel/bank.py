"""The bank file (代发明细) of a payment batch and the bank's result file read back."""

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from beneficiaries.models import Payment, PaymentBatch
from common.masking import mask_bank_card, mask_id_number
from core.excel import (
    Column,
    ExcelRefused,
    ExportColumn,
    Kind,
    OutKind,
    RowError,
    RowErrors,
    SheetSpec,
    XlsxExport,
    read_xlsx,
    write_csv,
)
from core.money import parse_money

RESULT_CHOICES = [("paid", "成功"), ("failed", "失败")]

BANK_SPEC = SheetSpec(
    name="代发明细",
    max_rows=200_000,
    columns=[
        Column("seq", "序号", Kind.INTEGER, required=False),
        Column("reference", "流水号", Kind.TEXT, max_length=20),
        Column("name", "姓名", Kind.TEXT, required=False),
        Column("id_number", "身份证号", Kind.TEXT, required=False),
        Column("bank_card", "银行卡号", Kind.TEXT, required=False),
        Column("bank_name", "开户银行", Kind.TEXT, required=False),
        Column("amount", "金额（元）", Kind.DECIMAL),
        Column("project", "项目", Kind.TEXT, required=False),
        Column("period", "期间", Kind.TEXT, required=False),
        Column("village", "村(社区)", Kind.TEXT, required=False),
        Column("result", "结果", Kind.CHOICE, required=False, choices=RESULT_CHOICES),
        Column("reason", "失败原因", Kind.TEXT, required=False, max_length=200),
        Column("bank_reference", "银行流水号", Kind.TEXT, required=False, max_length=60),
    ],
)
BANK_COLUMNS = [
    ExportColumn(
        c.header,
        OutKind.MONEY
        if c.kind == Kind.DECIMAL
        else OutKind.INTEGER
        if c.kind == Kind.INTEGER
        else OutKind.TEXT,
        value=c.key,
        width=w,
    )
    for c, w in zip(BANK_SPEC.columns, (6, 14, 10, 21, 22, 16, 12, 20, 9, 12, 8, 20, 18), strict=True)
]


def _covers(payment: Payment, batch: PaymentBatch) -> str:
    """The days a line pays, as the bank file's 发放期间: the batch's period when it covers it
    whole, else the span; arrears and re-issues marked 补发."""
    if (payment.covers_from, payment.covers_to) == (batch.period_start, batch.period_end):
        label = batch.period_label
    else:
        label = f"{payment.covers_from:%Y-%m-%d}至{payment.covers_to:%Y-%m-%d}"
    return label if payment.kind == Payment.Kind.REGULAR else f"{label}（补发）"


def bank_rows(batch: PaymentBatch, *, whole: bool = True):
    """The bank file's lines (the batch screen shows the same, masked)."""
    payments = (
        Payment.objects.filter(batch=batch)
        .select_related("enrolment__person", "enrolment__village")
        .order_by("enrolment__village__code", "pk")
    )
    results = {"paid": "成功", "failed": "失败", "pending": ""}
    for seq, payment in enumerate(payments.iterator(chunk_size=5000), 1):
        person = payment.enrolment.person
        yield {
            "seq": seq,
            "reference": payment.reference,
            "name": person.name,
            "id_number": person.id_number if whole else mask_id_number(person.id_number),
            "bank_card": payment.bank_card if whole else mask_bank_card(payment.bank_card),
            "bank_name": payment.bank_name,
            "amount": payment.amount,
            "project": batch.project.name,
            "period": _covers(payment, batch),
            "village": payment.enrolment.village.name,
            "result": results[payment.status],
            "reason": payment.failure_reason,
            "bank_reference": payment.bank_reference,
        }


def write_bank_file(target, *, batch: PaymentBatch, fmt: str = "xlsx", whole: bool = True) -> int:
    rows = bank_rows(batch, whole=whole)
    if fmt == "csv":
        return write_csv(target, BANK_COLUMNS, rows)
    count = 0
    with XlsxExport(target, sheet_name=BANK_SPEC.name, columns=BANK_COLUMNS) as export:
        for row in rows:
            export.write_row(row)
            count += 1
        export.write_totals([None, "合计", None, None, None, None, batch.total_amount])
    return count


def read_bank_result(upload, *, name: str) -> list[dict]:
    """The bank's result file (our bank file with 结果/失败原因 filled in), .xlsx or .csv, as
    dicts for ``batch_reconcile``. Bad cells → RowErrors; the totals row is skipped."""
    if name.lower().endswith(".csv"):
        return _read_bank_csv(upload)
    parsed = read_xlsx(upload, BANK_SPEC, name=name)
    rows = [r for r in parsed.rows if r.get("reference") != "合计"]
    parsed.errors = [e for e in parsed.errors if not (e.header == "流水号" and e.value == "合计")]
    parsed.error_count = len(parsed.errors)
    parsed.raise_for_errors()
    return rows


def _read_bank_csv(upload) -> list[dict]:
    raw = upload.read() if hasattr(upload, "read") else open(upload, "rb").read()  # noqa: SIM115
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    headers = [str(c.header) for c in BANK_SPEC.columns]
    head = next(reader, None)
    if [h.strip() for h in (head or [])][: len(headers)] != headers:
        raise ExcelRefused(gettext("The CSV file's first row must hold the headers of the bank file."))
    rows, errors = [], []
    results = {label: value for value, label in RESULT_CHOICES}
    for number, cells in enumerate(reader, 2):
        cells = [*cells, *[""] * len(headers)][: len(headers)]
        line = dict(zip([c.key for c in BANK_SPEC.columns], (c.strip() for c in cells), strict=True))
        if not any(line.values()) or line["reference"] == "合计":
            continue
        try:
            line["amount"] = parse_money(line["amount"], field="amount")
        except ValidationError as error:
            errors.append(RowError(number, "G", "金额（元）", line["amount"], " ".join(error.messages)))
        if line["result"]:
            if line["result"] not in results:
                errors.append(
                    RowError(number, "K", "结果", line["result"], gettext("The result must be 成功 or 失败."))
                )
            line["result"] = results.get(line["result"])
        else:
            line["result"] = None
        line["_row"] = number
        rows.append(line)
    if errors:
        raise RowErrors(errors, len(errors))
    return rows
