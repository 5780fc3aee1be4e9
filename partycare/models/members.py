"""Party branches (党支部, 党总支) and their members: one registry person each, with the groups
the care rules name. Age and party age are computed (``partycare.ages``), never typed."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Division
from org.querysets import ScopedQuerySet
from partycare.ages import full_years

MONEY = {"max_digits": 14, "decimal_places": 2}
USER = settings.AUTH_USER_MODEL


class Branch(models.Model):
    """A party branch (党支部) of a village, or a township's general branch (党总支)."""

    class Kind(models.TextChoices):
        BRANCH = "branch", _("Party branch")
        GENERAL_BRANCH = "general_branch", _("General party branch")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BRANCH)
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="party_branches",
        limit_choices_to={"level__in": [Division.Level.TOWNSHIP, Division.Level.VILLAGE]},
    )
    secretary = models.CharField(_("secretary"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        ordering = ["division__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="branch_unique_name_per_division"),
        ]

    def __str__(self):
        return self.name


class PartyMember(models.Model):
    """A party member: one registry person, one branch, a join date and the groups the care
    rules name (四必访, 离任村干部 …)."""

    class Status(models.TextChoices):
        FULL = "full", _("full member")
        PROBATIONARY = "probationary", _("probationary member")
        TRANSFERRED_OUT = "transferred_out", _("transferred out")
        DECEASED = "deceased", _("deceased")

    ACTIVE_STATUSES = (Status.FULL, Status.PROBATIONARY)

    person = models.OneToOneField(
        "beneficiaries.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="party_member",
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="members"
    )
    joined_on = models.DateField(_("joined the party on"))
    full_member_on = models.DateField(
        _("full membership on"),
        null=True,
        blank=True,
        help_text=_("Party age counts from this date when it is known, otherwise from the join date."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.FULL)
    status_on = models.DateField(_("status since"), null=True, blank=True)
    is_model_worker = models.BooleanField(_("model worker or commended"), default=False)
    is_former_cadre = models.BooleanField(_("former grassroots cadre"), default=False)
    is_retired_village_cadre = models.BooleanField(_("retired village cadre"), default=False)
    is_entrepreneur = models.BooleanField(_("entrepreneur model"), default=False)
    is_in_hardship = models.BooleanField(_("in hardship"), default=False)
    is_migrant = models.BooleanField(_("migrant"), default=False)
    is_chronically_ill = models.BooleanField(_("chronically ill"), default=False)
    is_housebound = models.BooleanField(
        _("cannot attend activities"),
        default=False,
        help_text=_("Too ill or frail to attend: not counted in the yearly training target."),
    )
    has_fixed_allowance = models.BooleanField(
        _("has a fixed allowance or income"),
        default=False,
        help_text=_("Receives the fixed allowance (定补) or has a fixed income: no old-member allowance."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    SCOPE_PATH = "branch__division"
    objects = ScopedQuerySet.as_manager()

    FLAG_FIELDS = (
        "is_model_worker",
        "is_former_cadre",
        "is_retired_village_cadre",
        "is_entrepreneur",
        "is_in_hardship",
        "is_migrant",
        "is_chronically_ill",
        "is_housebound",
        "has_fixed_allowance",
    )

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["branch__division__code", "branch__name", "person__name", "pk"]
        indexes = [models.Index(fields=["status", "joined_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["full", "probationary"]) | Q(status_on__isnull=False),
                name="member_left_needs_date",
                violation_error_message=_("A transferred-out or deceased member needs the date."),
            ),
            models.CheckConstraint(
                condition=Q(full_member_on__isnull=True) | Q(full_member_on__gte=models.F("joined_on")),
                name="member_full_after_join",
                violation_error_message=_("Full membership cannot come before joining."),
            ),
        ]

    def __str__(self):
        return self.person.name if self.person_id else "—"

    @property
    def is_active_member(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def party_age_from(self) -> datetime.date:
        return self.full_member_on or self.joined_on

    def age_on(self, day: datetime.date) -> int:
        return full_years(self.person.birth_date, day)

    def party_age_on(self, day: datetime.date) -> int:
        return full_years(self.party_age_from, day)

    def flags(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name) for name in self.FLAG_FIELDS if getattr(self, name)
        ]
