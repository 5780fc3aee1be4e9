"""Money anomaly rules (a day covered twice; paid after exit and above the standard now read
spans) and recovery items (追回) for money paid for days after a late-recorded death, move or exit."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0009_bank_file_and_closed_cards"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="anomalyfinding",
            name="rule",
            field=models.CharField(
                choices=[
                    ("two_villages", "same ID enrolled in two villages"),
                    ("paid_after_exit", "paid for days after death, moving out or exit"),
                    ("above_standard", "amount above the standard for the days covered"),
                    ("shared_card", "one bank card for people of different households"),
                    ("exclusive", "enrolled in mutually exclusive projects"),
                    ("cadre_relative", "a cadre's own household among the beneficiaries"),
                    ("covered_twice", "two live payments cover the same day"),
                ],
                max_length=20,
                verbose_name="rule",
            ),
        ),
        migrations.AlterField(
            model_name="historicalanomalyfinding",
            name="rule",
            field=models.CharField(
                choices=[
                    ("two_villages", "same ID enrolled in two villages"),
                    ("paid_after_exit", "paid for days after death, moving out or exit"),
                    ("above_standard", "amount above the standard for the days covered"),
                    ("shared_card", "one bank card for people of different households"),
                    ("exclusive", "enrolled in mutually exclusive projects"),
                    ("cadre_relative", "a cadre's own household among the beneficiaries"),
                    ("covered_twice", "two live payments cover the same day"),
                ],
                max_length=20,
                verbose_name="rule",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalRecovery",
            fields=[
                (
                    "id",
                    models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID"),
                ),
                ("covers_from", models.DateField(verbose_name="overpaid from")),
                ("covers_to", models.DateField(verbose_name="overpaid to")),
                ("last_day", models.DateField(verbose_name="last day in the programme")),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("deceased", "deceased"),
                            ("moved", "moved away"),
                            ("not_eligible", "no longer eligible"),
                            ("other", "other"),
                        ],
                        max_length=20,
                        verbose_name="reason",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="amount to recover (yuan)"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "to recover"), ("recovered", "recovered"), ("waived", "waived")],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("recorded_at", models.DateTimeField(blank=True, editable=False, verbose_name="recorded")),
                ("settled_at", models.DateTimeField(blank=True, null=True, verbose_name="settled")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="note")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "enrolment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="beneficiaries.enrolment",
                        verbose_name="enrolment",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "payment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="beneficiaries.payment",
                        verbose_name="payment",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="beneficiaries.person",
                        verbose_name="person",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "settled_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="settled by",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical recovery",
                "verbose_name_plural": "historical recoveries",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Recovery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("covers_from", models.DateField(verbose_name="overpaid from")),
                ("covers_to", models.DateField(verbose_name="overpaid to")),
                ("last_day", models.DateField(verbose_name="last day in the programme")),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("deceased", "deceased"),
                            ("moved", "moved away"),
                            ("not_eligible", "no longer eligible"),
                            ("other", "other"),
                        ],
                        max_length=20,
                        verbose_name="reason",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="amount to recover (yuan)"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "to recover"), ("recovered", "recovered"), ("waived", "waived")],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True, verbose_name="recorded")),
                ("settled_at", models.DateTimeField(blank=True, null=True, verbose_name="settled")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="note")),
                (
                    "enrolment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recoveries",
                        to="beneficiaries.enrolment",
                        verbose_name="enrolment",
                    ),
                ),
                (
                    "payment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recovery",
                        to="beneficiaries.payment",
                        verbose_name="payment",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recoveries",
                        to="beneficiaries.person",
                        verbose_name="person",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "settled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="settled by",
                    ),
                ),
            ],
            options={
                "verbose_name": "recovery",
                "verbose_name_plural": "recoveries",
                "ordering": ["status", "-recorded_at", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)), name="recovery_amount_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("covers_to__gte", models.F("covers_from"))),
                        name="recovery_covers_in_order",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("settled_at__isnull", True), ("status", "open")),
                            models.Q(
                                models.Q(("status", "open"), _negated=True),
                                ("settled_at__isnull", False),
                                models.Q(("note", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="recovery_settled_with_date_and_note",
                    ),
                ],
            },
        ),
    ]
