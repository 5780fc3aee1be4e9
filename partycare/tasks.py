from celery import shared_task
from django.utils import timezone

from core.tasks import PortalTask
from org.scoping import Scope


@shared_task(base=PortalTask, name="partycare.due_items_refresh")
def due_items_refresh_task(*, today: str | None = None) -> int:
    """Daily (django-celery-beat): rebuild the due list for today in Asia/Shanghai. Idempotent:
    a second run on the same day writes the same rows. ``today`` (ISO date) for reruns."""
    import datetime

    from partycare import services

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    with Scope.system("daily care due list over every member"):
        return services.due_items_refresh(today=day)
