"""Payment clearances (issue 15, "findings stop money"): a batch line let through despite an open
anomaly finding, with the reason and who cleared it. The lead renumbers this migration when merging."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0010_money_anomaly_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalPaymentClearance',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reason', models.CharField(max_length=500, verbose_name='reason')),
                ('cleared_at', models.DateTimeField(blank=True, editable=False, verbose_name='cleared at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('cleared_by', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cleared by')),
                ('finding', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='beneficiaries.anomalyfinding', verbose_name='anomaly')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('payment', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='beneficiaries.payment', verbose_name='payment')),
            ],
            options={
                'verbose_name': 'historical cleared payment line',
                'verbose_name_plural': 'historical cleared payment lines',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='PaymentClearance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(max_length=500, verbose_name='reason')),
                ('cleared_at', models.DateTimeField(auto_now_add=True, verbose_name='cleared at')),
                ('cleared_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cleared by')),
                ('finding', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clearances', to='beneficiaries.anomalyfinding', verbose_name='anomaly')),
                ('payment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clearances', to='beneficiaries.payment', verbose_name='payment')),
            ],
            options={
                'verbose_name': 'cleared payment line',
                'verbose_name_plural': 'cleared payment lines',
                'ordering': ['-cleared_at', '-pk'],
                'constraints': [models.UniqueConstraint(fields=('payment', 'finding'), name='payment_clearance_once_per_finding', violation_error_message='This line is already cleared for this finding.'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='payment_clearance_has_reason')],
            },
        ),
    ]
