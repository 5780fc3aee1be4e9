"""The steps of a payment batch (draft → checked → approved → bank file → sent to the bank),
taken through ``beneficiaries.permissions.BATCH_MACHINE``, whose guards are the named
permissions beside it (four-eyes, the bank file before "sent")."""

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from beneficiaries.models import (
    PaymentBatch,
)
from beneficiaries.permissions import (
    BATCH_MACHINE,
    bank_file_guard,
    records_bank_file,
)
from org.audit import audited_save
from org.roles import BANK_FILE_READERS, require_role


def batch_check(*, user, batch: PaymentBatch) -> PaymentBatch:
    """Mark a draft checked. Refused to whoever prepared it, and to everyone while nobody is
    recorded as its preparer (four-eyes, beneficiaries.permissions.batch_check_guard)."""
    return BATCH_MACHINE.transition(
        obj=batch, user=user, name="check", queryset=PaymentBatch.objects.visible_to(user), checked_by=user
    )


def batch_reopen(*, user, batch: PaymentBatch) -> PaymentBatch:
    return BATCH_MACHINE.transition(
        obj=batch, user=user, name="reopen", queryset=PaymentBatch.objects.visible_to(user), checked_by=None
    )


def batch_approve(*, user, batch: PaymentBatch) -> PaymentBatch:
    """Approve a checked batch. Refused to whoever prepared it and to whoever checked it
    (four-eyes: three different people); of two people approving at once, the second waits for
    the row lock and finds it approved."""
    return BATCH_MACHINE.transition(
        obj=batch, user=user, name="approve", queryset=PaymentBatch.objects.visible_to(user), approved_by=user
    )


#: the steps a page asks to confirm before taking them (they cannot be undone: issue 20)
CONFIRMED_STEPS = ("approve", "export")


def batch_mark_exported(*, user, batch: PaymentBatch) -> PaymentBatch:
    """The bank file is handed over: from now on the batch's payments are fixed. Refused until
    the bank file was produced (batch_bank_file_record; permissions.batch_export_guard)."""
    return BATCH_MACHINE.transition(
        obj=batch,
        user=user,
        name="export",
        queryset=PaymentBatch.objects.visible_to(user),
        exported_at=timezone.now(),
    )


@transaction.atomic
def batch_bank_file_record(*, user, batch: PaymentBatch) -> PaymentBatch:
    """Record that ``user`` had the bank file of ``batch`` made (called by the bank file job, in
    its transaction: a failed job records nothing). Refused before approval (ValidationError,
    permissions.bank_file_guard), to other roles (PermissionDenied) and outside the user's scope
    (Http404). The first file made by the office sets ``bank_file_at``; later ones and an auditor's copy leave
    it as it is. Returns the batch as locked."""
    require_role(user, *BANK_FILE_READERS)
    try:
        locked = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    except PaymentBatch.DoesNotExist:
        raise Http404 from None
    bank_file_guard(locked, user)
    if locked.bank_file_at is None and records_bank_file(user):
        locked.bank_file_at = timezone.now()
        audited_save(locked, user=user, update_fields=["bank_file_at"])
    return locked
