"""The status machines of party-member care (common.states): members, campaigns, hardship aid.

Hardship aid follows the 暖心工程 procedure: the branch checks (摸排核查), the application is
publicly posted with no unanswered objection (公示无异议), the township checks (镇党委核查),
the county approves (县委组织部批准), the township records the payment. Each step is taken by
a different person from the step before. The guards live in partycare.guards.
"""

from django.utils.translation import gettext_lazy as _

from common.states import StateMachine, Transition
from org.models import Role
from org.roles import AID_REJECTERS, FIELD, OFFICE
from partycare.guards import aid_after, aid_township_check_guard
from partycare.models import AidApplication, Campaign, PartyMember

S = AidApplication.Status
M = PartyMember.Status

MEMBER = StateMachine(
    field="status",
    transitions=[
        Transition("confirm", (M.PROBATIONARY,), M.FULL, OFFICE, label=_("Confirm full membership")),
        Transition(
            "transfer_out", (M.FULL, M.PROBATIONARY), M.TRANSFERRED_OUT, OFFICE, label=_("Transfer out")
        ),
        Transition(
            "record_death",
            (M.FULL, M.PROBATIONARY),
            M.DECEASED,
            FIELD,
            label=_("Record death"),
        ),
    ],
)

CAMPAIGN = StateMachine(
    field="status",
    transitions=[
        Transition(
            "close", (Campaign.Status.OPEN,), Campaign.Status.CLOSED, OFFICE, label=_("Close campaign")
        ),
        Transition(
            "reopen", (Campaign.Status.CLOSED,), Campaign.Status.OPEN, OFFICE, label=_("Reopen campaign")
        ),
    ],
)


AID = StateMachine(
    field="status",
    transitions=[
        Transition(
            "branch_check",
            (S.DRAFT,),
            S.BRANCH_CHECKED,
            FIELD,
            label=_("Branch check"),
            check=aid_after("prepared_by", _("the application")),
        ),
        Transition(
            "notice",
            (S.BRANCH_CHECKED,),
            S.IN_NOTICE,
            (Role.TOWNSHIP_STAFF,),
            label=_("Post the public notice"),
            check=aid_after("branch_checked_by", _("the branch check")),
        ),
        Transition(
            "township_check",
            (S.IN_NOTICE,),
            S.TOWNSHIP_CHECKED,
            (Role.TOWNSHIP_LEADER,),
            label=_("Township check"),
            check=aid_township_check_guard,
        ),
        Transition(
            "county_approve",
            (S.TOWNSHIP_CHECKED,),
            S.COUNTY_APPROVED,
            (Role.COUNTY_REVIEWER,),
            label=_("County approval"),
            check=aid_after("township_checked_by", _("the township check")),
        ),
        Transition(
            "pay",
            (S.COUNTY_APPROVED,),
            S.PAID,
            (Role.TOWNSHIP_STAFF,),
            label=_("Record payment"),
            check=aid_after("county_approved_by", _("the county approval")),
        ),
        Transition(
            "reject",
            (S.DRAFT, S.BRANCH_CHECKED, S.IN_NOTICE, S.TOWNSHIP_CHECKED),
            S.REJECTED,
            AID_REJECTERS,
            label=_("Reject"),
        ),
    ],
)

# The step before each aid step, named for the four-eyes refusal on the aid page.
STEP_BEFORE = {
    "branch_check": _("preparing the application"),
    "notice": _("the branch check"),
    "township_check": _("posting the public notice"),
    "county_approve": _("the township check"),
    "pay": _("the county approval"),
}

# Who acts next, for the inbox per role.
INBOX = {
    Role.VILLAGE_CADRE: (S.DRAFT,),
    Role.TOWNSHIP_STAFF: (S.DRAFT, S.BRANCH_CHECKED, S.COUNTY_APPROVED),
    Role.TOWNSHIP_LEADER: (S.IN_NOTICE,),
    Role.COUNTY_REVIEWER: (S.TOWNSHIP_CHECKED,),
    Role.COUNTY_AUDITOR: (),
}
