from celery import shared_task

from core.tasks import PortalTask
from org.scoping import Scope


@shared_task(base=PortalTask, name="fieldwork.concerns_flag_overdue")
def concerns_flag_overdue_task() -> dict:
    """Hourly (django-celery-beat): flag concerns past their deadline, escalate long-overdue
    ones to the township leader. Idempotent (compare-and-set on the flag)."""
    from fieldwork import services

    with Scope.system("hourly overdue flags on every concern"):
        return services.concerns_flag_overdue()


# The task's name while field work lived in partycare: messages queued by a beat or a worker
# running the older code still find it. Remove it in the release after the one that moved it.
@shared_task(base=PortalTask, name="partycare.concerns_flag_overdue")
def concerns_flag_overdue_task_old_name() -> dict:
    return concerns_flag_overdue_task()
