"""The status machines of the publicity app (common.states): who may move what, from where.
The guards (check=) live in publicity.guards."""

from django.utils.translation import gettext_lazy as _

from common.states import StateMachine, Transition
from org.roles import OFFICE
from publicity.guards import (
    livelihood_office_guard,
    notice_clear_guard,
    notice_upheld_guard,
)
from publicity.models import InfoSubmission, Objection, PublicNotice

S = InfoSubmission.Status
N = PublicNotice.Status

SUBMISSION = StateMachine(
    field="status",
    transitions=[
        Transition("submit", (S.DRAFT, S.RETURNED), S.SUBMITTED, OFFICE, label=_("Submit")),
        Transition("adopt", (S.SUBMITTED,), S.ADOPTED, OFFICE, _("Adopt"), livelihood_office_guard),
        Transition("return", (S.SUBMITTED,), S.RETURNED, OFFICE, _("Return"), livelihood_office_guard),
        Transition("publish", (S.ADOPTED,), S.PUBLISHED, OFFICE, _("Publish"), livelihood_office_guard),
        Transition("unpublish", (S.PUBLISHED,), S.ADOPTED, OFFICE, _("Unpublish"), livelihood_office_guard),
    ],
)

NOTICE = StateMachine(
    field="status",
    transitions=[
        Transition(
            "close_clear",
            (N.POSTED,),
            N.CLOSED_CLEAR,
            OFFICE,
            _("Close with no objection"),
            notice_clear_guard,
        ),
        Transition(
            "close_upheld",
            (N.POSTED,),
            N.CLOSED_UPHELD,
            OFFICE,
            _("Close, objection upheld"),
            notice_upheld_guard,
        ),
        Transition("withdraw", (N.POSTED,), N.WITHDRAWN, OFFICE, _("Withdraw")),
    ],
)

OBJECTION = StateMachine(
    field="status",
    transitions=[
        Transition("answer", (Objection.Status.OPEN,), Objection.Status.ANSWERED, OFFICE, _("Answer")),
    ],
)
