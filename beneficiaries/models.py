"""The person registry: one Person per national ID across the whole portal, and households.

The ID number and the bank card number are encrypted at rest (``common.crypto``); the table
holds a ciphertext and a keyed blind index, never the number itself. Lookup and uniqueness go
through the index.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.crypto import EncryptedValue
from common.idcard import normalize_id_number
from common.masking import mask_bank_card, mask_id_number, mask_name
from org.models import Division
from org.querysets import ScopedQuerySet


def normalize_card(value) -> str:
    return "".join(str(value or "").split())


# The audit tables are read by object (id), date and user only; simple_history would otherwise copy
# every foreign key's index onto them, which imports and batches pay for on every row.
HISTORY_UNINDEXED = [
    "village",
    "household",
    "head",
    "project",
    "person",
    "village_notice",
    "township_notice",
    "final_notice",
    "approved_by",
    "created_by",
    "batch",
    "enrolment",
    "standard",
    "reissue_of",
]


class Household(models.Model):
    """A registered household (户) of a village."""

    village = models.ForeignKey(
        Division,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": Division.Level.VILLAGE},
    )
    number = models.CharField(_("household number"), max_length=30)
    address = models.CharField(_("address"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    head = models.ForeignKey(
        "Person",
        verbose_name=_("head of household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(no_db_index=HISTORY_UNINDEXED)

    SCOPE_PATH = "village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="household_number_unique_per_village"),
        ]

    def __str__(self):
        return f"{self.village} {self.number}"


class PersonQuerySet(ScopedQuerySet):
    def with_id_number(self, id_number: str):
        return self.filter(id_number_index=Person.id_number.index_of(id_number))

    def with_bank_card(self, card: str):
        return self.filter(bank_card_index=Person.bank_card.index_of(card))


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Status(models.TextChoices):
        LIVING = "living", _("living")
        DECEASED = "deceased", _("deceased")
        MOVED_OUT = "moved_out", _("moved out")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        SIBLING = "sibling", _("sibling")
        OTHER = "other", _("other relative")

    id_number_cipher = models.TextField(_("ID number (encrypted)"), editable=False)
    # Unique by the constraint in Meta (a unique=True field would also get a LIKE index, useless
    # for a keyed hash that is only ever compared whole).
    id_number_index = models.CharField(_("ID number index"), max_length=64, editable=False)
    id_number = EncryptedValue("id", normalise=normalize_id_number)

    name = models.CharField(_("name"), max_length=40)
    # Searched with "contains" (LIKE '%…%'), which no B-tree index helps: none is kept.
    name_search = models.CharField(_("pinyin"), max_length=200, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    village = models.ForeignKey(
        Division,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="persons",
        limit_choices_to={"level": Division.Level.VILLAGE},
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation = models.CharField(
        _("relation to the head"), max_length=12, choices=Relation.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.LIVING)
    status_on = models.DateField(_("status since"), null=True, blank=True)

    bank_card_cipher = models.TextField(_("bank card (encrypted)"), blank=True, editable=False)
    bank_card_index = models.CharField(
        _("bank card index"), max_length=64, null=True, blank=True, editable=False
    )
    bank_card = EncryptedValue("card", normalise=normalize_card)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    # When the card on record was typed in: a payment failed for a closed account is re-issued
    # only to a card recorded after the failure (reconciliation.reissue_card).
    bank_card_recorded_at = models.DateTimeField(
        _("bank card recorded at"), null=True, blank=True, editable=False
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(no_db_index=HISTORY_UNINDEXED)

    SCOPE_PATH = "village"
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["village__code", "name", "pk"]
        indexes = [models.Index(fields=["bank_card_index"], name="person_bank_card_index")]
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="person_id_number_unique"),
            models.CheckConstraint(
                condition=models.Q(status="living", status_on__isnull=True)
                | (~models.Q(status="living") & models.Q(status_on__isnull=False)),
                name="person_status_date_matches_status",
                violation_error_message=_(
                    "A deceased or moved-out person needs the date; a living one none."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_bank_card(self) -> str:
        return mask_bank_card(self.bank_card)

    @property
    def is_living(self) -> bool:
        return self.status == self.Status.LIVING


# --- enrolments, standards, payments, callbacks, anomaly checks ------------------------------

MONEY = {"max_digits": 14, "decimal_places": 2}


class EnrolmentQuerySet(ScopedQuerySet):
    def current(self):
        """Enrolments not exited (the ones checks and coverage count)."""
        return self.exclude(status=Enrolment.Status.EXITED)


class Enrolment(models.Model):
    """A person (or a household, through its applicant) in a project-year (纳入).

    The three rounds of the notice (三榜公示) are the publicity app's PublicNotices (masked,
    immutable snapshots with their objections), linked here explicitly per round.

    ``village`` is where the enrolment was made (the person's village at that time); the
    "same ID in two villages" check compares it across a person's enrolments.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        VILLAGE_REVIEWED = "village_reviewed", _("village reviewed")
        NOTICE = "notice", _("on public notice")
        APPROVED = "approved", _("approved")
        ACTIVE = "active", _("active")
        EXITED = "exited", _("exited")

    class ExitReason(models.TextChoices):
        DECEASED = "deceased", _("deceased")
        MOVED = "moved", _("moved away")
        NOT_ELIGIBLE = "not_eligible", _("no longer eligible")
        OTHER = "other", _("other")

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="enrolments",
        db_index=False,  # led by the (project, village, status) index and the unique (project, person)
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="enrolments"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
        help_text=_("Set when the household is the beneficiary (the person is its applicant)."),
    )
    village = models.ForeignKey(
        Division, verbose_name=_("village"), on_delete=models.PROTECT, related_name="enrolments"
    )
    tier = models.CharField(
        _("standard tier"),
        max_length=40,
        blank=True,
        help_text=_("Which subsidy standard of the project applies, e.g. 一类 or 二级以上重度."),
    )
    persons_covered = models.PositiveSmallIntegerField(
        _("persons covered"), default=1, help_text=_("For a per-person standard paid to a household.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.APPLIED)
    applied_on = models.DateField(_("applied on"))
    village_notice = models.ForeignKey(
        "publicity.PublicNotice",
        verbose_name=_("village list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    township_notice = models.ForeignKey(
        "publicity.PublicNotice",
        verbose_name=_("township review list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    final_notice = models.ForeignKey(
        "publicity.PublicNotice",
        verbose_name=_("final list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
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
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    active_from = models.DateField(_("paid from"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=20, choices=ExitReason.choices, blank=True)
    exit_on = models.DateField(_("exited on"), null=True, blank=True)
    exit_note = models.CharField(_("exit note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        "org.User",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(no_db_index=HISTORY_UNINDEXED)

    SCOPE_PATH = "village"
    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["village__code", "person__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person"],
                name="enrolment_once_per_project_year",
                violation_error_message=_("This person is already enrolled in this project this year."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="exited")
                | (models.Q(exit_on__isnull=False) & ~models.Q(exit_reason="")),
                name="enrolment_exit_has_reason_and_date",
            ),
            models.CheckConstraint(
                condition=models.Q(persons_covered__gte=1), name="enrolment_covers_someone"
            ),
        ]
        indexes = [models.Index(fields=["project", "village", "status"])]

    def __str__(self):
        return f"{self.person} · {self.project}"


class SubsidyStandard(models.Model):
    """How much a project pays (补助标准): per person or household, per month, quarter or year,
    from a date (to a date). A project may have several tiers (残疾人: 726 and 360 元/年)."""

    class Unit(models.TextChoices):
        PERSON = "person", _("per person")
        HOUSEHOLD = "household", _("per household")

    class Period(models.TextChoices):
        MONTH = "month", _("per month")
        QUARTER = "quarter", _("per quarter")
        YEAR = "year", _("per year")

    MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}

    class Proration(models.TextChoices):
        """How a span is paid when the person is in the programme for part of it (the rounding
        rule of the standard; beneficiaries.coverage computes it)."""

        MONTH_ANY = "month_any", _("by month: every month with a day in the programme counts whole")
        MONTH_FIRST_DAY = (
            "month_first_day",
            _(
                "by month: a month counts when in the programme on its first day (from the month after joining)"
            ),
        )
        DAY = "day", _("by day: the month's amount × days in the programme ÷ days of the month")

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="standards"
    )
    tier = models.CharField(_("tier"), max_length=40, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PERSON)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.YEAR)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    proration = models.CharField(
        _("part periods paid"),
        max_length=20,
        choices=Proration.choices,
        default=Proration.MONTH_ANY,
        help_text=_("How a late start or an early exit (death, move, exit) is paid."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    created_by = models.ForeignKey(
        "org.User", verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    SCOPE_PATH = "project__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("subsidy standard")
        verbose_name_plural = _("subsidy standards")
        ordering = ["project", "tier", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="standard_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="standard_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.project.name} {self.tier} {self.amount} {self.get_unit_display()}{self.get_period_display()}"


class ExclusivePair(models.Model):
    """Two projects nobody may receive together (特困供养 and 低保): configuration data checked
    by the anomaly run."""

    first = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="+"
    )
    second = models.ForeignKey(
        "projects.Project", verbose_name=_("excludes project"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("rule"), max_length=200, blank=True)

    SCOPE_PATH = "first__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mutually exclusive projects")
        verbose_name_plural = _("mutually exclusive projects")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="exclusive_pair_once"),
            models.CheckConstraint(condition=~models.Q(first=models.F("second")), name="exclusive_pair_two"),
        ]

    def __str__(self):
        return f"{self.first.name} ⟂ {self.second.name}"


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


class UserPerson(models.Model):
    """An org user's own entry in the registry, so the cadre-relatives check can find their
    household (org/models.py stays untouched)."""

    user = models.OneToOneField(
        "org.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")

    SCOPE_PATH = "person__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("user's own registry entry")
        verbose_name_plural = _("users' own registry entries")

    def __str__(self):
        return f"{self.user} = {self.person}"


class AnomalyFinding(models.Model):
    """One result of the anomaly checks (虚报冒领). ``key`` is stable per finding, so a rerun
    finds the row again instead of adding another; ``related`` holds the person ids involved."""

    class Rule(models.TextChoices):
        TWO_VILLAGES = "two_villages", _("same ID enrolled in two villages")
        PAID_AFTER_EXIT = "paid_after_exit", _("paid for days after death, moving out or exit")
        ABOVE_STANDARD = "above_standard", _("amount above the standard for the days covered")
        SHARED_CARD = "shared_card", _("one bank card for people of different households")
        EXCLUSIVE = "exclusive", _("enrolled in mutually exclusive projects")
        CADRE_RELATIVE = "cadre_relative", _("a cadre's own household among the beneficiaries")
        COVERED_TWICE = "covered_twice", _("two live payments cover the same day")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        EXPLAINED = "explained", _("explained")
        CONFIRMED = "confirmed", _("confirmed")

    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    key = models.CharField(_("key"), max_length=120, unique=True)
    village = models.ForeignKey(
        Division, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("enrolment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    related = models.JSONField(_("persons involved"), default=list, blank=True)
    detail = models.CharField(_("detail"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("note"), max_length=500, blank=True)
    handled_by = models.ForeignKey(
        "org.User",
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_seen = models.DateTimeField(_("first found"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last found"))
    history = HistoricalRecords()

    SCOPE_PATH = "village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        ordering = ["status", "-last_seen", "pk"]
        indexes = [models.Index(fields=["status", "rule"])]

    def __str__(self):
        return f"{self.get_rule_display()}: {self.detail}"


# Recovery items (追回) live in their own module (this one is at the 800-line limit of
# tests/test_layout.py); imported here so ``beneficiaries.models.Recovery`` is the name.
from beneficiaries.models_recovery import Recovery  # noqa: E402, F401


class PaymentClearance(models.Model):
    """A batch line let through despite an open anomaly finding that concerns it, with the
    reason, by someone other than the batch's preparer (issue 15, "findings stop money").

    A record, never edited: the admin shows it read-only, the history keeps who wrote it. One
    per line and finding; a finding found later holds the line again until it too is cleared."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="clearances"
    )
    finding = models.ForeignKey(
        AnomalyFinding, verbose_name=_("anomaly"), on_delete=models.CASCADE, related_name="clearances"
    )
    reason = models.CharField(_("reason"), max_length=500)
    cleared_by = models.ForeignKey(
        "org.User", verbose_name=_("cleared by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cleared_at = models.DateTimeField(_("cleared at"), auto_now_add=True)
    history = HistoricalRecords(no_db_index=["payment", "finding", "cleared_by"])

    SCOPE_PATH = "payment__enrolment__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cleared payment line")
        verbose_name_plural = _("cleared payment lines")
        ordering = ["-cleared_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "finding"],
                name="payment_clearance_once_per_finding",
                violation_error_message=_("This line is already cleared for this finding."),
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="payment_clearance_has_reason"),
        ]

    def __str__(self):
        return f"{self.payment_id} / {self.finding_id}"
