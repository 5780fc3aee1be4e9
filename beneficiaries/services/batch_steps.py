"""The steps of a payment batch (draft → checked → approved → sent to the bank): a state machine
whose guards are the named permissions of beneficiaries.permissions (four-eyes)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import (
    PaymentBatch,
)
from beneficiaries.permissions import OFFICE_ROLES, batch_approve_guard, batch_check_guard
from common.states import StateMachine, Transition
from org.models import Role

BATCH_MACHINE = StateMachine(
    field="status",
    transitions=[
        Transition(
            "check",
            sources=(PaymentBatch.Status.DRAFT,),
            target=PaymentBatch.Status.CHECKED,
            roles=OFFICE_ROLES,
            label=_("Mark as checked"),
            check=batch_check_guard,
        ),
        Transition(
            "reopen",
            sources=(PaymentBatch.Status.CHECKED,),
            target=PaymentBatch.Status.DRAFT,
            roles=OFFICE_ROLES,
            label=_("Back to draft"),
        ),
        Transition(
            "approve",
            sources=(PaymentBatch.Status.CHECKED,),
            target=PaymentBatch.Status.APPROVED,
            roles=(Role.TOWNSHIP_LEADER,),
            label=_("Approve"),
            check=batch_approve_guard,
        ),
        Transition(
            "export",
            sources=(PaymentBatch.Status.APPROVED,),
            target=PaymentBatch.Status.EXPORTED,
            roles=OFFICE_ROLES,
            label=_("Send to the bank"),
        ),
    ],
)


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


def batch_mark_exported(*, user, batch: PaymentBatch) -> PaymentBatch:
    """The bank file is handed over: from now on the batch's payments are fixed."""
    return BATCH_MACHINE.transition(
        obj=batch,
        user=user,
        name="export",
        queryset=PaymentBatch.objects.visible_to(user),
        exported_at=timezone.now(),
    )
