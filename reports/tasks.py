"""Celery tasks of the reports app: thin wrappers taking ids and plain values.

Both are idempotent (the service finds an existing current report under the township's row
lock and returns it), acks_late (PortalTask: a worker killed halfway leaves the message to be
delivered again, and its transaction rolled back, so nothing half-written is current), and
retried only on transient errors. A validation error (a future month, a division that is not a
township) is logged and not retried.
"""

import logging

from celery import shared_task
from django.core.exceptions import PermissionDenied, ValidationError

from core.tasks import PortalTask
from org.scoping import Scope
from org.selectors import task_user
from reports import services

logger = logging.getLogger(__name__)


SCHEDULE = "monthly report schedule"


@shared_task(base=PortalTask, name="reports.monthly_report_generate")
def monthly_report_generate_task(
    township_id: int, month: str, user_id: int | None = None, *, system: str = ""
) -> int | None:
    """Generate the report of ``township_id`` for ``month`` ("YYYY-MM"); returns its id.

    Whose scope is always said: ``user_id`` (an on-demand run) or ``system`` (the reason of
    system work, e.g. the monthly schedule); neither raises TypeError."""
    if user_id is not None:
        user = task_user(user_id)
        if user is None:
            logger.warning("Monthly report %s/%s: user %s is no longer active", township_id, month, user_id)
            return None
    elif system:
        user = Scope.system(system)
    else:
        raise TypeError("monthly_report_generate_task needs user_id or system='reason'.")
    try:
        report = services.monthly_report_generate(
            township_id=township_id, month=services.parse_month(month), user=user
        )
    except (ValidationError, PermissionDenied) as error:
        logger.warning("Monthly report %s/%s refused: %s", township_id, month, error)
        return None
    return report.pk


@shared_task(base=PortalTask, name="reports.monthly_reports_generate_all")
def monthly_reports_generate_all_task() -> dict:
    """The beat task of the 1st of each month: one generation task per active township for
    last month (each one idempotent, so a second run of this task changes nothing)."""
    month, township_ids = services.monthly_reports_due()
    for township_id in township_ids:
        monthly_report_generate_task.delay(township_id, f"{month:%Y-%m}", system=SCHEDULE)
    return {"month": f"{month:%Y-%m}", "townships": len(township_ids)}
