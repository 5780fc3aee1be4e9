"""Celery tasks of the publicity app: thin wrappers around services."""

from celery import shared_task
from django.utils import timezone, translation

from org.scoping import Scope
from publicity import services

QUOTA_TASK_NAME = "publicity.tasks.quota_remind_task"
QUOTA_PERIODIC_NAME = "publicity: monthly quota reminders"


@shared_task(name=QUOTA_TASK_NAME)
def quota_remind_task(year: int | None = None, month: int | None = None) -> int:
    """Remind every unit behind its information quota for the month (default: this month).
    Idempotent: a second run in the same month creates nothing new."""
    today = timezone.localdate()
    with translation.override("zh-hans"), Scope.system("monthly quota reminders for every unit"):
        return services.quota_reminders_create(year=year or today.year, month=month or today.month)


def ensure_periodic_task(**kwargs) -> None:
    """post_migrate: the beat entry, created once and kept in line (idempotent). It runs on the
    25th at 08:30 Shanghai time, leaving units a few days to catch up before the month ends."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="8", day_of_month="25", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(
        name=QUOTA_PERIODIC_NAME,
        defaults={"task": QUOTA_TASK_NAME, "crontab": schedule, "interval": None, "enabled": True},
    )
