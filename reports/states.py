"""The monthly report's workflow (common.states): draft → (staff: request approval) → awaiting
approval → (leader, not the preparer: submit) → submitted → (county reviewer) accepted |
returned. Guards (``*_guard(report, user)``) are the ``check=`` of ``REPORT_FLOW``'s
transitions. Below both reports.permissions (the predicates read the machine) and
reports.services (the steps go through it)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.states import StateMachine, Transition
from org.models import Role
from org.services import ensure_four_eyes
from reports.models import MonthlyReport

Status = MonthlyReport.Status


# --- guards: the transitions' check= ----------------------------------------------------------


def summary_written_guard(report, user) -> None:
    if not (report.summary or "").strip():
        raise ValidationError({"summary": gettext("Write the summary before asking for approval.")})


def four_eyes_guard(report, user) -> None:
    """The leader who approves never prepared the report; a report nobody asked approval for
    (no preparer recorded) is not approved at all."""
    ensure_four_eyes(prepared_by=report.prepared_by, acting=user, what=gettext("this monthly report"))


# --- the machine ------------------------------------------------------------------------------


REPORT_FLOW = StateMachine(
    field="status",
    transitions=[
        Transition(
            "request_approval",
            (Status.DRAFT,),
            Status.AWAITING_APPROVAL,
            (Role.TOWNSHIP_STAFF,),
            label=_("Ask for approval"),
            check=summary_written_guard,
        ),
        Transition(
            "send_back",
            (Status.AWAITING_APPROVAL,),
            Status.DRAFT,
            (Role.TOWNSHIP_LEADER,),
            label=_("Send back"),
        ),
        Transition(
            "submit",
            (Status.AWAITING_APPROVAL,),
            Status.SUBMITTED,
            (Role.TOWNSHIP_LEADER,),
            label=_("Approve and submit"),
            check=four_eyes_guard,
        ),
        Transition(
            "accept", (Status.SUBMITTED,), Status.ACCEPTED, (Role.COUNTY_REVIEWER,), label=_("Accept")
        ),
        Transition(
            "return", (Status.SUBMITTED,), Status.RETURNED, (Role.COUNTY_REVIEWER,), label=_("Return")
        ),
    ],
)
