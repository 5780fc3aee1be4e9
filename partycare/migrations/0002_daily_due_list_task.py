"""The daily beat task that rebuilds the due list (05:30 Asia/Shanghai), created idempotently."""

from django.db import migrations

TASK_NAME = "partycare: daily care due list"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="5", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={"task": "partycare.due_items_refresh", "crontab": schedule, "enabled": True, "kwargs": "{}"},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partycare", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
