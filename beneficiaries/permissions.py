"""Who may do what to beneficiaries' records (enrolments, payment batches), decided here once.

Three kinds of names:

- guards (``*_guard(record, user)``) raise ValidationError with the reason; they are the
  ``check=`` of the state machines' transitions, so the service refuses under the row lock and
  ``machine.available()`` hides a button whose step the guard would refuse;
- the state machines (``ENROLMENT_MACHINE``, ``BATCH_MACHINE``): each step's roles, source
  states and guard, which the services take the steps through;
- predicates (``may_*(user, record)``) answer yes or no for a page, the API or the admin: the
  user's scope, then the machine (role, state, guard).

Four-eyes on payment batches (DESIGN 打卡发放): township staff prepare, another person checks,
and a township leader who is neither approves. On enrolments the person who entered the
application never approves it, and approval waits until the three notice rounds are clear.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Enrolment, PaymentBatch
from beneficiaries.selectors import enrolment_notice_blocking_reason, held_lines
from common.states import StateMachine, Transition
from org.models import Role
from org.roles import BANK_FILE_READERS, FIELD, OFFICE, has_role, require_role
from org.scoping import division_in_scope
from org.services import ensure_four_eyes

# --- guards: the transitions' check= ----------------------------------------------------------


def batch_check_guard(batch, user) -> None:
    """The preparer never checks their own batch; a batch with no preparer recorded is not
    checked at all (the rule is never skipped). Nor is a batch with held lines (open anomaly
    findings nobody has cleared for them: ``batch_held_guard``)."""
    ensure_four_eyes(prepared_by=batch.prepared_by, acting=user, what=str(batch), step="check")
    batch_held_guard(batch, user)


def batch_approve_guard(batch, user) -> None:
    """The approver is neither the preparer nor the checker: three different people."""
    ensure_four_eyes(prepared_by=batch.prepared_by, acting=user, what=str(batch))
    if batch.checked_by_id is None:
        raise ValidationError(
            gettext("Nobody is recorded as having checked %(what)s: check it before approving it.")
            % {"what": batch},
            code="no_checker",
        )
    if batch.checked_by_id == user.pk:
        raise ValidationError(
            gettext(
                "%(user)s checked %(what)s and so cannot also approve it: a third person must (four-eyes rule)."
            )
            % {"user": user.display_name, "what": batch},
            code="four_eyes",
        )
    batch_held_guard(batch, user)


def batch_held_guard(batch, user) -> None:
    """Findings stop money (issue 15): while a line of the batch has an open anomaly finding
    nobody has cleared for it (``beneficiaries.selectors.held_lines``), the batch is neither
    checked nor approved. Raises ValidationError (code ``held_lines``) saying how many lines and
    what to do."""
    held = len(held_lines(batch))
    if held:
        raise ValidationError(
            ngettext(
                "%(count)d line of %(what)s is held by an open anomaly finding: clear it with a reason "
                "(someone other than its preparer) or settle the finding first.",
                "%(count)d lines of %(what)s are held by open anomaly findings: clear each with a reason "
                "(someone other than its preparer) or settle the findings first.",
                held,
            )
            % {"count": held, "what": batch},
            code="held_lines",
        )


def payment_clear_guard(batch, user) -> None:
    """Who may clear a held line of ``batch``: an office role, while the batch is a draft or
    checked, and never its preparer (four-eyes: whoever put the line in does not let it through);
    a batch with no preparer recorded is cleared by nobody. Raises PermissionDenied for the role,
    ValidationError with the reason otherwise. Scope is the caller's (the batch was fetched in it)."""
    require_role(user, *OFFICE)
    if batch.status not in (PaymentBatch.Status.DRAFT, PaymentBatch.Status.CHECKED):
        raise ValidationError(
            gettext("%(what)s is %(status)s: lines are cleared only while the batch is a draft or checked.")
            % {"what": batch, "status": batch.get_status_display()},
            code="invalid_transition",
        )
    if batch.prepared_by_id is None:
        raise ValidationError(
            gettext(
                "Nobody is recorded as having prepared %(what)s, so nobody can clear its held lines "
                "(four-eyes rule): record who prepared it first."
            )
            % {"what": batch},
            code="no_preparer",
        )
    if batch.prepared_by_id == user.pk:
        raise ValidationError(
            gettext(
                "%(user)s prepared %(what)s and so cannot clear its held lines: another person must "
                "(four-eyes rule)."
            )
            % {"user": user.display_name, "what": batch},
            code="four_eyes",
        )


def batch_export_guard(batch, user) -> None:
    """A batch is marked sent to the bank only after its bank file was produced: the file is
    made at approval, handed to the bank, and only then is the batch marked sent."""
    if batch.bank_file_at is None:
        raise ValidationError(
            gettext(
                "The bank file of %(what)s has not been produced yet: produce it (Bank file buttons), "
                "hand it to the bank, then mark the batch sent to the bank."
            )
            % {"what": batch},
            code="no_bank_file",
        )


def enrolment_notice_guard(enrolment, user) -> None:
    if enrolment.village_notice_id is None:
        raise ValidationError(
            {
                "village_notice": gettext(
                    "Post the village list (first round) before putting the enrolment on notice."
                )
            }
        )


def enrolment_approve_guard(enrolment, user) -> None:
    """Not by the person who entered the enrolment; and only once the three rounds are posted,
    over and closed with no unanswered or upheld objection."""
    ensure_four_eyes(prepared_by=enrolment.created_by, acting=user, what=str(enrolment))
    reason = enrolment_notice_blocking_reason(enrolment)
    if reason:
        raise ValidationError({"status": ValidationError(reason, code="notice_not_clear")})


