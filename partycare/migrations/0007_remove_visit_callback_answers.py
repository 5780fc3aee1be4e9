"""The answers moved into beneficiaries Callbacks (0006); the three columns go, in a migration
of their own so the data step and the ALTER TABLE are not one transaction."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partycare", "0006_visit_callbacks"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='homevisit',
            name='home_visit_callback_answers_only_on_callbacks',
        ),
        migrations.RemoveField(
            model_name='homevisit',
            name='callback_knew_policy',
        ),
        migrations.RemoveField(
            model_name='homevisit',
            name='callback_reached',
        ),
        migrations.RemoveField(
            model_name='homevisit',
            name='callback_satisfied',
        ),
    ]
