"""The pioneer index (先锋指数): a township's items for a year, the branches' manual entries and
each member's computed score."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Division
from org.querysets import ScopedQuerySet
from partycare.models.members import USER, PartyMember


class PioneerItem(models.Model):
    """One item of a township's pioneer index (先锋指数) for a year: base or bonus, points per
    unit and a maximum. ``source`` says where the units come from: records the portal already
    holds (trainings attended, visits made, concerns resolved, commitments kept), or entries
    the branch types (manual)."""

    class Section(models.TextChoices):
        BASE = "base", _("base item")
        BONUS = "bonus", _("bonus item")

    class Source(models.TextChoices):
        MANUAL = "manual", _("entered by the branch")
        TRAININGS = "trainings", _("trainings attended")
        VISITS = "visits", _("visits made")
        CONCERNS = "concerns", _("concerns resolved")
        COMMITMENTS = "commitments", _("commitments kept")

    division = models.ForeignKey(
        Division,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Division.Level.TOWNSHIP},
    )
    year = models.PositiveIntegerField(_("year"))
    section = models.CharField(_("section"), max_length=10, choices=Section.choices)
    name = models.CharField(_("name"), max_length=80)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    points_per_unit = models.DecimalField(_("points per unit"), max_digits=6, decimal_places=2)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pioneer index item")
        verbose_name_plural = _("pioneer index items")
        ordering = ["division__code", "year", "section", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["division", "year", "name"], name="pioneer_item_unique_name"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="pioneer_item_max_not_negative"),
        ]

    def __str__(self):
        return self.name


class PioneerEntry(models.Model):
    """Units of a manual item entered by the branch for one member."""

    item = models.ForeignKey(
        PioneerItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="entries"
    )
    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.CASCADE, related_name="pioneer_entries"
    )
    units = models.DecimalField(_("units"), max_digits=6, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    history = HistoricalRecords()

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pioneer index entry")
        verbose_name_plural = _("pioneer index entries")
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="pioneer_entry_once")]

    def __str__(self):
        return f"{self.item_id}:{self.member_id} {self.units}"


class PioneerScore(models.Model):
    """A member's computed pioneer index of a year, with the per-item breakdown and the rank
    in the branch. Recomputed from the records; never typed."""

    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.CASCADE, related_name="pioneer_scores"
    )
    year = models.PositiveIntegerField(_("year"))
    base_points = models.DecimalField(_("base points"), max_digits=8, decimal_places=2)
    bonus_points = models.DecimalField(_("bonus points"), max_digits=8, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2)
    rank_in_branch = models.PositiveIntegerField(_("rank in branch"))
    breakdown = models.JSONField(_("breakdown"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pioneer index")
        verbose_name_plural = _("pioneer indexes")
        ordering = ["member__branch__name", "rank_in_branch"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="pioneer_score_once_per_year")]

    def __str__(self):
        return f"{self.year} {self.total}"
