"""Field work's models as partycare created them, taken over without touching the database
(partycare 0009 let go of them in the state only): the tables keep their partycare_* names and
every row here; 0002 renames them."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('beneficiaries', '0009_bank_file_and_closed_cards'),
        ('org', '0004_accesslog_unmasked_download_and_requester'),
        ('partycare', '0009_field_work_moves_to_fieldwork'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Concern',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('category', models.CharField(choices=[('infrastructure', 'Roads, water and power'), ('livelihood', 'Subsidies and social security'), ('health', 'Health care'), ('education', 'Education'), ('employment', 'Employment and income'), ('dispute', 'Disputes'), ('environment', 'Environment and sanitation'), ('other', 'Other')], max_length=20, verbose_name='category')),
                        ('description', models.TextField(verbose_name='description')),
                        ('is_common', models.BooleanField(default=False, help_text='Shared by many households (共性问题).', verbose_name='common problem')),
                        ('status', models.CharField(choices=[('collected', 'collected'), ('in_village', 'being solved in the village'), ('escalated', 'escalated to the township'), ('dispatched', 'dispatched to departments'), ('whistled', 'whistle blown'), ('resolved', 'resolved'), ('closed', 'closed')], default='collected', max_length=20, verbose_name='status')),
                        ('decision', models.CharField(blank=True, choices=[('village', 'Solve in the village'), ('escalate', 'Escalate to the township'), ('explain', 'Unreasonable or already answered: explain and close')], max_length=20, verbose_name='triage decision')),
                        ('explanation', models.TextField(blank=True, verbose_name='explanation')),
                        ('deadline', models.DateField(blank=True, db_index=True, null=True, verbose_name='deadline')),
                        ('is_overdue', models.BooleanField(db_index=True, default=False, verbose_name='overdue')),
                        ('overdue_since', models.DateField(blank=True, null=True, verbose_name='overdue since')),
                        ('escalated_to_leader_on', models.DateField(blank=True, null=True, verbose_name='escalated to the leader on')),
                        ('resolution', models.TextField(blank=True, verbose_name='what was done')),
                        ('resolved_on', models.DateField(blank=True, null=True, verbose_name='resolved on')),
                        ('feedback_how', models.CharField(blank=True, choices=[('visit', 'In person'), ('phone', 'By phone'), ('notice', 'Written notice')], max_length=10, verbose_name='feedback given')),
                        ('feedback_on', models.DateField(blank=True, null=True, verbose_name='feedback date')),
                        ('is_satisfied', models.BooleanField(blank=True, null=True, verbose_name='resident satisfied')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='collected at')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='collected by')),
                        ('departments', models.ManyToManyField(blank=True, db_table='partycare_concern_departments', related_name='concerns', to='org.department', verbose_name='departments')),
                        ('resident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='concerns', to='beneficiaries.person', verbose_name='resident')),
                        ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='concerns', to='org.division', verbose_name='village')),
                    ],
                    options={
                        'verbose_name': 'concern',
                        'verbose_name_plural': 'concerns',
                        'db_table': 'partycare_concern',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ConcernEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=20, verbose_name='action')),
                        ('from_status', models.CharField(blank=True, max_length=20, verbose_name='from')),
                        ('to_status', models.CharField(blank=True, max_length=20, verbose_name='to')),
                        ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                        ('note', models.TextField(blank=True, verbose_name='what')),
                        ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('concern', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='fieldwork.concern', verbose_name='concern')),
                    ],
                    options={
                        'verbose_name': 'concern event',
                        'verbose_name_plural': 'concern events',
                        'db_table': 'partycare_concernevent',
                        'ordering': ['at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='HomeVisit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('client_id', models.UUIDField(editable=False, unique=True, verbose_name='client id')),
                        ('visited_on', models.DateField(db_index=True, verbose_name='visit date')),
                        ('purpose', models.CharField(choices=[('collect', "Collecting residents' views"), ('policy', 'Policy outreach / assigned household'), ('callback', 'Beneficiary callback'), ('care', 'Care and greetings')], max_length=20, verbose_name='purpose')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='stored')),
                        ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='home_visits', to='beneficiaries.household', verbose_name='household')),
                        ('member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='home_visits', to='partycare.partymember', verbose_name='party member')),
                        ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='home_visits', to='org.division', verbose_name='village')),
                        ('visitor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='home_visits', to=settings.AUTH_USER_MODEL, verbose_name='visitor')),
                    ],
                    options={
                        'verbose_name': 'home visit',
                        'verbose_name_plural': 'home visits',
                        'db_table': 'partycare_homevisit',
                        'ordering': ['-visited_on', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalConcern',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('category', models.CharField(choices=[('infrastructure', 'Roads, water and power'), ('livelihood', 'Subsidies and social security'), ('health', 'Health care'), ('education', 'Education'), ('employment', 'Employment and income'), ('dispute', 'Disputes'), ('environment', 'Environment and sanitation'), ('other', 'Other')], max_length=20, verbose_name='category')),
                        ('description', models.TextField(verbose_name='description')),
                        ('is_common', models.BooleanField(default=False, help_text='Shared by many households (共性问题).', verbose_name='common problem')),
                        ('status', models.CharField(choices=[('collected', 'collected'), ('in_village', 'being solved in the village'), ('escalated', 'escalated to the township'), ('dispatched', 'dispatched to departments'), ('whistled', 'whistle blown'), ('resolved', 'resolved'), ('closed', 'closed')], default='collected', max_length=20, verbose_name='status')),
                        ('decision', models.CharField(blank=True, choices=[('village', 'Solve in the village'), ('escalate', 'Escalate to the township'), ('explain', 'Unreasonable or already answered: explain and close')], max_length=20, verbose_name='triage decision')),
                        ('explanation', models.TextField(blank=True, verbose_name='explanation')),
                        ('deadline', models.DateField(blank=True, db_index=True, null=True, verbose_name='deadline')),
                        ('overdue_since', models.DateField(blank=True, null=True, verbose_name='overdue since')),
                        ('escalated_to_leader_on', models.DateField(blank=True, null=True, verbose_name='escalated to the leader on')),
                        ('resolution', models.TextField(blank=True, verbose_name='what was done')),
                        ('resolved_on', models.DateField(blank=True, null=True, verbose_name='resolved on')),
                        ('feedback_how', models.CharField(blank=True, choices=[('visit', 'In person'), ('phone', 'By phone'), ('notice', 'Written notice')], max_length=10, verbose_name='feedback given')),
                        ('feedback_on', models.DateField(blank=True, null=True, verbose_name='feedback date')),
                        ('is_satisfied', models.BooleanField(blank=True, null=True, verbose_name='resident satisfied')),
                        ('created_at', models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name='collected at')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='collected by')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('resident', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='beneficiaries.person', verbose_name='resident')),
                        ('village', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.division', verbose_name='village')),
                        ('visit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fieldwork.homevisit', verbose_name='source visit')),
                    ],
                    options={
                        'verbose_name': 'historical concern',
                        'verbose_name_plural': 'historical concerns',
                        'db_table': 'partycare_historicalconcern',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.AddField(
                    model_name='concern',
                    name='visit',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='concerns', to='fieldwork.homevisit', verbose_name='source visit'),
                ),
                migrations.CreateModel(
                    name='VisitCallback',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('callback', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='visit_link', to='beneficiaries.callback', verbose_name='callback')),
                        ('enrolment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='beneficiaries.enrolment', verbose_name='enrolment')),
                        ('visit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='callback_links', to='fieldwork.homevisit', verbose_name='visit')),
                    ],
                    options={
                        'verbose_name': 'callback of a visit',
                        'verbose_name_plural': 'callbacks of visits',
                        'db_table': 'partycare_visitcallback',
                    },
                ),
                migrations.AddField(
                    model_name='homevisit',
                    name='callbacks',
                    field=models.ManyToManyField(blank=True, related_name='home_visits', through='fieldwork.VisitCallback', to='beneficiaries.callback', verbose_name='callbacks'),
                ),
                migrations.CreateModel(
                    name='VisitPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('image', models.FileField(upload_to='visits/%Y/%m/', verbose_name='photo')),
                        ('visit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='fieldwork.homevisit', verbose_name='visit')),
                    ],
                    options={
                        'verbose_name': 'visit photo',
                        'verbose_name_plural': 'visit photos',
                        'db_table': 'partycare_visitphoto',
                    },
                ),
                migrations.CreateModel(
                    name='WhistleCall',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('called_at', models.DateTimeField(verbose_name='called at')),
                        ('reported_at', models.DateTimeField(blank=True, null=True, verbose_name='reported at')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('called_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='called by')),
                        ('concern', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='whistle_calls', to='fieldwork.concern', verbose_name='concern')),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='department')),
                        ('reported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reported by')),
                    ],
                    options={
                        'verbose_name': 'whistle call',
                        'verbose_name_plural': 'whistle calls',
                        'db_table': 'partycare_whistlecall',
                        'ordering': ['called_at', 'pk'],
                    },
                ),
                migrations.AddIndex(
                    model_name='concern',
                    index=models.Index(fields=['status', 'deadline'], name='concern_status_deadline'),
                ),
                migrations.AddConstraint(
                    model_name='concern',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('decision', 'explain'), _negated=True), models.Q(('explanation', ''), _negated=True), _connector='OR'), name='concern_explained_when_closed_by_explanation', violation_error_message='Closing with an explanation needs the explanation.'),
                ),
                migrations.AddConstraint(
                    model_name='concern',
                    constraint=models.CheckConstraint(condition=models.Q(('feedback_on__isnull', True), ('resolved_on__isnull', False), _connector='OR'), name='concern_feedback_after_resolution', violation_error_message='Feedback comes after the resolution.'),
                ),
                migrations.AddConstraint(
                    model_name='visitcallback',
                    constraint=models.UniqueConstraint(fields=('visit', 'enrolment'), name='visit_callback_once_per_enrolment'),
                ),
                migrations.AddIndex(
                    model_name='homevisit',
                    index=models.Index(fields=['visitor', 'visited_on'], name='home_visit_visitor_day'),
                ),
            ],
            database_operations=[],
        ),
    ]
