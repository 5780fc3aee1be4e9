"""The moved tables take fieldwork's own names (fieldwork_homevisit …, the history table and the
departments' link table with them). A rename keeps every row, key and index; the foreign keys
of other tables follow it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fieldwork', '0001_initial'),
        ('org', '0004_accesslog_unmasked_download_and_requester'),
    ]

    operations = [
        migrations.AlterField(
            model_name='concern',
            name='departments',
            field=models.ManyToManyField(blank=True, related_name='concerns', to='org.department', verbose_name='departments'),
        ),
        migrations.AlterModelTable(
            name='concern',
            table=None,
        ),
        migrations.AlterModelTable(
            name='concernevent',
            table=None,
        ),
        migrations.AlterModelTable(
            name='historicalconcern',
            table=None,
        ),
        migrations.AlterModelTable(
            name='homevisit',
            table=None,
        ),
        migrations.AlterModelTable(
            name='visitcallback',
            table=None,
        ),
        migrations.AlterModelTable(
            name='visitphoto',
            table=None,
        ),
        migrations.AlterModelTable(
            name='whistlecall',
            table=None,
        ),
    ]
