"""Who may do what to party-care records (members, campaigns, hardship aid), decided
here once.

Predicates (``may_*(user, record)``) answer yes or no for pages, the API and the admin: scope,
then the machine (role, state, guard). The guards, the ``check=`` of the transitions in
``partycare.states``, are in ``partycare.guards`` below the machines (hardship aid's four-eyes
steps and its public notice).
"""

from common.states import in_scope
from org.scoping import division_in_scope
from partycare.states import AID, CAMPAIGN, MEMBER

# --- predicates: may X do Y to this record ------------------------------------------------------


def _may(machine, user, record, step: str) -> bool:
    return machine.allows(record, user, step) and in_scope(record, user)


def may_take_aid_step(user, application, step: str) -> bool:
    return _may(AID, user, application, step)


def may_branch_check_aid(user, application) -> bool:
    return may_take_aid_step(user, application, "branch_check")


def may_post_aid_notice(user, application) -> bool:
    return may_take_aid_step(user, application, "notice")


def may_township_check_aid(user, application) -> bool:
    return may_take_aid_step(user, application, "township_check")


def may_approve_aid(user, application) -> bool:
    """The county's approval (县委组织部批准)."""
    return may_take_aid_step(user, application, "county_approve")


def may_pay_aid(user, application) -> bool:
    return may_take_aid_step(user, application, "pay")


def may_reject_aid(user, application) -> bool:
    return may_take_aid_step(user, application, "reject")


def may_take_member_step(user, member, step: str) -> bool:
    return _may(MEMBER, user, member, step)


def may_take_campaign_step(user, campaign, step: str) -> bool:
    """The township's own officers act on its campaign (a cadre sees part of it, and no step)."""
    return division_in_scope(user, campaign.division) and CAMPAIGN.allows(campaign, user, step)
