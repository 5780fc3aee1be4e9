"""The administrative tree, departments and users with their role and scope.

Scope follows the tree province → city → county → township → village. A division's
administrative code encodes the tree: a province has 2 digits, a city its province's code plus
two, a county its city's code plus two, a township its county's code plus three digits, a
village its township's code plus three digits (34 → 3415 → 341522 → 341522101 → …). The
scoping function in ``org.scoping`` uses that prefix.
"""

import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.querysets import ScopedQuerySet
from org.roles import READ_ONLY, Role

models.CharField.register_lookup(Length)

CODE_LENGTHS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
CODE_PATTERN = re.compile(r"^(?:\d{2}|\d{4}|\d{6}(?:\d{3}){0,2})$")


class Division(models.Model):
    """A province, city, county, township or village (社区 counts as a village). A county may
    stand alone (no parent) or sit under its city."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")

    PARENT_LEVEL = {
        Level.CITY: Level.PROVINCE,
        Level.COUNTY: Level.CITY,
        Level.TOWNSHIP: Level.COUNTY,
        Level.VILLAGE: Level.TOWNSHIP,
    }
    #: levels whose parent may be missing (a county deployed without the levels above it)
    OPTIONAL_PARENT = {Level.COUNTY}

    code = models.CharField(
        _("administrative code"),
        max_length=12,
        unique=True,
        help_text=_(
            "2 digits for a province, 4 for a city, 6 for a county, 9 for a township, 12 for a village."
        ),
    )
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    SCOPE_PATH = ""  # a division is scoped by its own code
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(level="province", code__length=2, parent__isnull=True)
                    | models.Q(level="city", code__length=4, parent__isnull=False)
                    | models.Q(level="county", code__length=6)
                    | models.Q(level="township", code__length=9, parent__isnull=False)
                    | models.Q(level="village", code__length=12, parent__isnull=False)
                ),
                name="division_code_length_matches_level",
                violation_error_message=_("The administrative code's length does not match the level."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.code and not CODE_PATTERN.match(self.code):
            errors["code"] = gettext(
                "Administrative code “%(code)s” is malformed: use 2, 4, 6, 9 or 12 digits."
            ) % {"code": self.code}
        elif self.code and self.level and len(self.code) != CODE_LENGTHS.get(self.level, 0):
            errors["code"] = gettext(
                "A %(level)s's administrative code has %(length)d digits; “%(code)s” has %(actual)d."
            ) % {
                "level": self.Level(self.level).label,
                "length": CODE_LENGTHS[self.level],
                "code": self.code,
                "actual": len(self.code),
            }
        expected_parent = self.PARENT_LEVEL.get(self.level)
        if self.level == self.Level.PROVINCE and self.parent_id:
            errors["parent"] = gettext("A province has no parent division.")
        elif self.level in self.OPTIONAL_PARENT and not self.parent_id:
            pass
        elif expected_parent and not self.parent_id:
            errors["parent"] = gettext("A %(level)s needs a parent %(parent)s.") % {
                "level": self.Level(self.level).label,
                "parent": self.Level(expected_parent).label,
            }
        elif expected_parent and self.parent.level != expected_parent:
            errors["parent"] = gettext(
                "The parent of a %(level)s must be a %(parent)s, not a %(actual)s."
            ) % {
                "level": self.Level(self.level).label,
                "parent": self.Level(expected_parent).label,
                "actual": self.parent.get_level_display(),
            }
        elif expected_parent and "code" not in errors and not self.code.startswith(self.parent.code):
            errors["code"] = gettext(
                "Administrative code “%(code)s” must start with its parent's code %(parent_code)s."
            ) % {"code": self.code, "parent_code": self.parent.code}
        if errors:
            raise ValidationError(errors)

    @property
    def is_village(self) -> bool:
        return self.level == self.Level.VILLAGE


class Department(models.Model):
    """A lead unit (牵头部门) such as 民政所 or 卫生院, attached to the division it serves."""

    name = models.CharField(_("name"), max_length=60)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="departments"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_livelihood_office = models.BooleanField(
        _("livelihood office"), default=False, help_text=_("The township's 民生办.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["division__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="department_unique_name_per_division"),
        ]

    def __str__(self):
        return self.name


# The division level each role is attached to (DESIGN.md, "Who uses it").
ROLE_LEVEL = {
    Role.TOWNSHIP_STAFF: Division.Level.TOWNSHIP,
    Role.TOWNSHIP_LEADER: Division.Level.TOWNSHIP,
    Role.VILLAGE_CADRE: Division.Level.VILLAGE,
    Role.COUNTY_REVIEWER: Division.Level.COUNTY,
    Role.COUNTY_AUDITOR: Division.Level.COUNTY,
    Role.CITY_REVIEWER: Division.Level.CITY,
    Role.CITY_AUDITOR: Division.Level.CITY,
    Role.PROVINCE_REVIEWER: Division.Level.PROVINCE,
    Role.PROVINCE_AUDITOR: Division.Level.PROVINCE,
}


class PortalUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A portal user. Superusers (the system administrator) have no role and see everything;
    everyone else has exactly one role and one division, which together give their scope."""

    full_name = models.CharField(_("full name"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    history = HistoricalRecords(excluded_fields=["last_login", "password"])

    SCOPE_PATH = "division"
    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(division__isnull=False),
                name="user_role_needs_division",
                violation_error_message=_("A user with a role needs a division."),
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def clean(self):
        super().clean()
        errors = {}
        if self.role and not self.division_id:
            errors["division"] = gettext("A %(role)s must be attached to a division.") % {
                "role": Role(self.role).label
            }
        elif self.role and self.division.level != ROLE_LEVEL[Role(self.role)]:
            errors["division"] = gettext(
                "A %(role)s must be attached to a %(level)s; “%(division)s” is a %(actual)s."
            ) % {
                "role": Role(self.role).label,
                "level": Division.Level(ROLE_LEVEL[Role(self.role)]).label,
                "division": self.division.name,
                "actual": self.division.get_level_display(),
            }
        elif not self.role and self.division_id and not self.is_superuser:
            errors["role"] = gettext("A user attached to a division needs a role.")
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_read_only(self) -> bool:
        """Auditors at every level, and every role above the county, change nothing
        (``org.roles.READ_ONLY``)."""
        return self.role in READ_ONLY


class AccessLog(models.Model):
    """Who saw or downloaded personal data unmasked, or downloaded a report: kept for audit."""

    class Action(models.TextChoices):
        VIEW_UNMASKED = "view_unmasked", _("Viewed unmasked personal data")
        DOWNLOAD = "download", _("Downloaded")
        DOWNLOAD_UNMASKED = "download_unmasked", _("Downloaded unmasked personal data")

    #: the actions that exposed whole ID or bank card numbers
    UNMASKED_ACTIONS = (Action.VIEW_UNMASKED, Action.DOWNLOAD_UNMASKED)

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="access_logs"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    what = models.CharField(_("what"), max_length=200)
    object_type = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    rows = models.PositiveIntegerField(
        _("rows"),
        default=0,
        help_text=_(
            "The data rows seen or downloaded: records, not headers or totals; "
            "for a PDF, the records its tables list."
        ),
    )
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Who asked for the downloaded file (a background job's requester). Only they and "
            "the system administrator may download it."
        ),
    )
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    SCOPE_PATH = "division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.what}"

    @property
    def is_unmasked(self) -> bool:
        return self.action in self.UNMASKED_ACTIONS
