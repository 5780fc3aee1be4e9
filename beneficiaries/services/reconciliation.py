"""The bank's side of a payment batch: applying its result file, and which failed payments a
later batch re-issues.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries.models import (
    Enrolment,
    Payment,
    PaymentBatch,
)
from core.excel import RowError, RowErrors
from org.audit import audited_bulk_update, audited_save
from org.roles import OFFICE, require_role


def live_cover_of_outer():
    """Live payments (not failed) of the outer payment's enrolment covering one of its days:
    for Exists() — a failed payment with one is settled."""
    return Payment.objects.filter(
        enrolment_id=models.OuterRef("enrolment_id"),
        covers_from__lte=models.OuterRef("covers_to"),
        covers_to__gte=models.OuterRef("covers_from"),
    ).exclude(status=Payment.Status.FAILED)


def failed_to_reissue(*, project, division) -> list[Payment]:
    """Failed payments of the project in the township whose days no live payment covers (a
    failure is re-issued once: the latest failure of a span), leaving out days after the
    enrolment's exit and payments reissue_card() holds back. Loaded with ``enrolment__person``."""
    live = live_cover_of_outer()
    seen, result = set(), []
    for payment in (
        Payment.objects.filter(
            status=Payment.Status.FAILED,
            enrolment__project=project,
            enrolment__village__code__startswith=division.code,
        )
        .exclude(models.Exists(live))
        .exclude(enrolment__status=Enrolment.Status.EXITED, enrolment__exit_on__lt=models.F("covers_from"))
        .select_related("enrolment__person", "batch")
        .order_by("enrolment_id", "covers_from", "-pk")
    ):
        if (payment.enrolment_id, payment.covers_from) not in seen:
            seen.add((payment.enrolment_id, payment.covers_from))
            result.append(payment)
    return [payment for payment in result if reissue_card(payment) is not None]


#: What a bank writes when the account itself is gone (closed, cancelled, never existed, frozen,
#: reported lost): the money cannot reach that card again, so the payment waits for a new one.
#: Matched as parts of the reason, case-insensitively; every other reason (户名不符 …) is "other"
#: and re-issued to the card on record as before. The one list of them.
CLOSED_ACCOUNT_REASONS = (
    "销户",  # 已销户, 账户已销户
    "注销",  # 账户已注销, 卡已注销
    "不存在",  # 账户不存在, 账号不存在
    "无此账",  # 无此账户, 无此账号
    "冻结",  # 账户冻结, 账户已冻结
    "止付",
    "挂失",
    "作废",  # 卡已作废
    "久悬",  # 久悬户 (dormant, closed by the bank)
    "closed",
    "cancelled",
    "canceled",
    "frozen",
    "does not exist",
    "no such account",
)


def failure_kind_for(reason: str) -> str:
    """The Payment.FailureKind of a bank's failure reason (CLOSED_ACCOUNT_REASONS)."""
    text = (reason or "").strip().lower()
    if any(part in text for part in CLOSED_ACCOUNT_REASONS):
        return Payment.FailureKind.CLOSED_ACCOUNT
    return Payment.FailureKind.OTHER


def failure_kind_of(payment: Payment) -> str:
    """The kind of a failed payment: as recorded at reconciliation, else read from its reason
    (failures written before the kind was recorded, or by bulk seeding)."""
    return payment.failure_kind or failure_kind_for(payment.failure_reason)


def failed_at(payment: Payment):
    """When the bank's failure was recorded: the reconciliation of the payment's batch (a query
    unless ``batch`` is loaded)."""
    return payment.batch.reconciled_at


def has_new_card(person, failed: Payment) -> bool:
    """Whether ``person`` has a card on record other than the one ``failed`` went to, recorded
    after the failure."""
    if not person.bank_card_cipher or person.bank_card_index == failed.bank_card_index:
        return False
    recorded, failure = person.bank_card_recorded_at, failed_at(failed)
    return recorded is not None and (failure is None or recorded > failure)


def reissue_card(failed: Payment) -> tuple[str, str, str] | None:
    """The card a re-issue of ``failed`` is paid to, as (cipher, blind index, bank), or None
    while it may not be re-issued yet.

    A failure for a closed account (failure_kind_of → closed_account) goes only to a new card:
    one other than the card that failed, recorded after the failure (Person.bank_card_recorded_at
    later than the batch's reconciliation); until then None. Any other failure goes to the
    person's card on record now, else the card that failed. ``failed`` comes with
    ``enrolment__person`` loaded (a closed-account failure reads its batch as well)."""
    person = failed.enrolment.person
    if failure_kind_of(failed) == Payment.FailureKind.CLOSED_ACCOUNT:
        if not has_new_card(person, failed):
            return None
        return person.bank_card_cipher, person.bank_card_index, person.bank_name
    if person.bank_card_cipher:
        return person.bank_card_cipher, person.bank_card_index, person.bank_name
    return failed.bank_card_cipher, failed.bank_card_index, failed.bank_name


def waiting_for_new_card(*, batch: PaymentBatch, limit: int = 50) -> list[Payment]:
    """The failed payments of ``batch`` that wait for a new card (their account is closed and no
    card was recorded since) and are not re-issued yet, at most ``limit``: for the batch page.
    ``batch`` was read through the user's scope; its payments are of its township."""
    reissued = Payment.objects.filter(reissue_of_id=models.OuterRef("pk"))
    live = live_cover_of_outer()
    candidates = (
        Payment.objects.filter(batch=batch, status=Payment.Status.FAILED)
        .exclude(models.Exists(reissued))
        .exclude(models.Exists(live))
        .select_related("enrolment__person", "enrolment__village")
        .order_by("enrolment__village__code", "pk")
    )
    result = []
    for payment in candidates.iterator(chunk_size=500):
        payment.batch = batch  # failed_at reads it: no query per line
        if failure_kind_of(payment) == Payment.FailureKind.CLOSED_ACCOUNT and not has_new_card(
            payment.enrolment.person, payment
        ):
            result.append(payment)
            if len(result) >= limit:
                break
    return result


