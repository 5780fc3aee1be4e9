"""The person registry: registration, edits, a person's death or move and its undoing, households.

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from beneficiaries import rules
from beneficiaries.models import (
    Enrolment,
    Household,
    Person,
    UserPerson,
    normalize_card,
)
from beneficiaries.services.batches import trim_draft_lines
from beneficiaries.services.recoveries import recoveries_record
from core.pinyin import search_key
from org.audit import audited_save, audited_update
from org.models import Division
from org.roles import FIELD, OFFICE, require_role
from org.scoping import division_in_scope, scope_prefix


def _check_village(*, user, village: Division, field: str = "village") -> None:
    problem = rules.village_error(village, scope_prefix=scope_prefix(user))
    if problem:
        raise rules.validation_error({field: problem})


def _duplicate_error(*, user, id_number: str) -> ValidationError:
    existing = Person.objects.with_id_number(id_number).select_related("village__parent").first()
    if existing is not None and division_in_scope(user, existing.village):
        where = f"{existing.village.parent.name}{existing.village.name}"
        message = gettext("ID number %(id)s is already registered (%(name)s, %(where)s).") % {
            "id": existing.masked_id_number,
            "name": existing.name,
            "where": where,
        }
        return ValidationError({"id_number": ValidationError(message, code="duplicate_id")})
    return rules.validation_error({"id_number": rules.registered_elsewhere(id_number)})


@transaction.atomic
def person_register(
    *,
    user,
    id_number: str,
    name: str,
    village: Division,
    phone: str = "",
    household: Household | None = None,
    household_number: str = "",
    relation: str = "",
    bank_card: str = "",
    bank_name: str = "",
    today: datetime.date | None = None,
) -> Person:
    """Register a person once for the whole portal. Birth date and sex come from the ID number.

    Refuses what beneficiaries.rules.registration_check refuses (the roster import asks the
    same): a malformed ID (length, characters, birth date, checksum), no name, a village outside
    the user's area, a bank card that is not 12–19 digits, a household of another village; and
    an ID already registered anywhere (also when two registrations race: the database's unique
    index decides).
    ``household_number`` (instead of ``household``) joins the village's household of that number,
    creating it when it is new: the registration form's way.
    """
    require_role(user, *FIELD)
    household_number = (household_number or "").strip()
    check = rules.registration_check(
        id_number=id_number,
        name=name,
        village=village,
        scope_prefix=scope_prefix(user),
        bank_card=bank_card,
        household_village_id=household.village_id if household is not None else None,
        today=today or timezone.localdate(),
    )
    if check.errors:
        raise rules.validation_error(check.errors)
    info, name, card = check.id_info, check.name, check.bank_card
    if household is None and household_number:
        household = Household.objects.filter(village=village, number=household_number).first()
        if household is None:
            household = household_create(user=user, village=village, number=household_number)
    person = Person(
        id_number=info.number,
        name=name,
        name_search=search_key(name),
        sex=info.sex,
        birth_date=info.birth_date,
        village=village,
        household=household,
        relation=relation,
        phone=(phone or "").strip(),
        bank_card=card,
        bank_name=(bank_name or "").strip(),
        bank_card_recorded_at=timezone.now() if card else None,
    )
    person.full_clean(
        exclude=["id_number_cipher", "id_number_index", "bank_card_cipher", "bank_card_index"],
        validate_unique=False,
    )
    try:
        with transaction.atomic():
            audited_save(person, user=user)
    except IntegrityError:
        raise _duplicate_error(user=user, id_number=info.number) from None
    return person


@transaction.atomic
def person_update(*, user, person: Person, **changes) -> Person:
    """Change name, phone, household, relation or bank card. The ID number never changes here
    (a wrong ID is a new registration after the old one is closed)."""
    require_role(user, *FIELD)
    person = Person.objects.visible_to(user).select_for_update().get(pk=person.pk)
    allowed = {"name", "phone", "household", "relation", "bank_card", "bank_name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: gettext("This field cannot be changed here.")})
    if "bank_card" in changes:
        changes["bank_card"] = normalize_card(changes["bank_card"])
        problem = rules.bank_card_error(changes["bank_card"])
        if problem:
            raise rules.validation_error({"bank_card": problem})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationError({"name": gettext("The name is required.")})
        person.name_search = search_key(changes["name"])
    household = changes.get("household")
    if household is not None and household.village_id != person.village_id:
        raise ValidationError({"household": gettext("The household belongs to another village.")})
    if "bank_card" in changes and changes["bank_card"] != normalize_card(person.bank_card):
        # a new card (or none): a payment failed for a closed account waits for a card recorded
        # after the failure (reconciliation.reissue_card)
        person.bank_card_recorded_at = timezone.now() if changes["bank_card"] else None
    for key, value in changes.items():
        setattr(person, key, value)
    audited_save(person, user=user)
    return person


#: history_change_reason of the enrolment changes person_set_status makes by itself
EXIT_WITH_PERSON = "person-status"
RESTORE_WITH_PERSON = "person-status-corrected"


@transaction.atomic
def person_set_status(
    *, user, person: Person, status: str, on: datetime.date, today: datetime.date | None = None
) -> Person:
    """Record a death or a move out (or a return to living). The date may not be in the future.

    Dynamic management (动态管理) follows from it at once: every open enrolment of the person is
    exited with that reason and date, and their pending payments for periods starting on or
    after the date are taken out of batches still in draft (a checked or approved batch is not
    changed behind its checker's back: the anomaly check flags it). Setting a wrongly recorded
    person back to living restores the enrolments this exited, as long as nothing else changed
    them since. Days after the date already paid by an approved, sent or reconciled batch become
    recovery items (services.recoveries). The returned person carries ``enrolments_exited``,
    ``enrolments_restored`` and ``payments_removed`` counts for the message, and
    ``recoveries_recorded`` (the items written)."""
    require_role(user, *FIELD)
    if status not in Person.Status.values:
        raise ValidationError({"status": gettext("Unknown status “%(status)s”.") % {"status": status}})
    today = today or timezone.localdate()
    if status != Person.Status.LIVING and on is None:
        raise ValidationError({"status_on": gettext("Give the date of the death or the move.")})
    if status != Person.Status.LIVING and on > today:
        raise ValidationError({"status_on": gettext("The date %(date)s is in the future.") % {"date": on}})
    person = Person.objects.visible_to(user).select_for_update().get(pk=person.pk)
    was_living = person.status == Person.Status.LIVING
    person.status = status
    person.status_on = None if status == Person.Status.LIVING else on
    audited_save(person, user=user, update_fields=["status", "status_on", "updated_at"])
    person.enrolments_exited = person.enrolments_restored = person.payments_removed = 0
    if status != Person.Status.LIVING and was_living:
        reason = (
            Enrolment.ExitReason.DECEASED if status == Person.Status.DECEASED else Enrolment.ExitReason.MOVED
        )
        person.enrolments_exited, person.payments_removed = _exit_with_person(
            user=user, person=person, reason=reason, on=on
        )
    elif status == Person.Status.LIVING and not was_living:
        person.enrolments_restored = _restore_with_person(user=user, person=person)
    if status != Person.Status.LIVING:
        # days already paid out after the date: recovery items (追回), never netted later
        person.recoveries_recorded = recoveries_record(user=user, person_id=person.pk)
    return person


def _exit_with_person(*, user, person: Person, reason: str, on: datetime.date) -> tuple[int, int]:
    """Exit every open enrolment of the person, in every village (one person, one fate), and
    drop their not-yet-checked payments from ``on``."""
    note = gettext("Exited automatically when the person was recorded as %(status)s.") % {
        "status": person.get_status_display()
    }
    exited = 0
    for enrolment in (
        Enrolment.objects.select_for_update().filter(person=person).exclude(status=Enrolment.Status.EXITED)
    ):
        enrolment.status = Enrolment.Status.EXITED
        enrolment.exit_reason, enrolment.exit_on, enrolment.exit_note = reason, on, note[:200]
        audited_save(
            enrolment,
            user=user,
            update_fields=["status", "exit_reason", "exit_on", "exit_note"],
            reason=EXIT_WITH_PERSON,
        )
        exited += 1
    removed = trim_draft_lines(user=user, enrolments=Enrolment.objects.filter(person=person), last_day=on)
    return exited, removed


def _restore_with_person(*, user, person: Person) -> int:
    """Undo _exit_with_person for the enrolments whose last change was that automatic exit."""
    restored = 0
    for enrolment in Enrolment.objects.select_for_update().filter(
        person=person, status=Enrolment.Status.EXITED
    ):
        records = list(enrolment.history.order_by("-history_date", "-history_id")[:2])
        if len(records) < 2 or records[0].history_change_reason != EXIT_WITH_PERSON:
            continue
        enrolment.status = records[1].status
        enrolment.exit_reason, enrolment.exit_on, enrolment.exit_note = "", None, ""
        # one enrolment per person and project-year ever (a database constraint): nothing can have
        # taken its place in the meantime
        audited_save(
            enrolment,
            user=user,
            update_fields=["status", "exit_reason", "exit_on", "exit_note"],
            reason=RESTORE_WITH_PERSON,
        )
        restored += 1
    return restored


@transaction.atomic
def household_create(
    *, user, village: Division, number: str, address: str = "", phone: str = ""
) -> Household:
    require_role(user, *FIELD)
    _check_village(user=user, village=village)
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": gettext("The household number is required.")})
    if Household.objects.filter(village=village, number=number).exists():
        raise ValidationError(
            {
                "number": gettext("Household number %(number)s already exists in %(village)s.")
                % {"number": number, "village": village.name}
            }
        )
    household = Household(village=village, number=number, address=address.strip(), phone=phone.strip())
    audited_save(household, user=user)
    return household


@transaction.atomic
def household_set_head(*, user, household: Household, person: Person) -> Household:
    require_role(user, *FIELD)
    household = Household.objects.visible_to(user).select_for_update().get(pk=household.pk)
    if person.household_id != household.pk:
        raise ValidationError({"head": gettext("The head must be a member of the household.")})
    household.head = person
    audited_save(household, user=user, update_fields=["head"])
    audited_update(Person.objects.filter(pk=person.pk), user=user, relation=Person.Relation.HEAD)
    return household


@transaction.atomic
def user_person_link(*, user, target_user, person: Person) -> UserPerson:
    """Record which registry entry is an org user's own (for the cadre-relatives check)."""
    require_role(user, *OFFICE)
    person = Person.objects.visible_to(user).get(pk=person.pk)
    link, _created = UserPerson.objects.update_or_create(user=target_user, defaults={"person": person})
    return link
