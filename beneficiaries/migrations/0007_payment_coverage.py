"""Payments record the days they cover (covers_from–covers_to), and PostgreSQL refuses a day
covered twice for one enrolment (an exclusion constraint over a daterange, failed payments
aside). Existing payments cover their batch's whole period; re-issues the span of the payment
they re-issue. Standards say how a part period is paid (proration); batches record their end."""

import datetime

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery

MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def period_end(start, period):
    month = start.month - 1 + MONTHS[period]
    return datetime.date(start.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def fill(apps, schema_editor):
    Batch = apps.get_model("beneficiaries", "PaymentBatch")
    HistoricalBatch = apps.get_model("beneficiaries", "HistoricalPaymentBatch")
    Payment = apps.get_model("beneficiaries", "Payment")
    HistoricalPayment = apps.get_model("beneficiaries", "HistoricalPayment")
    for model in (Batch, HistoricalBatch):
        for start, period in model.objects.values_list("period_start", "period").distinct():
            model.objects.filter(period_start=start, period=period).update(
                period_end=period_end(start, period)
            )
    Payment.objects.update(
        covers_to=Subquery(Batch.objects.filter(pk=OuterRef("batch_id")).values("period_end")[:1])
    )
    # a re-issue covers what the payment it re-issues covered (chains resolve in a few rounds)
    for _round in range(20):
        pending = list(
            Payment.objects.filter(reissue_of__isnull=False)
            .exclude(covers_to=F("reissue_of__covers_to"))
            .values_list("pk", "reissue_of__covers_from", "reissue_of__covers_to")
        )
        if not pending:
            break
        for pk, start, end in pending:
            Payment.objects.filter(pk=pk).update(covers_from=start, covers_to=end)
    Payment.objects.filter(reissue_of__isnull=False).update(kind="reissue")
    # history: the live row's span, else the batch's period as history knew it, else one day
    HistoricalPayment.objects.update(
        covers_to=Subquery(Payment.objects.filter(pk=OuterRef("id")).values("covers_to")[:1])
    )
    HistoricalPayment.objects.filter(covers_to__isnull=True).update(
        covers_to=Subquery(HistoricalBatch.objects.filter(id=OuterRef("batch_id")).values("period_end")[:1])
    )
    HistoricalPayment.objects.filter(covers_to__isnull=True).update(covers_to=F("covers_from"))
    HistoricalPayment.objects.filter(reissue_of__isnull=False).update(kind="reissue")


PRORATION = [
    ("month_any", "by month: every month with a day in the programme counts whole"),
    (
        "month_first_day",
        "by month: a month counts when in the programme on its first day (from the month after joining)",
    ),
    ("day", "by day: the month's amount × days in the programme ÷ days of the month"),
]
KINDS = [("regular", "for the period"), ("arrears", "arrears"), ("reissue", "re-issue")]


def both(name, field_name, field):
    return [
        migrations.AddField(model_name=name, name=field_name, field=field),
        migrations.AddField(model_name=f"historical{name}", name=field_name, field=field.clone()),
    ]


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0006_batch_prepared_by_from_history")]

    operations = [
        *both(
            "subsidystandard",
            "proration",
            models.CharField(
                choices=PRORATION,
                default="month_any",
                help_text="How a late start or an early exit (death, move, exit) is paid.",
                max_length=20,
                verbose_name="part periods paid",
            ),
        ),
        *both(
            "paymentbatch",
            "period_end",
            models.DateField(
                null=True, help_text="The last day of the period paid.", verbose_name="period ends"
            ),
        ),
        migrations.RemoveConstraint(model_name="payment", name="payment_once_per_enrolment_and_period"),
        migrations.RenameField(model_name="payment", old_name="period_start", new_name="covers_from"),
        migrations.RenameField(
            model_name="historicalpayment", old_name="period_start", new_name="covers_from"
        ),
        *both("payment", "covers_to", models.DateField(null=True, verbose_name="covers to")),
        *both(
            "payment",
            "kind",
            models.CharField(choices=KINDS, default="regular", max_length=10, verbose_name="kind"),
        ),
        *both(
            "payment",
            "months",
            models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="months counted"),
        ),
        *both(
            "payment",
            "days",
            models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="days counted"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