RESULT_PAID = "paid"
#: history_change_reason of the payments a bank result file settles
BANK_RESULT = "bank result"
RESULT_FAILED = "failed"


@transaction.atomic
def batch_reconcile(*, user, batch: PaymentBatch, results: list[dict]) -> PaymentBatch:
    """Apply the bank's result file: ``results`` are dicts with ``row`` (file row number),
    ``reference`` (P0000000123), ``amount``, ``result`` ("paid"/"failed"), ``reason``,
    ``bank_reference``. Every payment of the batch must appear exactly once with its amount; a
    line naming a payment not in the batch, a changed amount, a failure without a reason → a
    RowErrors listing each, and nothing changes. Failed payments can be re-issued in a later
    batch."""
    require_role(user, *OFFICE)
    batch = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatch.Status.EXPORTED:
        raise ValidationError(
            {
                "status": gettext("Only a batch sent to the bank can be reconciled (it is %(status)s).")
                % {"status": batch.get_status_display()}
            }
        )
    payments = {p.reference: p for p in batch.payments.all()}
    results = [{**line, "row": line.get("row", line.get("_row", 0))} for line in results]
    _refuse_result_file(results, payments=payments, batch=batch)
    changed = _payments_settled(payments, results=results)
    audited_bulk_update(
        changed,
        ["status", "failure_reason", "failure_kind", "bank_reference"],
        user=user,
        reason=BANK_RESULT,
        batch_size=5000,
    )
    batch.status = PaymentBatch.Status.RECONCILED
    batch.reconciled_at = timezone.now()
    audited_save(batch, user=user, update_fields=["status", "reconciled_at"])
    return batch


def _refuse_result_file(results: list[dict], *, payments: dict, batch: PaymentBatch) -> None:
    """Raise RowErrors listing every line of the result file that does not fit the batch and
    every payment of the batch the file leaves out (the first 50 named, the rest counted)."""
    errors, seen = _result_line_errors(results, payments=payments, batch=batch)
    missing = [ref for ref in payments if ref not in seen]
    for ref in missing[:50]:
        errors.append(
            RowError(
                row=0,
                column="",
                header="",
                value=ref,
                message=gettext("Payment %(reference)s is missing from the result file.")
                % {"reference": ref},
            )
        )
    if errors:
        raise RowErrors(errors, len(errors) + max(0, len(missing) - 50))


def _result_line_errors(results: list[dict], *, payments: dict, batch: PaymentBatch) -> tuple[list, dict]:
    """The errors of the file's lines (a payment not in the batch or listed twice, and what
    _result_value_errors finds), and the row of each payment listed: (errors, {reference: row})."""
    errors, seen = [], {}
    for line in results:
        reference = str(line.get("reference") or "").strip()
        payment = payments.get(reference)
        if payment is None:
            message = gettext("This payment is not in batch %(batch)s.") % {"batch": batch}
        elif reference in seen:
            message = gettext("Listed twice (also row %(row)s).") % {"row": seen[reference]}
        else:
            seen[reference] = line["row"]
            errors += _result_value_errors(line, payment=payment)
            continue
        errors.append(
            RowError(row=line["row"], column="B", header="流水号", value=reference, message=message)
        )
    return errors, seen


def _result_value_errors(line: dict, *, payment: Payment) -> list[RowError]:
    """What is wrong with the amount and the result of one line of the file naming ``payment``."""
    errors = []
    if line.get("amount") is not None and Decimal(line["amount"]) != payment.amount:
        errors.append(
            RowError(
                row=line["row"],
                column="G",
                header="金额",
                value=line["amount"],
                message=gettext("The bank reports %(bank)s, the batch holds %(ours)s.")
                % {"bank": line["amount"], "ours": payment.amount},
            )
        )
    if line.get("result") not in (RESULT_PAID, RESULT_FAILED):
        errors.append(
            RowError(
                row=line["row"],
                column="K",
                header="结果",
                value=line.get("result"),
                message=gettext("The result must be 成功 or 失败."),
            )
        )
    elif line["result"] == RESULT_FAILED and not (line.get("reason") or "").strip():
        errors.append(
            RowError(
                row=line["row"],
                column="L",
                header="失败原因",
                value="",
                message=gettext("A failed payment needs the bank's reason."),
            )
        )
    return errors


def _payments_settled(payments: dict, *, results: list[dict]) -> list[Payment]:
    """Each payment set paid or failed as the file says (a failure with its reason and kind,
    the bank's reference), unsaved."""
    by_reference = {str(line["reference"]).strip(): line for line in results}
    changed = []
    for reference, payment in payments.items():
        line = by_reference[reference]
        payment.status = Payment.Status.PAID if line["result"] == RESULT_PAID else Payment.Status.FAILED
        payment.failure_reason = (
            (line.get("reason") or "").strip()[:200] if payment.status == Payment.Status.FAILED else ""
        )
        payment.failure_kind = (
            failure_kind_for(payment.failure_reason) if payment.status == Payment.Status.FAILED else ""
        )
        payment.bank_reference = str(line.get("bank_reference") or "")[:60]
        changed.append(payment)
    return changed
