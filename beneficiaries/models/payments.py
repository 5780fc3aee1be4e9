"""Payment batches (打卡发放) and their lines, each covering a span of days
(beneficiaries.coverage), and callbacks (回访) to beneficiaries."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models.enrolment import MONEY, Enrolment, SubsidyStandard
from beneficiaries.models.registry import HISTORY_UNINDEXED, normalize_card
from core.crypto import EncryptedValue
from org.models import Division
from org.querysets import ScopedQuerySet


class PaymentBatch(models.Model):
    """打卡发放: the payments of a project in one township for one period (a month, quarter,
    half-year, year, or a one-off span of arrears), from ``period_start`` to ``period_end``."""

    class Period(models.TextChoices):
        MONTH = "month", _("month")
        QUARTER = "quarter", _("quarter")
        HALF = "half", _("half-year")
        YEAR = "year", _("year")
        SPAN = "span", _("one-off span (arrears)")

    MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF: 6, Period.YEAR: 12}

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        CHECKED = "checked", _("checked")
        APPROVED = "approved", _("approved")
        EXPORTED = "exported", _("sent to the bank")
        RECONCILED = "reconciled", _("reconciled")

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="payment_batches",
    )
    division = models.ForeignKey(
        Division, verbose_name=_("township"), on_delete=models.PROTECT, related_name="payment_batches"
    )
    period_start = models.DateField(
        _("period"), help_text=_("The first day of the month, quarter, half-year or year paid.")
    )
    period_end = models.DateField(_("period ends"), help_text=_("The last day of the period paid."))
    period = models.CharField(_("period length"), max_length=10, choices=Period.choices, default="month")
    number = models.PositiveSmallIntegerField(_("batch number"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    payment_count = models.PositiveIntegerField(_("payments"), default=0)
    total_amount = models.DecimalField(_("total (yuan)"), **MONEY, default=0)
    prepared_by = models.ForeignKey(
        "org.User", verbose_name=_("prepared by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_by = models.ForeignKey(
        "org.User",
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        "org.User",
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The first bank file made by the office (a job, at approval): the batch is marked sent to the
    # bank only after it (beneficiaries.permissions.batch_export_guard).
    bank_file_at = models.DateTimeField(_("bank file produced at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("sent to the bank at"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-period_start", "-number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "division", "period_start", "number"], name="payment_batch_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="payment_batch_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.project.name} {self.period_label} #{self.number}"

    def save(self, *args, **kwargs):
        if self.period_end is None and self.period_start is not None and self.period != self.Period.SPAN:
            from beneficiaries.coverage import batch_period

            self.period_end = batch_period(self.period_start, self.period)[1]
        super().save(*args, **kwargs)

    @property
    def period_label(self) -> str:
        return period_label(self.period_start, self.period, self.period_end)


def period_label(start, period: str, end=None) -> str:
    if period == "year":
        return f"{start.year}"
    if period == "half":
        return f"{start.year}H{(start.month - 1) // 6 + 1}"
    if period == "quarter":
        return f"{start.year}Q{(start.month - 1) // 3 + 1}"
    if period == "span" and end is not None:
        return f"{start:%Y-%m-%d}–{end:%Y-%m-%d}"
    return f"{start:%Y-%m}"


class Payment(models.Model):
    """One payment to one enrolment for the days it covers, ``covers_from`` to ``covers_to``
    (both included). No day is covered twice for an enrolment (one person in one project-year):
    on PostgreSQL an exclusion constraint over (enrolment, daterange) holds it for every write,
    failed payments aside (a later batch re-issues them); on SQLite (``make run``) only the
    service's check (beneficiaries.coverage) does. ``months``/``days`` record what the amount
    counts (beneficiaries.coverage.describe)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PAID = "paid", _("paid")
        FAILED = "failed", _("failed")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("for the period")
        ARREARS = "arrears", _("arrears")
        REISSUE = "reissue", _("re-issue")

    class FailureKind(models.TextChoices):
        CLOSED_ACCOUNT = "closed_account", _("account closed")
        OTHER = "other", _("other")

    batch = models.ForeignKey(
        PaymentBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="payments"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="payments"
    )
    covers_from = models.DateField(_("covers from"))
    covers_to = models.DateField(_("covers to"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    months = models.PositiveSmallIntegerField(_("months counted"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("days counted"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    standard = models.ForeignKey(
        SubsidyStandard, verbose_name=_("standard"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The card paid to, as it was when the batch was made (copied ciphertext, never clear).
    bank_card_cipher = models.TextField(_("bank card (encrypted)"), blank=True, editable=False)
    bank_card_index = models.CharField(
        _("bank card index"), max_length=64, null=True, blank=True, editable=False
    )
    bank_card = EncryptedValue("card", normalise=normalize_card)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    # From the bank's reason (reconciliation.failure_kind_of): a closed account waits for a new card.
    failure_kind = models.CharField(
        _("kind of failure"), max_length=20, choices=FailureKind.choices, blank=True
    )
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    reissue_of = models.ForeignKey(
        "self", verbose_name=_("re-issues"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adjust_reason = models.CharField(_("reason for the amount"), max_length=200, blank=True)
    history = HistoricalRecords(no_db_index=HISTORY_UNINDEXED)

    SCOPE_PATH = "enrolment__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["batch", "pk"]
        constraints = [
            # The exclusion constraint over the whole span is added by migration 0007 on
            # PostgreSQL only (payment_covers_no_day_twice); this one holds on SQLite too.
            models.UniqueConstraint(
                fields=["enrolment", "covers_from"],
                condition=~models.Q(status="failed"),
                name="payment_once_per_enrolment_and_start",
                violation_error_message=_("This enrolment is already paid (or being paid) for these days."),
            ),
            models.CheckConstraint(
                condition=models.Q(covers_to__gte=models.F("covers_from")), name="payment_covers_in_order"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~models.Q(status="failed") | ~models.Q(failure_reason=""),
                name="payment_failure_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment_id} {self.covers_from}–{self.covers_to} {self.amount}"

    @property
    def basis(self) -> str:
        """What the line pays for: "2026-01-01 – 2026-08-31, 8 months × 80.00 元" (needs
        ``standard`` and ``enrolment`` loaded to name the monthly amount)."""
        from beneficiaries.coverage import Rate, describe, to_cents

        monthly = None
        if self.standard_id is not None:
            monthly = to_cents(Rate.of(self.standard).monthly(self.enrolment.persons_covered))
        return describe(
            covers_from=self.covers_from,
            covers_to=self.covers_to,
            months=self.months,
            days=self.days,
            monthly=monthly,
        )

    @property
    def reference(self) -> str:
        """The line's reference in the bank file (流水号): stable and unique."""
        return f"P{self.pk:010d}"


class Callback(models.Model):
    """回访: a phone call or visit to a beneficiary."""

    class Method(models.TextChoices):
        PHONE = "phone", _("phone")
        VISIT = "visit", _("visit")

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="callbacks"
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    called_on = models.DateField(_("date"))
    reached = models.BooleanField(_("reached"))
    knew_policy = models.BooleanField(_("knew the policy"), null=True, blank=True)
    received_money = models.BooleanField(_("received the money"), null=True, blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        "org.User", verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "enrolment__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["-called_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reached=True)
                | models.Q(knew_policy__isnull=True, received_money__isnull=True, satisfied__isnull=True),
                name="callback_answers_only_when_reached",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment_id} {self.called_on}"
