"""Hardship aid (帮扶救助): the yearly aid standards and the members' applications, branch check
to payment."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.querysets import ScopedQuerySet
from org.scoping import scope_prefix
from partycare.models.members import MONEY, USER, PartyMember


class AidStandardQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # County-wide configuration: every user with a scope reads it.
        return self.all() if scope_prefix(user) is not None else self.none()


class AidStandard(models.Model):
    """The amounts of one year's hardship aid: the minimum (old-member allowance ≥ 200 元), the
    usual amount and the cap above which a reason is required."""

    class Kind(models.TextChoices):
        OLD_MEMBER_ALLOWANCE = "old_member_allowance", _("old-member allowance")
        ONE_OFF = "one_off", _("one-off hardship aid")

    year = models.PositiveIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    minimum = models.DecimalField(_("minimum (yuan)"), **MONEY)
    standard = models.DecimalField(_("usual amount (yuan)"), **MONEY)
    cap = models.DecimalField(_("cap without a reason (yuan)"), **MONEY)
    history = HistoricalRecords()

    SCOPE_PATH = ""
    objects = AidStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("aid standard")
        verbose_name_plural = _("aid standards")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["year", "kind"], name="aid_standard_once_per_year"),
            models.CheckConstraint(
                condition=Q(minimum__lte=models.F("standard")) & Q(standard__lte=models.F("cap")),
                name="aid_standard_ordered",
                violation_error_message=_("Minimum ≤ usual amount ≤ cap."),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"


class AidApplication(models.Model):
    """Hardship aid (帮扶救助) for one member: branch check → public notice with no unanswered
    objection → township check → county approval → paid; each step by another person."""

    Kind = AidStandard.Kind

    class Cause(models.TextChoices):
        AGE = "age", _("old member, no fixed allowance")
        DISASTER = "disaster", _("natural disaster")
        ACCIDENT = "accident", _("serious accident")
        ILLNESS = "illness", _("serious illness")
        OTHER = "other", _("other hardship")

    class Status(models.TextChoices):
        DRAFT = "draft", _("prepared")
        BRANCH_CHECKED = "branch_checked", _("checked by the branch")
        IN_NOTICE = "in_notice", _("in public notice")
        TOWNSHIP_CHECKED = "township_checked", _("checked by the township")
        COUNTY_APPROVED = "county_approved", _("approved by the county")
        PAID = "paid", _("paid")
        REJECTED = "rejected", _("rejected")

    member = models.ForeignKey(
        PartyMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="aid_applications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    year = models.PositiveIntegerField(_("year"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    situation = models.TextField(_("situation"), blank=True)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    amount_reason = models.CharField(_("reason for the amount above the cap"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(
        USER, verbose_name=_("prepared by"), on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    branch_checked_by = models.ForeignKey(
        USER,
        verbose_name=_("branch check by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch_checked_at = models.DateTimeField(_("branch check at"), null=True, blank=True)
    notice_by = models.ForeignKey(
        USER,
        verbose_name=_("notice posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice_reference = models.CharField(_("notice reference"), max_length=80, blank=True)
    notice_id = models.PositiveBigIntegerField(_("public notice"), null=True, blank=True)
    notice_starts_on = models.DateField(_("notice from"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice until"), null=True, blank=True)
    township_checked_by = models.ForeignKey(
        USER,
        verbose_name=_("township check by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    township_checked_at = models.DateTimeField(_("township check at"), null=True, blank=True)
    county_approved_by = models.ForeignKey(
        USER,
        verbose_name=_("county approval by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county_approved_at = models.DateTimeField(_("county approval at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        USER,
        verbose_name=_("payment recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=80, blank=True)
    rejected_by = models.ForeignKey(
        USER, verbose_name=_("rejected by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=200, blank=True)
    history = HistoricalRecords()

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("aid application")
        verbose_name_plural = _("aid applications")
        ordering = ["-prepared_at", "-pk"]
        indexes = [models.Index(fields=["status", "year"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="aid_amount_positive"),
            models.UniqueConstraint(
                fields=["member", "year"],
                condition=Q(kind="old_member_allowance") & ~Q(status="rejected"),
                name="aid_allowance_once_per_member_and_year",
                violation_error_message=_("This member already has an old-member allowance for that year."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year} · {self.member}"
