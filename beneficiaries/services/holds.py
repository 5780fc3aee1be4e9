"""Held batch lines (issue 15, "findings stop money"): a line whose person has an open anomaly
finding holds its batch (``beneficiaries.permissions.batch_held_guard``) until someone other
than the batch's preparer clears it for that finding, with a reason.

Writes are keyword-only; the function is its own transaction and refuses bad input with a
message that names the field and the value."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext

from beneficiaries.models import AnomalyFinding, Payment, PaymentBatch, PaymentClearance
from beneficiaries.permissions import payment_clear_guard
from beneficiaries.selectors import held_lines
from org.audit import audited_save
from org.roles import OFFICE, require_role

REASON_LENGTH = PaymentClearance._meta.get_field("reason").max_length


def payment_clear(*, user, payment: Payment, finding: AnomalyFinding, reason: str) -> PaymentClearance:
    """Let ``payment`` (a line of a draft or checked batch) through despite ``finding``, for
    ``reason``. Office roles only, inside their scope (else Http404 for the batch, as for a
    batch step); refused to the batch's preparer (four-eyes) and while nobody is recorded as
    its preparer; refused when the finding does not hold this line (explained, confirmed,
    another person's, another township's, already cleared). Runs under the batch's row lock, so
    it cannot cross a check or an approval of the same batch. Raises PermissionDenied for the
    role, ValidationError with the reason otherwise; writes one clearance with its history."""
    require_role(user, *OFFICE)  # the role first, then the scope: as a batch step
    reason = (reason or "").strip()
    with transaction.atomic():
        batch = _locked_batch_of(payment, user=user)
        payment_clear_guard(batch, user)
        _refuse_clearance_reason(reason)
        _refuse_finding_not_holding(batch, payment=payment, finding=finding)
        return _clearance_save(user=user, payment=payment, finding=finding, reason=reason)


def _locked_batch_of(payment: Payment, *, user) -> PaymentBatch:
    """The payment's batch under its row lock, read through the user's scope (Http404 outside)."""
    try:
        return (
            PaymentBatch.objects.visible_to(user)
            .select_for_update(of=("self",))
            .select_related("division")
            .get(pk=payment.batch_id)
        )
    except PaymentBatch.DoesNotExist:
        raise Http404 from None


def _refuse_clearance_reason(reason: str) -> None:
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    gettext("Write why this line may be paid despite the finding."), code="required"
                )
            }
        )
    if len(reason) > REASON_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    gettext("The reason is %(length)d characters long; at most %(limit)d.")
                    % {"length": len(reason), "limit": REASON_LENGTH},
                    code="max_length",
                )
            }
        )


def _refuse_finding_not_holding(batch: PaymentBatch, *, payment: Payment, finding: AnomalyFinding) -> None:
    """Refuse (code ``not_held``) unless ``finding`` is one that holds ``payment`` in ``batch``
    now (beneficiaries.selectors.held_lines)."""
    holding = {
        line.payment.pk: {f.pk for f in line.findings}
        for line in held_lines(batch)
        if line.payment.pk == payment.pk
    }
    if finding.pk not in holding.get(payment.pk, set()):
        raise ValidationError(
            {
                "finding": ValidationError(
                    gettext(
                        "Anomaly %(finding)s does not hold line %(line)s of %(what)s (it is settled, "
                        "concerns someone else or is cleared already)."
                    )
                    % {"finding": finding.pk, "line": payment.reference, "what": batch},
                    code="not_held",
                )
            }
        )


def _clearance_save(*, user, payment: Payment, finding: AnomalyFinding, reason: str) -> PaymentClearance:
    try:
        with transaction.atomic():
            # audited_save, not audited_create: its ``reason`` is the history's change reason
            clearance = PaymentClearance(
                payment_id=payment.pk, finding_id=finding.pk, reason=reason, cleared_by=user
            )
            return audited_save(clearance, user=user, force_insert=True)
    except IntegrityError:  # the unique (payment, finding) constraint: the database says no too
        raise ValidationError(
            {
                "finding": ValidationError(
                    gettext("This line is already cleared for this finding."), code="already_cleared"
                )
            }
        ) from None
