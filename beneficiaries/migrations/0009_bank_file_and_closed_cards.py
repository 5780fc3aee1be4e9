"""The bank file before "sent" and no re-issue to a closed card (issue 15).

Fields: PaymentBatch.bank_file_at (when the bank file was first made), Payment.failure_kind
(closed_account / other, from the bank's reason), Person.bank_card_recorded_at (when the card on
record was typed in). Filled for the rows already there:

- a batch already sent to the bank (or reconciled) had its file: bank_file_at = exported_at (or
  its creation when that is missing);
- a failed payment gets the kind its reason reads as (the list in
  beneficiaries.services.reconciliation.CLOSED_ACCOUNT_REASONS);
- a person's card was recorded when the last card change in their history was saved, else when
  they were registered (the earlier date: a closed-account failure then waits for a new card
  rather than being re-issued to one that was on record before it).
"""

from django.db import migrations, models
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce


def forward(apps, schema_editor):
    from beneficiaries.services.reconciliation import CLOSED_ACCOUNT_REASONS

    PaymentBatch = apps.get_model("beneficiaries", "PaymentBatch")
    Payment = apps.get_model("beneficiaries", "Payment")
    Person = apps.get_model("beneficiaries", "Person")
    HistoricalPerson = apps.get_model("beneficiaries", "HistoricalPerson")

    PaymentBatch.objects.filter(status__in=["exported", "reconciled"], bank_file_at__isnull=True).update(
        bank_file_at=Coalesce(F("exported_at"), F("created_at"))
    )

    closed = Q()
    for part in CLOSED_ACCOUNT_REASONS:
        closed |= Q(failure_reason__icontains=part)
    failed = Payment.objects.filter(status="failed", failure_kind="")
    failed.filter(closed).update(failure_kind="closed_account")
    failed.update(failure_kind="other")

    with_card = Person.objects.exclude(bank_card_cipher="")
    with_card.filter(bank_card_recorded_at__isnull=True).update(bank_card_recorded_at=F("created_at"))
    changed = (
        HistoricalPerson.objects.values("id")
        .annotate(cards=Count(Coalesce("bank_card_index", Value("")), distinct=True))
        .filter(cards__gt=1)
        .values_list("id", flat=True)
    )
    for person in with_card.filter(pk__in=list(changed)).only("pk", "bank_card_index"):
        since = None
        for index, date in (
            HistoricalPerson.objects.filter(id=person.pk)
            .order_by("-history_date", "-history_id")
            .values_list("bank_card_index", "history_date")
        ):
            if index != person.bank_card_index:
                break
            since = date
        if since is not None:
            Person.objects.filter(pk=person.pk).update(bank_card_recorded_at=since)


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaries', '0008_payment_coverage_required'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalpayment',
            name='failure_kind',
            field=models.CharField(blank=True, choices=[('closed_account', 'account closed'), ('other', 'other')], max_length=20, verbose_name='kind of failure'),
        ),
        migrations.AddField(
            model_name='historicalpaymentbatch',
            name='bank_file_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='bank file produced at'),
        ),
        migrations.AddField(
            model_name='historicalperson',
            name='bank_card_recorded_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='bank card recorded at'),
        ),
        migrations.AddField(
            model_name='payment',
            name='failure_kind',
            field=models.CharField(blank=True, choices=[('closed_account', 'account closed'), ('other', 'other')], max_length=20, verbose_name='kind of failure'),
        ),
        migrations.AddField(
            model_name='paymentbatch',
            name='bank_file_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='bank file produced at'),
        ),
        migrations.AddField(
            model_name='person',
            name='bank_card_recorded_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='bank card recorded at'),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
