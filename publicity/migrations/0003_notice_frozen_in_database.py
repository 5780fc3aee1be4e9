"""A posted notice's content is frozen in the database too (common/dbguards.py): only its
status and the closing fields may change."""

from django.db import migrations

from common.dbguards import freeze_columns

FROZEN = [
    "division_id",
    "kind",
    "stage",
    "title",
    "body",
    "starts_on",
    "ends_on",
    "objection_address",
    "contact_phone",
    "columns",
    "rows",
    "content_type_id",
    "object_id",
    "posted_by_id",
    "posted_at",
]


class Migration(migrations.Migration):
    dependencies = [("publicity", "0002_surveys")]

    operations = [
        migrations.RunPython(
            *freeze_columns(
                "publicity_publicnotice",
                FROZEN,
                "A posted notice cannot be changed; withdraw it and post a new one.",
            )
        )
    ]
