"""Publicity: info submissions (信息报送) and their quotas, publicity activities (宣传活动),
public notices (公示) with objections (异议), invited supervisors (特邀监督员).

Every model names its path to a Division in ``SCOPE_PATH`` and uses the one ScopedQuerySet.
Status fields are driven by ``common.states`` machines declared in ``publicity.states``.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import clock
from org.models import Department, Division
from org.querysets import ScopedQuerySet
from publicity import conf
from publicity.validators import photo_path, validate_photo


class InfoSubmission(models.Model):
    """A piece of information a unit reports to the township livelihood office."""

    class Kind(models.TextChoices):
        WORK_NEWS = "work_news", _("Work news")  # 工作动态
        PHOTO_STORY = "photo_story", _("Livelihood in pictures")  # 图说民生
        MASSES_VOICE = "masses_voice", _("The people on livelihood")  # 群众话民生
        BRIEFING = "briefing", _("Briefing")  # 简报
        GRASSROOTS_VOICE = "grassroots_voice", _("Grassroots on livelihood")  # 基层话民生
        AUDIOVISUAL = "audiovisual", _("Audiovisual livelihood")  # 视听民生

    #: kinds that count as the monthly "text" (文字信息) of a lead department
    TEXT_KINDS = (Kind.WORK_NEWS, Kind.MASSES_VOICE, Kind.BRIEFING, Kind.GRASSROOTS_VOICE)

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ADOPTED = "adopted", _("Adopted")
        RETURNED = "returned", _("Returned")
        PUBLISHED = "published", _("Published")

    #: statuses that count toward a quota (a returned piece counts again once resubmitted)
    COUNTED = (Status.SUBMITTED, Status.ADOPTED, Status.PUBLISHED)

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("reporting unit"), on_delete=models.PROTECT, related_name="submissions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), blank=True)
    photo_before = models.ImageField(
        _("photo (before)"), upload_to=photo_path, blank=True, validators=[validate_photo]
    )
    photo_after = models.ImageField(
        _("photo (after)"), upload_to=photo_path, blank=True, validators=[validate_photo]
    )
    media_link = models.URLField(_("video or audio link"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    return_comment = models.TextField(_("comment when returned"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("info submission")
        verbose_name_plural = _("info submissions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["department", "status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="returned") | ~models.Q(return_comment=""),
                name="submission_return_needs_comment",
                violation_error_message=_("A returned submission needs a comment."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class QuotaReminder(models.Model):
    """An in-app notice to a unit that is behind its quota, written by the monthly beat task."""

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("reporting unit"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    missing = models.JSONField(_("missing"), default=list)  # [{"rule": ..., "missing": n}]
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quota reminder")
        verbose_name_plural = _("quota reminders")
        ordering = ["-year", "-month", "department__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year", "month"], name="quota_reminder_once_a_month"
            ),
        ]

    def __str__(self):
        return f"{self.department} {self.year}-{self.month:02d}"


class Activity(models.Model):
    """A publicity activity: square event, door-to-door, broadcast, banner, film or opera show."""

    class Kind(models.TextChoices):
        PUBLICITY_MONTH = "publicity_month", _("Publicity month event")  # 集中宣传月
        SQUARE = "square", _("Square event")  # 广场宣传
        DOOR_TO_DOOR = "door_to_door", _("Door-to-door")  # 包保入户
        BROADCAST = "broadcast", _("Broadcast")  # 广播
        BANNER = "banner", _("Banners and posters")  # 横幅
        FILM = "film", _("Film show")  # 送电影下乡
        OPERA = "opera", _("Opera show")  # 送戏下乡
        OTHER = "other", _("Other")

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("organising unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120)
    organisers = models.CharField(_("organisers"), max_length=200, blank=True)
    audience_estimate = models.PositiveIntegerField(_("audience (estimate)"), default=0)
    materials_count = models.PositiveIntegerField(_("materials handed out"), default=0)
    materials_description = models.CharField(_("materials"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("publicity activity")
        verbose_name_plural = _("publicity activities")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return self.title

    @property
    def in_publicity_month(self) -> bool:
        return self.held_on.month in conf.publicity_months()


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to=photo_path, validators=[validate_photo])
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    SCOPE_PATH = "activity__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["pk"]

    def __str__(self):
        return self.caption or self.image.name


def _notice_too_short(days: int) -> str:
    return gettext("A notice stays up at least %(days)d full days after the day it is posted.") % {
        "days": days
    }


def notice_period_constraint(days: int) -> models.CheckConstraint:
    """The database's side of the notice period, built from the one setting NOTICE_MIN_DAYS:
    ``ends_on >= starts_on + days`` — the day of posting is partial and does not count, so a
    notice posted on 03-01 with 7 days runs at least until 03-08 and closes from 03-09.

    What it cannot know: that ``starts_on`` is the day of ``posted_at`` in Asia/Shanghai (the
    date of a moment depends on the time zone, which a portable check constraint does not
    apply). That half is the service's (publicity.services.notice_publish sets both from the
    one clock, nobody types them) and the freeze trigger's (neither changes after posting).

    A check constraint rather than a trigger: it is the same on PostgreSQL and on the SQLite of
    ``make run``, full_clean() checks it too, and the migration records the value in force. Its
    price: a new value of the setting needs a migration (makemigrations shows it, named by the
    number). A trigger could read a value handed to each connection, but a raw insert from
    outside Django would then see no value at all, or a second copy of the number."""
    return models.CheckConstraint(
        condition=models.Q(ends_on__gte=models.F("starts_on") + datetime.timedelta(days=days)),
        name=f"notice_at_least_{days}_full_days",
        violation_error_message=lazy(_notice_too_short, str)(days),
    )


class NoticeQuerySet(ScopedQuerySet):
    def open_on(self, day: datetime.date):
        return self.filter(status=PublicNotice.Status.POSTED, starts_on__lte=day, ends_on__gte=day)

    def public(self):
        """What residents may see without logging in: everything posted and not withdrawn."""
        return self.exclude(status=PublicNotice.Status.WITHDRAWN)


class PublicNotice(models.Model):
    """A notice posted for residents (公示). What was posted is an immutable, masked snapshot:
    ``columns`` [{"key", "header"}] and ``rows`` [[cell, …]]; only the status fields change."""

    class Kind(models.TextChoices):
        ENROLMENT = "enrolment", _("Enrolment list")
        AID = "aid", _("Aid list")
        CONSTRUCTION_SITE = "construction_site", _("Construction site")
        FUND_USE = "fund_use", _("Fund use")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        CLOSED_CLEAR = "closed_clear", _("Closed with no objection")
        CLOSED_UPHELD = "closed_upheld", _("Closed, objection upheld")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    #: fields the state machine may change after posting; everything else is frozen
    MUTABLE_FIELDS = frozenset({"status", "closed_by", "closed_at", "close_note"})

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    stage = models.CharField(
        _("stage"),
        max_length=40,
        blank=True,
        help_text=_("e.g. village list, township review list, final list"),
    )
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"), blank=True)
    #: the day of posting in Asia/Shanghai, set by the service from posted_at: never typed
    starts_on = models.DateField(_("posted from"), editable=False)
    #: the last full day of the period: at least starts_on + NOTICE_MIN_DAYS (later if chosen)
    ends_on = models.DateField(_("posted until"))
    objection_address = models.CharField(_("where to send objections"), max_length=200)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    columns = models.JSONField(_("columns"), default=list)
    rows = models.JSONField(_("rows"), default=list)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("content_type", "object_id")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.POSTED)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    #: the server's moment of posting (core.clock), set by the service; never typed
    posted_at = models.DateTimeField(_("posted at"), default=clock.now, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("closing note"), blank=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "ends_on"]),
            models.Index(fields=["content_type", "object_id"]),
        ]
        constraints = [
            notice_period_constraint(settings.NOTICE_MIN_DAYS),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # The snapshot is what residents saw: once posted, only the closing fields may change.
        if self.pk and not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.MUTABLE_FIELDS:
                raise ValidationError(
                    gettext("A posted notice cannot be changed; withdraw it and post a new one.")
                )
        super().save(*args, **kwargs)

    @property
    def days(self) -> int:
        """Full days of the period: the day of posting is partial and does not count."""
        return (self.ends_on - self.starts_on).days

    @property
    def closable_on(self) -> datetime.date:
        """The first day (from 00:00 Asia/Shanghai) the notice may be closed: the day after its end."""
        return self.ends_on + datetime.timedelta(days=1)

    def is_open_on(self, day: datetime.date | None = None) -> bool:
        day = day or clock.today()
        return self.status == self.Status.POSTED and self.starts_on <= day <= self.ends_on

    @property
    def is_open(self) -> bool:
        return self.is_open_on()

    @property
    def period_over(self) -> bool:
        return clock.today() >= self.closable_on


class Objection(models.Model):
    """An objection (异议) to a notice, filed online by a resident or recorded by staff."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("On paper")
        PHONE = "phone", _("By phone")
        VISIT = "visit", _("In person")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting answer")
        ANSWERED = "answered", _("Answered")

    class Outcome(models.TextChoices):
        DISMISSED = "dismissed", _("Not upheld")
        UPHELD = "upheld", _("Upheld")

    notice = models.ForeignKey(
        PublicNotice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="objections"
    )
    channel = models.CharField(_("received"), max_length=10, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=40, blank=True)
    contact = models.CharField(_("contact"), max_length=60)
    text = models.TextField(_("objection"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    history = HistoricalRecords()

    SCOPE_PATH = "notice__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", outcome="")
                | (models.Q(status="answered") & ~models.Q(outcome="") & ~models.Q(answer="")),
                name="objection_answer_complete",
                violation_error_message=_("An answered objection needs an answer and an outcome."),
            ),
        ]

    def __str__(self):
        return gettext("Objection %(number)s to %(notice)s") % {"number": self.pk, "notice": self.notice_id}


