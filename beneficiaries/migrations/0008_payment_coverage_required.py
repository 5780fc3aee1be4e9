"""The coverage columns filled by 0007 become required, and no day is covered twice: on
PostgreSQL an exclusion constraint (btree_gist) over (enrolment, daterange(covers_from,
covers_to, '[]')) for payments not failed; on SQLite the unique start and the service's check."""

from django.db import migrations, models

from beneficiaries.migrations._coverage_sql import add_exclusion, drop_exclusion

PERIODS = [
    ("month", "month"),
    ("quarter", "quarter"),
    ("half", "half-year"),
    ("year", "year"),
    ("span", "one-off span (arrears)"),
]


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0007_payment_coverage")]

    operations = [
        migrations.AlterField(
            model_name="historicalpayment",
            name="covers_from",
            field=models.DateField(verbose_name="covers from"),
        ),
        migrations.AlterField(
            model_name="historicalpayment",
            name="covers_to",
            field=models.DateField(default=None, verbose_name="covers to"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="payment", name="covers_from", field=models.DateField(verbose_name="covers from")
        ),
        migrations.AlterField(
            model_name="payment",
            name="covers_to",
            field=models.DateField(default=None, verbose_name="covers to"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="historicalpaymentbatch",
            name="period",
            field=models.CharField(
                choices=PERIODS, default="month", max_length=10, verbose_name="period length"
            ),
        ),
        migrations.AlterField(
            model_name="historicalpaymentbatch",
            name="period_end",
            field=models.DateField(
                default=None, help_text="The last day of the period paid.", verbose_name="period ends"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="historicalpaymentbatch",
            name="period_start",
            field=models.DateField(
                help_text="The first day of the month, quarter, half-year or year paid.",
                verbose_name="period",
            ),
        ),
        migrations.AlterField(
            model_name="paymentbatch",
            name="period",
            field=models.CharField(
                choices=PERIODS, default="month", max_length=10, verbose_name="period length"
            ),
        ),
        migrations.AlterField(
            model_name="paymentbatch",
            name="period_end",
            field=models.DateField(
                default=None, help_text="The last day of the period paid.", verbose_name="period ends"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="paymentbatch",
            name="period_start",
            field=models.DateField(
                help_text="The first day of the month, quarter, half-year or year paid.",
                verbose_name="period",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(
                condition=~models.Q(status="failed"),
                fields=("enrolment", "covers_from"),
                name="payment_once_per_enrolment_and_start",
                violation_error_message="This enrolment is already paid (or being paid) for these days.",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(covers_to__gte=models.F("covers_from")), name="payment_covers_in_order"
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentbatch",
            constraint=models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="payment_batch_period_in_order",
            ),
        ),
        migrations.RunPython(add_exclusion, drop_exclusion),
    ]
