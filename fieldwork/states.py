"""The status machine of residents' concerns (common.states), 党群连心: 收集 → 梳理 → 研判分拣 →
确认派发 → 吹哨响应 → 办结 → 反馈. The guards live in fieldwork.permissions."""

from django.utils.translation import gettext_lazy as _

from common.states import StateMachine, Transition
from fieldwork.guards import concern_resolve_guard
from fieldwork.models import Concern
from org.models import Role
from org.roles import FIELD, OFFICE

C = Concern.Status

CONCERN = StateMachine(
    field="status",
    transitions=[
        Transition("triage_village", (C.COLLECTED,), C.IN_VILLAGE, FIELD, label=_("Solve in the village")),
        Transition("triage_escalate", (C.COLLECTED, C.IN_VILLAGE), C.ESCALATED, FIELD, label=_("Escalate")),
        Transition(
            "triage_explain",
            (C.COLLECTED, C.IN_VILLAGE, C.ESCALATED),
            C.CLOSED,
            FIELD,
            label=_("Explain and close"),
        ),
        Transition("dispatch", (C.ESCALATED, C.DISPATCHED), C.DISPATCHED, OFFICE, label=_("Dispatch")),
        Transition(
            "whistle",
            (C.ESCALATED, C.DISPATCHED, C.WHISTLED),
            C.WHISTLED,
            OFFICE,
            label=_("Blow the whistle"),
        ),
        Transition(
            "resolve",
            (C.IN_VILLAGE, C.DISPATCHED, C.WHISTLED),
            C.RESOLVED,
            FIELD,
            label=_("Record the resolution"),
            check=concern_resolve_guard,
        ),
        Transition("close", (C.RESOLVED,), C.CLOSED, FIELD, label=_("Feedback: satisfied")),
        # the resident's feedback reopens a resolved concern (concern_feedback); nothing reopens a
        # closed one, so the machine does not offer it
        Transition("reopen", (C.RESOLVED,), C.COLLECTED, FIELD, label=_("Reopen")),
    ],
)

# Who acts next on a concern, for the inboxes.
CONCERN_INBOX = {
    Role.VILLAGE_CADRE: (C.COLLECTED, C.IN_VILLAGE, C.RESOLVED),
    Role.TOWNSHIP_STAFF: (C.ESCALATED, C.DISPATCHED, C.WHISTLED, C.RESOLVED),
    Role.TOWNSHIP_LEADER: (C.ESCALATED, C.DISPATCHED, C.WHISTLED),
}
