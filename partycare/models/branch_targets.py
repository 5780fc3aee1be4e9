"""创先争优, the branches' yearly targets: public commitments and their check, the branches'
ratings and the members' democratic appraisal."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.querysets import ScopedQuerySet
from partycare.models.members import USER, Branch, PartyMember


class Commitment(models.Model):
    """A yearly public commitment (公开承诺) of a branch (member empty) or of one member, and its
    check at the year's end (践诺)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        KEPT = "kept", _("kept")
        NOT_KEPT = "not_kept", _("not kept")

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="commitments"
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    year = models.PositiveIntegerField(_("year"))
    text = models.CharField(_("commitment"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    checked_by = models.ForeignKey(
        USER, verbose_name=_("checked by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    history = HistoricalRecords()

    SCOPE_PATH = "branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["-year", "branch__name", "pk"]

    def __str__(self):
        return self.text


class BranchRating(models.Model):
    """The year's rating of a branch (创先争优: ≥ 60 % of branches rated advanced)."""

    class Rating(models.TextChoices):
        ADVANCED = "advanced", _("advanced")
        GOOD = "good", _("good")
        ORDINARY = "ordinary", _("ordinary")
        WEAK = "weak", _("weak")

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="ratings"
    )
    year = models.PositiveIntegerField(_("year"))
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)
    history = HistoricalRecords()

    SCOPE_PATH = "branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("branch rating")
        verbose_name_plural = _("branch ratings")
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="branch_rating_once_per_year")]

    def __str__(self):
        return f"{self.year} {self.get_rating_display()}"


class MemberRating(models.Model):
    """The year's democratic appraisal of a member (15 % rated excellent is the target)."""

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        QUALIFIED = "qualified", _("qualified")
        BASICALLY_QUALIFIED = "basically_qualified", _("basically qualified")
        UNQUALIFIED = "unqualified", _("unqualified")

    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.CASCADE, related_name="ratings"
    )
    year = models.PositiveIntegerField(_("year"))
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices)
    history = HistoricalRecords()

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("member rating")
        verbose_name_plural = _("member ratings")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="member_rating_once_per_year")]

    def __str__(self):
        return f"{self.year} {self.get_rating_display()}"
