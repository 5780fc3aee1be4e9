"""The guards of the publicity app's transitions: each raises ValidationError with the reason and
is the ``check=`` of a transition in ``publicity.states``. Below the machines (states imports
them); the yes/no predicates for pages, the API and the admin are in ``publicity.permissions``."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from publicity.selectors import notice_close_blocking_reason


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
    reason = notice_close_blocking_reason(notice=notice)
    if reason:
        raise ValidationError({"status": ValidationError(reason, code="notice_not_clear")})


def notice_upheld_guard(notice, user) -> None:
    """Closed "objection upheld" only after the period too, and only when one was upheld."""
    reason = notice_close_blocking_reason(notice=notice, upheld=True)
    if reason:
        raise ValidationError({"status": ValidationError(reason, code="notice_not_closable")})
