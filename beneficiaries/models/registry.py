"""The person registry: one Person per national ID across the whole portal, and households.

The ID number and the bank card number are encrypted at rest (``core.crypto``); the table
holds a ciphertext and a keyed blind index, never the number itself. Lookup and uniqueness go
through the index. Also each org user's own entry (UserPerson), for the cadre-relatives check.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.masking import mask_bank_card, mask_id_number, mask_name
from core.crypto import EncryptedValue
from core.idcard import normalize_id_number
from org.models import Division
from org.querysets import ScopedQuerySet


def normalize_card(value) -> str:
    return "".join(str(value or "").split())


# The audit tables are read by object (id), date and user only; simple_history would otherwise copy
# every foreign key's index onto them, which imports and batches pay for on every row.
HISTORY_UNINDEXED = [
    "village",
    "household",
    "head",
    "project",
    "person",
    "village_notice",
    "township_notice",
    "final_notice",
    "approved_by",
    "created_by",
    "batch",
    "enrolment",
    "standard",
    "reissue_of",
]


class Household(models.Model):
    """A registered household (户) of a village."""

    village = models.ForeignKey(
        Division,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": Division.Level.VILLAGE},
    )
    number = models.CharField(_("household number"), max_length=30)
    address = models.CharField(_("address"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    head = models.ForeignKey(
        "Person",
        verbose_name=_("head of household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(no_db_index=HISTORY_UNINDEXED)

    SCOPE_PATH = "village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="household_number_unique_per_village"),
        ]

    def __str__(self):
        return f"{self.village} {self.number}"


class PersonQuerySet(ScopedQuerySet):
    def with_id_number(self, id_number: str):
        return self.filter(id_number_index=Person.id_number.index_of(id_number))

    def with_bank_card(self, card: str):
        return self.filter(bank_card_index=Person.bank_card.index_of(card))


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Status(models.TextChoices):
        LIVING = "living", _("living")
        DECEASED = "deceased", _("deceased")
        MOVED_OUT = "moved_out", _("moved out")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        SIBLING = "sibling", _("sibling")
        OTHER = "other", _("other relative")

    id_number_cipher = models.TextField(_("ID number (encrypted)"), editable=False)
    # Unique by the constraint in Meta (a unique=True field would also get a LIKE index, useless
    # for a keyed hash that is only ever compared whole).
    id_number_index = models.CharField(_("ID number index"), max_length=64, editable=False)
    id_number = EncryptedValue("id", normalise=normalize_id_number)

    name = models.CharField(_("name"), max_length=40)
    # Searched with "contains" (LIKE '%…%'), which no B-tree index helps: none is kept.
    name_search = models.CharField(_("pinyin"), max_length=200, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    village = models.ForeignKey(
        Division,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="persons",
        limit_choices_to={"level": Division.Level.VILLAGE},
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation = models.CharField(
        _("relation to the head"), max_length=12, choices=Relation.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.LIVING)
    status_on = models.DateField(_("status since"), null=True, blank=True)

    bank_card_cipher = models.TextField(_("bank card (encrypted)"), blank=True, editable=False)
    bank_card_index = models.CharField(
        _("bank card index"), max_length=64, null=True, blank=True, editable=False
    )
    bank_card = EncryptedValue("card", normalise=normalize_card)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    # When the card on record was typed in: a payment failed for a closed account is re-issued
    # only to a card recorded after the failure (reconciliation.reissue_card).
    bank_card_recorded_at = models.DateTimeField(
        _("bank card recorded at"), null=True, blank=True, editable=False
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(no_db_index=HISTORY_UNINDEXED)

    SCOPE_PATH = "village"
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["village__code", "name", "pk"]
        indexes = [models.Index(fields=["bank_card_index"], name="person_bank_card_index")]
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="person_id_number_unique"),
            models.CheckConstraint(
                condition=models.Q(status="living", status_on__isnull=True)
                | (~models.Q(status="living") & models.Q(status_on__isnull=False)),
                name="person_status_date_matches_status",
                violation_error_message=_(
                    "A deceased or moved-out person needs the date; a living one none."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_bank_card(self) -> str:
        return mask_bank_card(self.bank_card)

    @property
    def is_living(self) -> bool:
        return self.status == self.Status.LIVING


class UserPerson(models.Model):
    """An org user's own entry in the registry, so the cadre-relatives check can find their
    household (org/models.py stays untouched)."""

    user = models.OneToOneField(
        "org.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")

    SCOPE_PATH = "person__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("user's own registry entry")
        verbose_name_plural = _("users' own registry entries")

    def __str__(self):
        return f"{self.user} = {self.person}"
