"""A monthly report's snapshot (and which township-month-version it is) is frozen in the
database too (common/dbguards.py)."""

from django.db import migrations

from common.dbguards import freeze_columns


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_alter_historicalmanualscore_percent_and_more")]

    operations = [
        migrations.RunPython(
            *freeze_columns(
                "reports_monthlyreport",
                ["township_id", "month", "version", "snapshot", "generated_at"],
                "A monthly report's snapshot cannot be changed.",
            )
        )
    ]
