"""结对帮扶: a helper paired with a member or a household in need, and the contacts logged under
the pair."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Division
from org.querysets import ScopedQuerySet
from partycare.models.members import MONEY, USER, PartyMember


class Pairing(models.Model):
    """结对帮扶: a helper (a cadre or a better-off member) paired with a member or a household in
    need. Visits and help are logged under the pair."""

    class HelperKind(models.TextChoices):
        CADRE = "cadre", _("cadre")
        MEMBER = "member", _("better-off member")

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    helper_kind = models.CharField(_("helper is"), max_length=10, choices=HelperKind.choices)
    helper_name = models.CharField(_("helper"), max_length=40)
    helper_user = models.ForeignKey(
        USER,
        verbose_name=_("helper (portal user)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings_as_helper",
        help_text=_("A cadre who uses the portal: the pair shows among their own."),
    )
    helper_member = models.ForeignKey(
        PartyMember,
        verbose_name=_("helper (member)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings_as_helper",
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("member in need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    household = models.ForeignKey(
        "beneficiaries.Household",
        verbose_name=_("household in need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_on = models.DateField(_("paired since"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["division__code", "helper_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False) & Q(household__isnull=True))
                | (Q(member__isnull=True) & Q(household__isnull=False)),
                name="pairing_one_target",
                violation_error_message=_("Pair the helper with a member or a household, not both."),
            ),
        ]

    def __str__(self):
        return f"{self.helper_name} → {self.member or self.household}"


class PairingContact(models.Model):
    """A visit or a piece of help under a pairing."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("visit")
        HELP = "help", _("practical help")
        PHONE = "phone", _("phone call")

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="contacts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VISIT)
    occurred_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)
    money = models.DecimalField(_("money given (yuan)"), default=0, **MONEY)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    SCOPE_PATH = "pairing__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing contact")
        verbose_name_plural = _("pairing contacts")
        ordering = ["-occurred_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(money__gte=0), name="pairing_money_not_negative")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_on}"
