"""Care of members (暖心工程): 六必谈 events, care cases (visits, talks, funerals …), the
townships' holiday campaigns and their targets, and the materialised due list."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Division
from org.querysets import ScopedQuerySet
from org.scoping import scope_q
from partycare.models.members import MONEY, USER, PartyMember


class TalkTrigger(models.Model):
    """A 六必谈 event recorded on a member: a talk is due within 30 days of it."""

    class Kind(models.TextChoices):
        POST_CHANGE = "post_change", _("post or duty changed")
        SETBACK = "setback", _("setback at work")
        FAMILY_MISFORTUNE = "family_misfortune", _("family misfortune")
        RATED_UNQUALIFIED = "rated_unqualified", _("rated unqualified")
        UNORGANISED_ACTIVITY = "unorganised_activity", _("unorganised or unlawful activity")
        DISCIPLINE = "discipline", _("disciplinary sanction")

    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.CASCADE, related_name="talk_triggers"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    occurred_on = models.DateField(_("occurred on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("talk trigger")
        verbose_name_plural = _("talk triggers")
        ordering = ["-occurred_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_on}"


class CampaignQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # A township campaign is also seen by the village cadres whose members it lists
        # (each sees only their own members' rows of it).
        return self.filter(
            scope_q(user, "division")
            | Q(pk__in=CampaignTarget.objects.visible_to(user).values("campaign_id"))
        )


class Campaign(models.Model):
    """A holiday visiting campaign of a township (e.g. 2026 春节), made from the due list."""

    class Holiday(models.TextChoices):
        JULY_FIRST = "july_first", _("Party founding day (July 1)")
        NATIONAL_DAY = "national_day", _("National Day (October 1)")
        SPRING_FESTIVAL = "spring_festival", _("Spring Festival")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    division = models.ForeignKey(
        Division,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Division.Level.TOWNSHIP},
    )
    holiday = models.CharField(_("holiday"), max_length=20, choices=Holiday.choices)
    year = models.PositiveIntegerField(_("year"))
    holiday_date = models.DateField(_("holiday date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_by = models.ForeignKey(
        USER, verbose_name=_("closed by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("holiday campaign")
        verbose_name_plural = _("holiday campaigns")
        ordering = ["-holiday_date", "division__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "holiday", "year"], name="campaign_once_per_holiday_and_township"
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_holiday_display()} · {self.division}"


class CampaignTarget(models.Model):
    """A member the campaign must visit, with the rules that put them on the list."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="targets"
    )
    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="campaign_targets"
    )
    rules = models.CharField(_("rules"), max_length=200)
    visit = models.ForeignKey(
        "CareCase",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="campaign_target_once"),
        ]

    def __str__(self):
        return f"{self.campaign_id}:{self.member_id}"


class CareCase(models.Model):
    """One act of care: a holiday visit, a talk, a sick visit, care for a retired village
    cadre, a funeral visit or support for survivors; with who went and what was given."""

    class Kind(models.TextChoices):
        HOLIDAY_VISIT = "holiday_visit", _("holiday visit")
        TALK = "talk", _("talk")
        SICK_VISIT = "sick_visit", _("sick visit")
        RETIRED_CADRE_CARE = "retired_cadre_care", _("retired village cadre care")
        FUNERAL = "funeral", _("funeral visit")
        SURVIVORS_SUPPORT = "survivors_support", _("survivors' support")

    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="care_cases"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    visitors = models.CharField(_("who went"), max_length=120)
    notes = models.TextField(_("notes"), blank=True)
    money = models.DecimalField(_("money given (yuan)"), default=0, **MONEY)
    goods = models.CharField(_("goods given"), max_length=120, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    trigger = models.ForeignKey(
        TalkTrigger,
        verbose_name=_("talk trigger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talks",
    )
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("care case")
        verbose_name_plural = _("care cases")
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["kind", "occurred_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(money__gte=0), name="care_money_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_on}"


class DueItem(models.Model):
    """What a member is due for today and the rule that made it due: the materialised due list,
    rebuilt by the daily beat task (``due_items_refresh``) and for a member after each write
    that touches them. The rules themselves live in ``partycare.eligibility``."""

    class Item(models.TextChoices):
        OLD_MEMBER_ALLOWANCE = "old_member_allowance", _("old-member allowance")
        HOLIDAY_VISIT = "holiday_visit", _("holiday visit")
        YEARLY_TALK = "yearly_talk", _("yearly talk")
        TRIGGER_TALK = "trigger_talk", _("talk after an event")
        TRAINING = "training", _("trainings this year")

    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.CASCADE, related_name="due_items"
    )
    item = models.CharField(_("due for"), max_length=30, choices=Item.choices)
    key = models.CharField(_("key"), max_length=40, blank=True)
    rule = models.CharField(_("rule"), max_length=200)
    due_by = models.DateField(_("due by"))
    computed_on = models.DateField(_("computed on"))

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("due item")
        verbose_name_plural = _("due items")
        ordering = ["due_by", "item"]
        constraints = [models.UniqueConstraint(fields=["member", "item", "key"], name="due_item_once")]

    def __str__(self):
        return f"{self.get_item_display()} · {self.rule}"

    @property
    def is_overdue(self) -> bool:
        return self.due_by < self.computed_on