class Supervisor(models.Model):
    """An invited supervisor (特邀监督员) of the township's livelihood projects."""

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=40)
    phone = models.CharField(_("phone"), max_length=30)
    work_unit = models.CharField(_("work unit or identity"), max_length=100, blank=True)
    appointed_on = models.DateField(_("appointed on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("invited supervisor")
        verbose_name_plural = _("invited supervisors")
        ordering = ["division__code", "name"]

    def __str__(self):
        return self.name


class SupervisorVisit(models.Model):
    """A visit or inspection by an invited supervisor and the opinions given."""

    supervisor = models.ForeignKey(
        Supervisor, verbose_name=_("supervisor"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("date"))
    place = models.CharField(_("what was visited"), max_length=150)
    opinion = models.TextField(_("opinions given"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    SCOPE_PATH = "supervisor__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervisor visit")
        verbose_name_plural = _("supervisor visits")
        ordering = ["-visited_on", "-pk"]

    def __str__(self):
        return f"{self.supervisor} {self.visited_on}"


class SurveyQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """A survey is visible in its division's scope and, so that village cadres can enter
        the answers of their village, to users below its division (a township's survey is
        seen by the cadres of its villages). Answers stay scoped to the village."""
        from org.scoping import scope_prefix, scope_q

        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        ancestors = [prefix[:length] for length in (2, 4, 6, 9) if len(prefix) > length]
        return self.filter(scope_q(user, "division") | models.Q(division__code__in=ancestors))


class Survey(models.Model):
    """A public survey of one project: awareness (知晓率) and satisfaction (满意度)."""

    DEFAULT_AWARENESS = _("Do you know about this livelihood project and its policy?")
    DEFAULT_SATISFACTION = _("Are you satisfied with how the project is carried out?")

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="surveys"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    awareness_question = models.CharField(_("awareness question"), max_length=200)
    satisfaction_question = models.CharField(_("satisfaction question"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "division"], name="survey_one_per_project_and_division"
            ),
        ]

    def __str__(self):
        return self.title

    # Read the counts annotated by selectors.survey_list.
    @property
    def awareness_rate(self):
        from core.money import rate

        return rate(getattr(self, "aware_count", None), getattr(self, "response_count", None))

    @property
    def satisfaction_rate(self):
        from core.money import rate

        return rate(getattr(self, "satisfied_count", None), getattr(self, "response_count", None))


class SurveyResponse(models.Model):
    """One resident's answers, entered by staff or a cadre after a call or a visit (回访)."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone call")
        VISIT = "visit", _("Home visit")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    #: answers that count as satisfied in the satisfaction rate (满意 + 基本满意)
    SATISFIED_ANSWERS = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    responded_on = models.DateField(_("date"))
    respondent_name = models.CharField(_("respondent"), max_length=40, blank=True)
    respondent_phone = models.CharField(_("respondent's phone"), max_length=30, blank=True)
    is_aware = models.BooleanField(_("knows the project"))
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("opinion"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-responded_on", "-pk"]
        indexes = [models.Index(fields=["survey", "division"])]

    def __str__(self):
        return f"{self.survey} {self.responded_on}"
