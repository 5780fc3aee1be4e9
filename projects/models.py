"""Livelihood projects (民生工程): yearly projects, targets per division, monthly progress,
funds by source with dated movements, and construction sites with their six controls.

Rules that need one row only live here (constraints, ``clean``); rules that need other rows,
the user or the date live in ``projects.services``.
"""

import calendar
import datetime
import operator
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import lookups
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.money import ZERO, rate
from org.models import Department, Division
from projects.querysets import FundLineQuerySet, FundMovementQuerySet, ProjectQuerySet, ScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}
NOT_NEGATIVE = [MinValueValidator(ZERO)]


# --- Lagging: one definition, answered in Python and in SQL ----------------------------------


def year_share(*, year: int, today: datetime.date) -> Decimal:
    """The share of ``year`` elapsed at the end of ``today``: 0 before it, 1 after it, else the
    day of the year over the days of the year, to 4 places (Jan 1 → 0.0027, Dec 31 → 1)."""
    if today.year < year:
        return Decimal("0")
    if today.year > year:
        return Decimal("1")
    days = 366 if calendar.isleap(year) else 365
    return (Decimal(today.timetuple().tm_yday) / Decimal(days)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def expected_quantity(target, share):
    """What the year share asks for of a target: target × share (numbers or query expressions)."""
    return target * share


class _InPython:
    above = staticmethod(operator.gt)
    below = staticmethod(operator.lt)
    both = staticmethod(lambda first, second: bool(first and second))


class _InSQL:
    above = lookups.GreaterThan
    below = lookups.LessThan
    both = staticmethod(lambda first, second: models.Q(first) & models.Q(second))


def lagging(target, actual, share, *, sql: bool = False):
    """Lagging (DESIGN: completion below the share of the year elapsed): the project has a
    target and its cumulative actual is below what the year share asks for.

    The only definition. Given numbers it answers True or False (Project.is_lagging, and so the
    pages, the API and the reports); given query expressions with ``sql=True`` it is the
    condition the database filters and counts by (projects.selectors.lagging_q), with the share
    coming from ``year_share`` in both cases (projects.selectors.year_share_expression)."""
    ops = _InSQL if sql else _InPython
    return ops.both(ops.above(target, 0), ops.below(actual, expected_quantity(target, share)))


class Project(models.Model):
    """A livelihood project of one year, owned by a township or (county-wide) by the county."""

    class Kind(models.TextChoices):
        SUBSIDY = "subsidy", _("Subsidy")
        CONSTRUCTION = "construction", _("Construction")
        SERVICE = "service", _("Service")

    class Category(models.TextChoices):
        EDUCATION_CULTURE = "education_culture", _("Education and culture")
        EMPLOYMENT = "employment", _("Employment")
        SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
        SOCIAL_SERVICE = "social_service", _("Social services")
        HEALTH = "health", _("Medical and health care")

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000)], help_text=_("The year the project runs.")
    )
    code = models.CharField(_("project code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    division = models.ForeignKey(
        Division,
        verbose_name=_("owner division"),
        on_delete=models.PROTECT,
        related_name="projects",
        help_text=_("The township that runs the project, or the county for a county-wide project."),
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("lead department"), on_delete=models.PROTECT, related_name="projects"
    )
    responsible_person = models.CharField(_("responsible person"), max_length=40)
    responsible_phone = models.CharField(_("responsible person's phone"), max_length=30, blank=True)
    policy = models.TextField(
        _("policy"), blank=True, help_text=_("The policy text: who benefits, how much.")
    )
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried forward from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_to",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("livelihood project")
        verbose_name_plural = _("livelihood projects")
        ordering = ["-year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["division", "year", "code"], name="project_unique_code_per_year"),
        ]
        indexes = [models.Index(fields=["year", "kind", "category"])]

    def __str__(self):
        return f"{self.year} {self.name}"

    # The properties below read the annotations of projects.selectors.with_progress/with_funds.
    @property
    def completion_rate(self):
        return rate(getattr(self, "actual_total", None), getattr(self, "target_total", None))

    @property
    def is_lagging(self) -> bool:
        target = getattr(self, "target_total", None)
        return target is not None and lagging(target, self.actual_total, self.year_share)

    @property
    def received_rate(self):
        return rate(getattr(self, "received_total", None), getattr(self, "planned_total", None))

    @property
    def allocated_rate(self):
        return rate(getattr(self, "allocated_total", None), getattr(self, "received_total", None))

    @property
    def spent_rate(self):
        return rate(getattr(self, "spent_total", None), getattr(self, "allocated_total", None))


class Target(models.Model):
    """目标任务: what a project must reach in one division. A township's target may be split
    over its villages (children); the children's quantities add up to the parent's."""

    class Unit(models.TextChoices):
        CASES = "例", _("cases")
        PERSONS = "人", _("persons")
        HOUSEHOLDS = "户", _("households")
        INSTITUTIONS = "所", _("institutions")
        SQUARE_METRES = "平方米", _("square metres")
        TEN_THOUSAND_YUAN = "万元", _("10,000 yuan")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="targets"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="project_targets"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    quantity = models.DecimalField(_("target quantity"), **MONEY, validators=NOT_NEGATIVE)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["project", "division__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "division"], name="target_unique_division_per_project"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0),
                name="target_quantity_not_negative",
                violation_error_message=_("A target quantity cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.project.name} · {self.division.name}: {self.quantity} {self.unit}"

    @property
    def completion_rate(self):
        """Reads the ``latest_actual`` annotation of projects.selectors.target_list."""
        return rate(getattr(self, "latest_actual", None), self.quantity)

    @property
    def unassigned(self):
        """What is left of a split target (``children_total`` annotation); 0 when fully split."""
        children = getattr(self, "children_total", None)
        return None if not children else self.quantity - children


class ProgressReport(models.Model):
    """进度: the cumulative actual of one target at the end of one month."""

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="progress"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    actual = models.DecimalField(_("cumulative actual"), **MONEY, validators=NOT_NEGATIVE)
    is_correction = models.BooleanField(_("correction"), default=False)
    correction_reason = models.CharField(_("correction reason"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    history = HistoricalRecords()

    SCOPE_PATH = "target__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["target", "month"]
        constraints = [
            models.UniqueConstraint(fields=["target", "month"], name="progress_one_per_target_month"),
            models.CheckConstraint(condition=models.Q(actual__gte=0), name="progress_actual_not_negative"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="progress_month_first_day"),
            models.CheckConstraint(
                condition=models.Q(is_correction=False) | ~models.Q(correction_reason=""),
                name="progress_correction_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.target} @ {self.month:%Y-%m}: {self.actual}"

    @property
    def completion_rate(self):
        return rate(self.actual, self.target.quantity)


class FundSource(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL_COUNTY = "municipal_county", _("Municipal and county matching")
    SELF_RAISED = "self_raised", _("Self-raised by residents")


class FundLine(models.Model):
    """资金: one source of a project's money. ``planned`` is typed; received, allocated and spent
    are the sums of dated movements, so any past month's position can be computed."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="fund_lines"
    )
    source = models.CharField(_("fund source"), max_length=20, choices=FundSource.choices)
    planned = models.DecimalField(_("planned"), **MONEY, default=ZERO, validators=NOT_NEGATIVE)
    history = HistoricalRecords()

    SCOPE_PATH = "project__division"
    objects = FundLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund line")
        verbose_name_plural = _("fund lines")
        ordering = ["project", "source"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="fund_line_one_per_source"),
            models.CheckConstraint(condition=models.Q(planned__gte=0), name="fund_line_planned_not_negative"),
        ]

    def __str__(self):
        return f"{self.project.name} · {self.get_source_display()}"


class FundMovement(models.Model):
    """A dated amount received (到位), allocated (拨付) or spent (支出) on a fund line."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        ALLOCATED = "allocated", _("Allocated")
        SPENT = "spent", _("Spent")

    fund_line = models.ForeignKey(
        FundLine, verbose_name=_("fund line"), on_delete=models.CASCADE, related_name="movements"
    )
    kind = models.CharField(_("movement"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    reference = models.CharField(_("voucher number"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    history = HistoricalRecords()

    SCOPE_PATH = "fund_line__project__division"
    objects = FundMovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund movement")
        verbose_name_plural = _("fund movements")
        ordering = ["fund_line", "date", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="fund_movement_amount_positive"),
        ]
        indexes = [models.Index(fields=["fund_line", "date"])]

    def __str__(self):
        return f"{self.fund_line} {self.get_kind_display()} {self.date}: {self.amount}"


class Site(models.Model):
    """建设点: one construction site of a construction project, in a township or village."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="sites"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="project_sites"
    )
    name = models.CharField(_("site name"), max_length=100)
    location = models.CharField(_("location"), max_length=200)
    builder = models.CharField(_("builder"), max_length=100, blank=True)
    supervisor_unit = models.CharField(_("supervision unit"), max_length=100, blank=True)
    investment = models.DecimalField(_("investment (yuan)"), **MONEY, validators=NOT_NEGATIVE)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("planned completion date"), null=True, blank=True)
    accepted_on = models.DateField(_("completion accepted on"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("construction site")
        verbose_name_plural = _("construction sites")
        ordering = ["project", "division__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(investment__gte=0), name="site_investment_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="site_end_after_start",
                violation_error_message=_("The completion date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return self.name


class SiteControl(models.Model):
    """One of the six controls (六制) of a site, with the date it was put in place and its document."""

    class Control(models.TextChoices):
        LEGAL_PERSON = "legal_person", _("Legal-person responsibility")
        TENDERING = "tendering", _("Tendering")
        CONTRACT = "contract", _("Contract management")
        SUPERVISION = "supervision", _("Works supervision")
        REIMBURSEMENT = "reimbursement", _("Reimbursement accounting")
        ACCEPTANCE = "acceptance", _("Completion acceptance")

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="controls")
    control = models.CharField(_("control"), max_length=20, choices=Control.choices)
    done_on = models.DateField(_("date"))
    document = models.FileField(_("document"), upload_to="projects/sites/%Y/")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    SCOPE_PATH = "site__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("site control")
        verbose_name_plural = _("site controls")
        ordering = ["site", "control"]
        constraints = [
            models.UniqueConstraint(fields=["site", "control"], name="site_control_once_per_site"),
        ]

    def __str__(self):
        return f"{self.site} · {self.get_control_display()}"
