"""Party-member care (暖心工程, 党群连心, 创先争优): branches, members, care cases, holiday
campaigns, hardship aid, pairing, trainings, the pioneer index and the branches' yearly targets.

A party member IS a person of the registry (``beneficiaries.Person``): name, ID number, birth
date and village live there once. Age and party age are computed (``partycare.eligibility``),
never typed. Everything is scoped through the branch's division (a village branch, or a
township's 党总支). Home visits and residents' concerns live in ``fieldwork``.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Division
from org.querysets import ScopedQuerySet
from org.scoping import scope_prefix, scope_q

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
        from partycare.eligibility import full_years

        return full_years(self.person.birth_date, day)

    def party_age_on(self, day: datetime.date) -> int:
        from partycare.eligibility import full_years

        return full_years(self.party_age_from, day)

    def flags(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name) for name in self.FLAG_FIELDS if getattr(self, name)
        ]


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


class Training(models.Model):
    """A training or study session (三会一课, 专题培训, 远程教育) and who attended."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("branch meeting or party lecture")
        COURSE = "course", _("special training")
        REMOTE = "remote", _("remote education")

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="trainings"
    )
    held_on = models.DateField(_("held on"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MEETING)
    topic = models.CharField(_("topic"), max_length=120)
    attendees = models.ManyToManyField(
        PartyMember, verbose_name=_("attendees"), through="TrainingAttendance", related_name="trainings"
    )
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    SCOPE_PATH = "branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.held_on} {self.topic}"


class TrainingAttendance(models.Model):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="attendance")

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["training", "member"], name="attendance_once_per_training"),
        ]

    def __str__(self):
        return f"{self.training_id}:{self.member_id}"


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