# --- the state machines: which role takes which step from which state, under which guard ------
# (the services take the steps through them; the predicates below ask them)

ENROLMENT_MACHINE = StateMachine(
    field="status",
    transitions=[
        Transition(
            "review",
            sources=(Enrolment.Status.APPLIED,),
            target=Enrolment.Status.VILLAGE_REVIEWED,
            roles=FIELD,
            label=_("Village review done"),
        ),
        Transition(
            "notice",
            sources=(Enrolment.Status.VILLAGE_REVIEWED,),
            target=Enrolment.Status.NOTICE,
            roles=OFFICE,
            label=_("Put on public notice"),
            check=enrolment_notice_guard,
        ),
        Transition(
            "approve",
            sources=(Enrolment.Status.NOTICE,),
            target=Enrolment.Status.APPROVED,
            roles=(Role.TOWNSHIP_LEADER,),
            label=_("Approve"),
            check=enrolment_approve_guard,
        ),
        Transition(
            "activate",
            sources=(Enrolment.Status.APPROVED,),
            target=Enrolment.Status.ACTIVE,
            roles=OFFICE,
            label=_("Start payments"),
        ),
        Transition(
            "exit",
            sources=tuple(s for s in Enrolment.Status.values if s != Enrolment.Status.EXITED),
            target=Enrolment.Status.EXITED,
            roles=OFFICE,
            label=_("Exit"),
        ),
    ],
)


BATCH_MACHINE = StateMachine(
    field="status",
    transitions=[
        Transition(
            "check",
            sources=(PaymentBatch.Status.DRAFT,),
            target=PaymentBatch.Status.CHECKED,
            roles=OFFICE,
            label=_("Mark as checked"),
            check=batch_check_guard,
        ),
        Transition(
            "reopen",
            sources=(PaymentBatch.Status.CHECKED,),
            target=PaymentBatch.Status.DRAFT,
            roles=OFFICE,
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
            roles=OFFICE,
            label=_("Mark sent to the bank"),
            check=batch_export_guard,
        ),
    ],
)


# --- predicates: may X do Y to this record ------------------------------------------------------


def _enrolment_in_scope(user, enrolment) -> bool:
    return division_in_scope(user, enrolment.village)


def _batch_in_scope(user, batch) -> bool:
    return division_in_scope(user, batch.division)


def may_take_enrolment_step(user, enrolment, step: str) -> bool:
    return _enrolment_in_scope(user, enrolment) and ENROLMENT_MACHINE.allows(enrolment, user, step)


def may_review_enrolment(user, enrolment) -> bool:
    return may_take_enrolment_step(user, enrolment, "review")


def may_approve_enrolment(user, enrolment) -> bool:
    return may_take_enrolment_step(user, enrolment, "approve")


def may_record_callback(user, enrolment=None) -> bool:
    return has_role(user, *FIELD) and (enrolment is None or _enrolment_in_scope(user, enrolment))


def may_generate_batch(user, division=None) -> bool:
    return has_role(user, *OFFICE) and (division is None or division_in_scope(user, division))


def may_take_batch_step(user, batch, step: str) -> bool:
    return _batch_in_scope(user, batch) and BATCH_MACHINE.allows(batch, user, step)


def may_check_batch(user, batch) -> bool:
    return may_take_batch_step(user, batch, "check")


def may_approve_batch(user, batch) -> bool:
    return may_take_batch_step(user, batch, "approve")


def may_export_batch(user, batch) -> bool:
    return may_take_batch_step(user, batch, "export")


def may_delete_batch(user, batch) -> bool:
    return (
        has_role(user, *OFFICE) and _batch_in_scope(user, batch) and batch.status == PaymentBatch.Status.DRAFT
    )


def may_reconcile_batch(user, batch) -> bool:
    return (
        has_role(user, *OFFICE)
        and _batch_in_scope(user, batch)
        and batch.status == PaymentBatch.Status.EXPORTED
    )


#: the states in which a batch's bank file can be made: from approval on (it is made before the
#: batch is marked sent to the bank)
BANK_FILE_STATES = ("approved", "exported", "reconciled")
# Who may have it made: org.roles.BANK_FILE_READERS (the office, which hands it to the bank, and
# the county auditor, a copy).


def bank_file_guard(batch, user) -> None:
    """The bank file exists once the batch is approved (and stays while it is sent and reconciled)."""
    if batch.status not in BANK_FILE_STATES:
        raise ValidationError(
            gettext("The bank file of %(what)s exists once the batch is approved (it is %(status)s).")
            % {"what": batch, "status": batch.get_status_display()},
            code="not_approved",
        )


def may_download_bank_file(user, batch) -> bool:
    return (
        has_role(user, *BANK_FILE_READERS)
        and _batch_in_scope(user, batch)
        and batch.status in BANK_FILE_STATES
    )


def records_bank_file(user) -> bool:
    """Whether a bank file this user makes counts as produced for the batch (bank_file_at): the
    office's, which goes to the bank; an auditor's copy changes nothing."""
    return has_role(user, *OFFICE)


def may_clear_held_lines(user, batch) -> bool:
    """Whether the page offers the clear-with-reason form of ``batch``'s held lines."""
    if not _batch_in_scope(user, batch):
        return False
    try:
        payment_clear_guard(batch, user)
    except (PermissionDenied, ValidationError):
        return False
    return True
