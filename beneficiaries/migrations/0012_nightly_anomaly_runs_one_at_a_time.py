"""Issue 17: the nightly anomaly run's record (one task per county), at most one running at a
time (a partial unique constraint), found again by the Celery delivery that started it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0011_payment_clearances'),
    ]

    operations = [
        migrations.CreateModel(
            name='AnomalyRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('task_id', models.CharField(max_length=64, unique=True, verbose_name='task')),
                ('status', models.CharField(choices=[('running', 'running'), ('done', 'done'), ('abandoned', 'abandoned')], default='running', max_length=10, verbose_name='status')),
                ('started_at', models.DateTimeField(verbose_name='started')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('counties', models.JSONField(default=list, verbose_name='counties to check')),
                ('done', models.JSONField(default=list, verbose_name='counties checked')),
                ('summary', models.JSONField(default=dict, verbose_name='found per rule')),
            ],
            options={
                'verbose_name': 'anomaly check run',
                'verbose_name_plural': 'anomaly check runs',
                'ordering': ['-started_at', '-pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'running')), fields=('status',), name='anomaly_run_one_running_at_a_time')],
            },
        ),
    ]
