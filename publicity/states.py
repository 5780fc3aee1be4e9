"""The status machines of the publicity app (common.states): who may move what, from where."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.states import StateMachine, Transition
from org.models import Role
from publicity.models import InfoSubmission, Objection, PublicNotice

TOWNSHIP = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
S = InfoSubmission.Status
N = PublicNotice.Status


def _livelihood_office_only(submission, user):
    """Adoption is the livelihood office's call: a user attached to another unit may not decide."""
    department = getattr(user, "department", None)
    if department is not None and not department.is_livelihood_office:
        raise ValidationError(
            gettext("Only the livelihood office decides on submissions; %(user)s belongs to %(unit)s.")
            % {"user": user.display_name, "unit": department.name},
            code="not_livelihood_office",
        )


def _notice_clear_check(notice, user):
    from publicity.selectors import notice_close_blocking_reason

    reason = notice_close_blocking_reason(notice=notice)
    if reason:
        raise ValidationError({"status": ValidationError(reason, code="notice_not_clear")})


def _notice_upheld_check(notice, user):
    if not notice.objections.filter(outcome=Objection.Outcome.UPHELD).exists():
        raise ValidationError(
            {"status": gettext("No objection to this notice was upheld: close it with no objection instead.")}
        )


SUBMISSION = StateMachine(
    field="status",
    transitions=[
        Transition("submit", (S.DRAFT, S.RETURNED), S.SUBMITTED, TOWNSHIP, label=_("Submit")),
        Transition("adopt", (S.SUBMITTED,), S.ADOPTED, TOWNSHIP, _("Adopt"), _livelihood_office_only),
        Transition("return", (S.SUBMITTED,), S.RETURNED, TOWNSHIP, _("Return"), _livelihood_office_only),
        Transition("publish", (S.ADOPTED,), S.PUBLISHED, TOWNSHIP, _("Publish"), _livelihood_office_only),
        Transition("unpublish", (S.PUBLISHED,), S.ADOPTED, TOWNSHIP, _("Unpublish"), _livelihood_office_only),
    ],
)

NOTICE = StateMachine(
    field="status",
    transitions=[
        Transition(
            "close_clear",
            (N.POSTED,),
            N.CLOSED_CLEAR,
            TOWNSHIP,
            _("Close with no objection"),
            _notice_clear_check,
        ),
        Transition(
            "close_upheld",
            (N.POSTED,),
            N.CLOSED_UPHELD,
            TOWNSHIP,
            _("Close, objection upheld"),
            _notice_upheld_check,
        ),
        Transition("withdraw", (N.POSTED,), N.WITHDRAWN, TOWNSHIP, _("Withdraw")),
    ],
)

OBJECTION = StateMachine(
    field="status",
    transitions=[
        Transition("answer", (Objection.Status.OPEN,), Objection.Status.ANSWERED, TOWNSHIP, _("Answer")),
    ],
)
