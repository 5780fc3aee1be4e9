"""Enrolments (纳入) of persons in project-years, the subsidy standards that price them, and
pairs of projects nobody may receive together."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models.registry import HISTORY_UNINDEXED, Household, Person
from org.models import Division
from org.querysets import ScopedQuerySet

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
