"""The guards of party-care transitions (hardship aid): each raises ValidationError or
PermissionDenied with the reason and is the ``check=`` of a transition in ``partycare.states``.
Below the machines (states imports them); the yes/no predicates for pages, the API and the admin
are in ``partycare.permissions``.

Hardship aid (暖心工程): each step is taken by another person than the one who took the step
before (the preparer never does the branch check, the branch checker never posts the notice …),
and the township checks only once the public notice is over with no objection left open.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from org.services import ensure_four_eyes
from partycare.models import AidApplication
from partycare.notices import aid_notice_blocking_reason


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
    aid_after("notice_by", _("the public notice"))(application, user)
    if application.status == AidApplication.Status.IN_NOTICE:
        reason = aid_notice_blocking_reason(application)
        if reason:
            raise ValidationError({"notice": ValidationError(reason, code="notice_not_clear")})
