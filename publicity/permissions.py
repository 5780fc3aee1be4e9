"""Who may do what to publicity records (submissions, public notices, objections), decided here
once.

Predicates (``may_*(user, record)``) answer yes or no for pages, the API and the admin: scope,
then the machine (role, state, guard). The guards the machines run are in ``publicity.guards``.
"""

from common.states import in_scope
from org.roles import FIELD, OFFICE, has_role
from org.scoping import division_in_scope
from publicity.models import PublicNotice
from publicity.states import NOTICE, OBJECTION, SUBMISSION

# --- predicates: may X do Y to this record ------------------------------------------------------


def _may(machine, user, record, step: str) -> bool:
    return machine.allows(record, user, step) and in_scope(record, user)


def may_take_submission_step(user, submission, step: str) -> bool:
    return _may(SUBMISSION, user, submission, step)


def may_adopt_submission(user, submission) -> bool:
    return may_take_submission_step(user, submission, "adopt")


def may_edit_submission(user, submission) -> bool:
    return submission.is_editable and has_role(user, *OFFICE) and in_scope(submission, user)


def may_post_notice(user, division) -> bool:
    """Post a public notice for ``division`` (the township's office)."""
    return has_role(user, *OFFICE) and division is not None and division_in_scope(user, division)


def may_close_notice(user, notice, *, upheld: bool = False) -> bool:
    return _may(NOTICE, user, notice, "close_upheld" if upheld else "close_clear")


def may_withdraw_notice(user, notice) -> bool:
    return _may(NOTICE, user, notice, "withdraw")


def may_record_objection(user, notice) -> bool:
    return (
        has_role(user, *FIELD) and notice.status != PublicNotice.Status.WITHDRAWN and in_scope(notice, user)
    )


def may_answer_objection(user, objection) -> bool:
    return _may(OBJECTION, user, objection, "answer")
