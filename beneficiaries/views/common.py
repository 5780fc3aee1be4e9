"""What the pages of the beneficiaries app share: parsing, refusals, the action wrapper, the log of
whole numbers shown. Thin: selectors read, services write."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext

from beneficiaries.models import (
    Enrolment,
)
from org.models import AccessLog
from org.services import access_log_record

LIST_PAGE_SIZE = 50


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value):
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _bool(value):
    return {"yes": True, "no": False}.get(value)


def _refusal(error) -> str:
    if isinstance(error, PermissionDenied):
        return str(error) or gettext("You are not allowed to do this.")
    return " ".join(error.messages)


def _act(request, url, action, success):
    """Run a service call; a refusal comes back as a message on the same page, nothing saved."""
    try:
        action()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, success)
    return redirect(url)


def _log_whole(request, what, obj=None, rows=1):
    access_log_record(
        user=request.user,
        action=AccessLog.Action.VIEW_UNMASKED,
        what=what,
        obj=obj,
        rows=rows,
        request=request,
    )


def _roster_filters(request) -> dict:
    status = request.GET.get("status") or None
    return {
        "project_id": _int(request.GET.get("project")),
        "village_id": _int(request.GET.get("village")),
        "status": status if status in Enrolment.Status.values else None,
        "search": (request.GET.get("q") or "").strip()[:40] or None,
    }
