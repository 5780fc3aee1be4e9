from celery import shared_task

from core.tasks import PortalTask
from org import selectors
from org.selectors import task_user


@shared_task(base=PortalTask, name="org.division_summary")
def division_summary_task(*, user_id: int, division_id: int) -> dict:
    """Counts below one division, as the acting user may see them (outside scope → Http404,
    which fails the task without retry)."""
    user = task_user(user_id)
    division = selectors.division_get(user=user, pk=division_id)
    children = (
        selectors.division_list(user=user).filter(code__startswith=division.code).exclude(pk=division.pk)
    )
    return {
        "division": division.code,
        "townships": children.filter(level="township").count(),
        "villages": children.filter(level="village").count(),
    }


@shared_task(base=PortalTask, name="org.sessions_clear")
def sessions_clear_task() -> int:
    """Delete expired sessions (nightly): with no write per request, nothing else removes them."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]
