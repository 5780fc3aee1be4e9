"""Who may do what to publicity records (submissions, public notices, objections), decided here
once.

Guards (``*_guard(record, user)``) raise ValidationError with the reason and are the ``check=``
of the transitions in ``publicity.states``; predicates (``may_*(user, record)``) answer yes or no
for pages, the API and the admin: scope, then the machine (role, state, guard).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from common.states import in_scope
from org.roles import FIELD, OFFICE, has_role
from org.scoping import division_in_scope

# --- guards: the transitions' check= ----------------------------------------------------------


def livelihood_office_guard(submission, user) -> None:
    """Adoption is the livelihood office's call: a user attached to another unit may not decide."""
    department = getattr(user, "department", None)
    if department is not None and not department.is_livelihood_office:
        raise ValidationError(
            gettext("Only the livelihood office decides on submissions; %(user)s belongs to %(unit)s.")
            % {"user": user.display_name, "unit": department.name},
            code="not_livelihood_office",
        )


def notice_clear_guard(notice, user) -> None:
    """Closed "no objection" only after the period, every objection answered, none upheld
    (publicity.selectors.notice_close_blocking_reason says why not)."""
    from publicity.selectors import notice_close_blocking_reason

    reason = notice_close_blocking_reason(notice=notice)
    if reason:
        raise ValidationError({"status": ValidationError(reason, code="notice_not_clear")})


def notice_upheld_guard(notice, user) -> None:
    """Closed "objection upheld" only after the period too, and only when one was upheld."""
    from publicity.selectors import notice_close_blocking_reason

    reason = notice_close_blocking_reason(notice=notice, upheld=True)
    if reason:
        raise ValidationError({"status": ValidationError(reason, code="notice_not_closable")})


# --- predicates: may X do Y to this record ------------------------------------------------------


def _may(machine, user, record, step: str) -> bool:
    return machine.allows(record, user, step) and in_scope(record, user)


def may_take_submission_step(user, submission, step: str) -> bool:
    from publicity.states import SUBMISSION

    return _may(SUBMISSION, user, submission, step)


def may_adopt_submission(user, submission) -> bool:
    return may_take_submission_step(user, submission, "adopt")


def may_edit_submission(user, submission) -> bool:
    return submission.is_editable and has_role(user, *OFFICE) and in_scope(submission, user)


def may_post_notice(user, division) -> bool:
    """Post a public notice for ``division`` (the township's office)."""
    return has_role(user, *OFFICE) and division is not None and division_in_scope(user, division)


def may_close_notice(user, notice, *, upheld: bool = False) -> bool:
    from publicity.states import NOTICE

    return _may(NOTICE, user, notice, "close_upheld" if upheld else "close_clear")


def may_withdraw_notice(user, notice) -> bool:
    from publicity.states import NOTICE

    return _may(NOTICE, user, notice, "withdraw")


def may_record_objection(user, notice) -> bool:
    from publicity.models import PublicNotice

    return (
        has_role(user, *FIELD) and notice.status != PublicNotice.Status.WITHDRAWN and in_scope(notice, user)
    )


def may_answer_objection(user, objection) -> bool:
    from publicity.states import OBJECTION

    return _may(OBJECTION, user, objection, "answer")
