"""Who may do what to party-care records (members, campaigns, hardship aid), decided
here once.

Guards (``*_guard(record, user)``) raise ValidationError or PermissionDenied with the reason and
are the ``check=`` of the transitions in ``partycare.states``; predicates (``may_*(user,
record)``) answer yes or no for pages, the API and the admin: scope, then the machine (role,
state, guard).

Hardship aid (暖心工程): each step is taken by another person than the one who took the step
before (the preparer never does the branch check, the branch checker never posts the notice …),
and the township checks only once the public notice is over with no objection left open.
"""

from django.core.exceptions import ValidationError

from common.states import in_scope
from org.scoping import division_in_scope
from org.services import ensure_four_eyes

# --- guards: the transitions' check= ----------------------------------------------------------


def aid_after(field: str, what):
    """A guard: the acting user is not the one who took the previous step (``field``), and that
    step has a person recorded (four-eyes is never skipped)."""

    def guard(application, user):
        step = "check" if field == "prepared_by" else "approve"
        ensure_four_eyes(prepared_by=getattr(application, field), acting=user, what=str(what), step=step)

    guard.__name__ = f"aid_after_{field}"
    return guard


def aid_township_check_guard(application, user) -> None:
    """Another person than the one who posted the notice, and the notice clear (over, closed with
    no objection, every objection answered: the publicity app decides)."""
    from django.utils.translation import gettext_lazy as _

    from partycare.models import AidApplication
    from partycare.selectors import aid_notice_blocking_reason

    aid_after("notice_by", _("the public notice"))(application, user)
    if application.status == AidApplication.Status.IN_NOTICE:
        reason = aid_notice_blocking_reason(application)
        if reason:
            raise ValidationError({"notice": ValidationError(reason, code="notice_not_clear")})


# --- predicates: may X do Y to this record ------------------------------------------------------


def _may(machine, user, record, step: str) -> bool:
    return machine.allows(record, user, step) and in_scope(record, user)


def may_take_aid_step(user, application, step: str) -> bool:
    from partycare.states import AID

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
    from partycare.states import MEMBER

    return _may(MEMBER, user, member, step)


def may_take_campaign_step(user, campaign, step: str) -> bool:
    """The township's own officers act on its campaign (a cadre sees part of it, and no step)."""
    from partycare.states import CAMPAIGN

    return division_in_scope(user, campaign.division) and CAMPAIGN.allows(campaign, user, step)
