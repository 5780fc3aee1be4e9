"""The public notice (公示) of a hardship-aid application, read from the publicity app: the
township check's guard (``partycare.guards``) and the aid page both ask whether it clears
the application. Below the guards and the status machines, so they import it one way only."""

from django.utils.translation import gettext

from partycare.models import AidApplication
from publicity.models import PublicNotice
from publicity.selectors import notice_blocking_reason


def aid_notice(application: AidApplication):
    """The publicity notice posted for the application, or None."""
    if application.notice_id is None:
        return None
    return PublicNotice.objects.filter(pk=application.notice_id).first()


def aid_notice_blocking_reason(application: AidApplication, notice=None) -> str | None:
    """Why the notice does not clear the application for the township check yet (still
    running, an objection unanswered or upheld, not closed), or None when it does."""
    notice = notice or aid_notice(application)
    if notice is None:
        return gettext("No public notice was posted for this application through the portal.")
    return notice_blocking_reason(notice=notice)
