"""A callback visit's answers become beneficiaries Callbacks (one per enrolment, method visit),
linked to the visit, so they count in the callback coverage; then the three answer columns go.

Existing answers were given for the household as a whole, so each becomes a Callback for every
enrolment of the household (its own or a member's) that was active on the visit date. When the
household had none, the answers are written into the visit's notes instead: nothing is lost.
A visit with a "reached" left empty but other answers given counts as reached.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


NOTE_PREFIX = "【回访】"


def _yes_no(value):
    return "—" if value is None else ("是" if value else "否")


def answers_to_callbacks(apps, schema_editor):
    HomeVisit = apps.get_model("partycare", "HomeVisit")
    VisitCallback = apps.get_model("partycare", "VisitCallback")
    Enrolment = apps.get_model("beneficiaries", "Enrolment")
    Callback = apps.get_model("beneficiaries", "Callback")
    HistoricalCallback = apps.get_model("beneficiaries", "HistoricalCallback")
    now = timezone.now()
    answered = HomeVisit.objects.filter(purpose="callback").filter(
        Q(callback_reached__isnull=False)
        | Q(callback_knew_policy__isnull=False)
        | Q(callback_satisfied__isnull=False)
    )
    for visit in answered.iterator(chunk_size=500):
        knew, satisfied = visit.callback_knew_policy, visit.callback_satisfied
        reached = visit.callback_reached
        if reached is None:
            reached = knew is not None or satisfied is not None
        enrolments = (
            Enrolment.objects.filter(Q(household_id=visit.household_id) | Q(person__household_id=visit.household_id))
            .filter(status__in=["active", "exited"])
            .filter(Q(active_from__isnull=True) | Q(active_from__lte=visit.visited_on))
            .filter(Q(exit_on__isnull=True) | Q(exit_on__gte=visit.visited_on))
            .order_by("pk")
        )
        made = 0
        for enrolment in enrolments:
            callback = Callback.objects.create(
                enrolment=enrolment,
                method="visit",
                called_on=visit.visited_on,
                reached=reached,
                knew_policy=knew if reached else None,
                satisfied=satisfied if reached else None,
                recorded_by_id=visit.visitor_id,
            )
            VisitCallback.objects.create(visit=visit, callback=callback, enrolment=enrolment)
            # the audit history a Callback made through the service has (simple_history's
            # signals do not run in migrations)
            HistoricalCallback.objects.create(
                id=callback.pk,
                enrolment_id=callback.enrolment_id,
                method=callback.method,
                called_on=callback.called_on,
                reached=callback.reached,
                knew_policy=callback.knew_policy,
                received_money=callback.received_money,
                satisfied=callback.satisfied,
                notes=callback.notes,
                recorded_by_id=callback.recorded_by_id,
                created_at=callback.created_at,
                history_date=now,
                history_type="+",
                history_user_id=visit.visitor_id,
                history_change_reason="moved from the home visit (partycare 0006)",
            )
            made += 1
        if not made:
            note = f"{NOTE_PREFIX}见到本人：{_yes_no(visit.callback_reached)}；知晓政策：{_yes_no(knew)}；满意：{_yes_no(satisfied)}"
            visit.notes = f"{visit.notes}\n{note}".strip()
            visit.save(update_fields=["notes"])


def callbacks_to_answers(apps, schema_editor):
    """Back: the first linked callback's answers return to the visit; the callbacks made by
    the forward step stay (they are real callbacks now)."""
    VisitCallback = apps.get_model("partycare", "VisitCallback")
    for link in VisitCallback.objects.select_related("visit", "callback").order_by("visit_id", "pk"):
        visit = link.visit
        if visit.callback_reached is not None:
            continue
        visit.callback_reached = link.callback.reached
        visit.callback_knew_policy = link.callback.knew_policy
        visit.callback_satisfied = link.callback.satisfied
        visit.save(update_fields=["callback_reached", "callback_knew_policy", "callback_satisfied"])


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0004_enrolment_rounds_are_public_notices'),
        ('partycare', '0005_home_visit_member'),
    ]

    operations = [
        migrations.CreateModel(
            name='VisitCallback',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'verbose_name': 'callback of a visit',
                'verbose_name_plural': 'callbacks of visits',
            },
        ),
        migrations.AddField(
            model_name='visitcallback',
            name='callback',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='visit_link', to='beneficiaries.callback', verbose_name='callback'),
        ),
        migrations.AddField(
            model_name='visitcallback',
            name='enrolment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='beneficiaries.enrolment', verbose_name='enrolment'),
        ),
        migrations.AddField(
            model_name='visitcallback',
            name='visit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='callback_links', to='partycare.homevisit', verbose_name='visit'),
        ),
        migrations.AddField(
            model_name='homevisit',
            name='callbacks',
            field=models.ManyToManyField(blank=True, related_name='home_visits', through='partycare.VisitCallback', to='beneficiaries.callback', verbose_name='callbacks'),
        ),
        migrations.AddConstraint(
            model_name='visitcallback',
            constraint=models.UniqueConstraint(fields=('visit', 'enrolment'), name='visit_callback_once_per_enrolment'),
        ),
        migrations.RunPython(answers_to_callbacks, callbacks_to_answers),
    ]
