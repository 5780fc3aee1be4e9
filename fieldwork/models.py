"""Field work (入户走访 / 民情日记, 群众诉求): home visits by village cadres, typed on a phone
and synced once by a client id, with their photos and the callbacks they record; residents'
concerns and their closed loop (triage, dispatch, whistle, resolution, feedback), each step a
``ConcernEvent``. Everything is scoped through the village.

The tables were created by partycare and moved here (migrations 0001 and 0002); a visit may
name the party member who made it (``member``, for the pioneer index), the one link to
``partycare``, by the model's label so this app imports nothing above it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Division
from org.querysets import ScopedQuerySet

USER = settings.AUTH_USER_MODEL


class HomeVisit(models.Model):
    """One visit by a village cadre to a household of their village, usually typed on a phone
    offline. ``client_id`` is made by the phone, so the same visit sent twice is stored once."""

    class Purpose(models.TextChoices):
        COLLECT = "collect", _("Collecting residents' views")
        POLICY = "policy", _("Policy outreach / assigned household")
        CALLBACK = "callback", _("Beneficiary callback")
        CARE = "care", _("Care and greetings")

    client_id = models.UUIDField(_("client id"), unique=True, editable=False)
    household = models.ForeignKey(
        "beneficiaries.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="home_visits",
    )
    village = models.ForeignKey(
        Division, verbose_name=_("village"), on_delete=models.PROTECT, related_name="home_visits"
    )
    visited_on = models.DateField(_("visit date"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    notes = models.TextField(_("notes"), blank=True)
    # A callback visit (受益回访) records one beneficiaries Callback per enrolment answered,
    # through beneficiaries.services.callback_record, so it counts in the callback coverage.
    callbacks = models.ManyToManyField(
        "beneficiaries.Callback",
        verbose_name=_("callbacks"),
        through="VisitCallback",
        related_name="home_visits",
        blank=True,
    )
    visitor = models.ForeignKey(
        USER, verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="home_visits"
    )
    # The party member (联户党员) who made the visit, when it counts toward their pioneer index.
    member = models.ForeignKey(
        "partycare.PartyMember",
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="home_visits",
    )
    created_at = models.DateTimeField(_("stored"), auto_now_add=True)

    SCOPE_PATH = "village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["visitor", "visited_on"], name="home_visit_visitor_day")]

    def __str__(self):
        return f"{self.household} · {self.visited_on}"


class VisitCallback(models.Model):
    """Which callback visit recorded which beneficiaries ``Callback`` (one per enrolment).
    The Callback itself lives in beneficiaries, which knows nothing of visits (apps depend
    downwards), so the link is kept here."""

    visit = models.ForeignKey(
        HomeVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="callback_links"
    )
    callback = models.OneToOneField(
        "beneficiaries.Callback",
        verbose_name=_("callback"),
        on_delete=models.CASCADE,
        related_name="visit_link",
    )
    enrolment = models.ForeignKey(
        "beneficiaries.Enrolment", verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="+"
    )

    SCOPE_PATH = "visit__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("callback of a visit")
        verbose_name_plural = _("callbacks of visits")
        constraints = [
            models.UniqueConstraint(fields=["visit", "enrolment"], name="visit_callback_once_per_enrolment")
        ]

    def __str__(self):
        return f"{self.visit_id} → {self.callback_id}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(
        HomeVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("photo"), upload_to="visits/%Y/%m/")

    SCOPE_PATH = "visit__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self):
        return self.image.name


class Concern(models.Model):
    """A resident's concern (群众诉求) and its closed loop: collected → triaged → dispatched →
    whistle → resolved → feedback → closed. Every step is a ``ConcernEvent`` (who, when, what)."""

    class Category(models.TextChoices):
        INFRASTRUCTURE = "infrastructure", _("Roads, water and power")
        LIVELIHOOD = "livelihood", _("Subsidies and social security")
        HEALTH = "health", _("Health care")
        EDUCATION = "education", _("Education")
        EMPLOYMENT = "employment", _("Employment and income")
        DISPUTE = "dispute", _("Disputes")
        ENVIRONMENT = "environment", _("Environment and sanitation")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        COLLECTED = "collected", _("collected")
        IN_VILLAGE = "in_village", _("being solved in the village")
        ESCALATED = "escalated", _("escalated to the township")
        DISPATCHED = "dispatched", _("dispatched to departments")
        WHISTLED = "whistled", _("whistle blown")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")

    class Decision(models.TextChoices):
        VILLAGE = "village", _("Solve in the village")
        ESCALATE = "escalate", _("Escalate to the township")
        EXPLAIN = "explain", _("Unreasonable or already answered: explain and close")

    class FeedbackHow(models.TextChoices):
        VISIT = "visit", _("In person")
        PHONE = "phone", _("By phone")
        NOTICE = "notice", _("Written notice")

    OPEN_STATUSES = (
        Status.COLLECTED,
        Status.IN_VILLAGE,
        Status.ESCALATED,
        Status.DISPATCHED,
        Status.WHISTLED,
    )
    DEADLINE_STATUSES = (Status.DISPATCHED, Status.WHISTLED)

    village = models.ForeignKey(
        Division, verbose_name=_("village"), on_delete=models.PROTECT, related_name="concerns"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"))
    resident = models.ForeignKey(
        "beneficiaries.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns",
    )
    visit = models.ForeignKey(
        HomeVisit,
        verbose_name=_("source visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns",
    )
    is_common = models.BooleanField(
        _("common problem"), default=False, help_text=_("Shared by many households (共性问题).")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.COLLECTED)
    decision = models.CharField(_("triage decision"), max_length=20, choices=Decision.choices, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("departments"),
        blank=True,
        related_name="concerns",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    is_overdue = models.BooleanField(_("overdue"), default=False, db_index=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    escalated_to_leader_on = models.DateField(_("escalated to the leader on"), null=True, blank=True)
    resolution = models.TextField(_("what was done"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    feedback_how = models.CharField(
        _("feedback given"), max_length=10, choices=FeedbackHow.choices, blank=True
    )
    feedback_on = models.DateField(_("feedback date"), null=True, blank=True)
    is_satisfied = models.BooleanField(_("resident satisfied"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("collected by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("collected at"), auto_now_add=True, db_index=True)
    history = HistoricalRecords(excluded_fields=["is_overdue"])

    SCOPE_PATH = "village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="concern_status_deadline")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="explain") | ~Q(explanation=""),
                name="concern_explained_when_closed_by_explanation",
                violation_error_message=_("Closing with an explanation needs the explanation."),
            ),
            models.CheckConstraint(
                condition=Q(feedback_on__isnull=True) | Q(resolved_on__isnull=False),
                name="concern_feedback_after_resolution",
                violation_error_message=_("Feedback comes after the resolution."),
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} · {self.village}"


class WhistleCall(models.Model):
    """One department called by a whistle (吹哨) and its report (报到): who and when."""

    concern = models.ForeignKey(
        Concern, verbose_name=_("concern"), on_delete=models.CASCADE, related_name="whistle_calls"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    called_at = models.DateTimeField(_("called at"))
    called_by = models.ForeignKey(
        USER, verbose_name=_("called by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        USER, verbose_name=_("reported by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    SCOPE_PATH = "concern__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("whistle call")
        verbose_name_plural = _("whistle calls")
        ordering = ["called_at", "pk"]

    def __str__(self):
        return f"{self.department} · {self.called_at:%Y-%m-%d %H:%M}"


class ConcernEvent(models.Model):
    """The concern's log: each step with who, when and what (五有: 有记录 有分拣 有办理 有反馈 有回访)."""

    concern = models.ForeignKey(
        Concern, verbose_name=_("concern"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    by = models.ForeignKey(
        USER, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("what"), blank=True)

    SCOPE_PATH = "concern__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} · {self.at:%Y-%m-%d %H:%M}"
