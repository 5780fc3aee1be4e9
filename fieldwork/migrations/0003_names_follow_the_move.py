"""What names the moved models by their app follows them to fieldwork:

- content types (partycare.homevisit → fieldwork.homevisit …): their permissions, users' and
  groups' grants of them, admin log entries and any generic relation keep pointing at the
  same models, and no second content type is made for them;
- the hourly beat entry runs ``fieldwork.concerns_flag_overdue`` (the old task name stays
  registered for messages already queued);
- background jobs of the visit export (kind ``partycare.export_visits``) take the new kind, so
  the job pages and a queued job find their handler.

Reversible: going back restores the partycare names."""

from django.db import migrations

MODELS = (
    "homevisit",
    "visitcallback",
    "visitphoto",
    "concern",
    "historicalconcern",
    "whistlecall",
    "concernevent",
)
TASKS = {"partycare.concerns_flag_overdue": "fieldwork.concerns_flag_overdue"}
JOB_KINDS = {"partycare.export_visits": "fieldwork.export_visits"}


def _content_types(apps, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        moving = ContentType.objects.filter(app_label=old, model=model)
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            moving.update(app_label=new)
        # else: a content type was already made for the new label (post_migrate of a run that
        # stopped halfway); keep that one, and the old one stays for what still names it.


def _names(apps, *, old_to_new: bool) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    Job = apps.get_model("common", "Job")
    changed = 0
    for old, new in TASKS.items():
        before, after = (old, new) if old_to_new else (new, old)
        changed += PeriodicTask.objects.filter(task=before).update(task=after)
    if changed:
        # A running beat (DatabaseScheduler) re-reads its entries when this stamp moves; a
        # queryset update sends no signal that would move it.
        from django.utils import timezone

        apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )
    for old, new in JOB_KINDS.items():
        before, after = (old, new) if old_to_new else (new, old)
        Job.objects.filter(kind=before).update(kind=after)


def forwards(apps, schema_editor):
    _content_types(apps, old="partycare", new="fieldwork")
    _names(apps, old_to_new=True)


def backwards(apps, schema_editor):
    _content_types(apps, old="fieldwork", new="partycare")
    _names(apps, old_to_new=False)


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0002_tables_take_fieldwork_names"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("common", "0001_initial"),
        ("partycare", "0004_hourly_overdue_concerns_task"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
