"""The per-row rules of the person registry and of enrolments, in one place.

The services (one record at a time; the pages and the API go through them) and the roster
import (up to 50,000 rows) call these same functions, so a row the import takes is a row the
registration and enrolment pages would take, and the other way round. Each function is pure:
values in, ``{field: message}`` out (empty when the row is fine), no queries. What a rule needs
from the database (the person's status, whether they are already enrolled) is passed in, so the
import fetches it once for all its rows and the services for their one record.

A message is a ``Refusal``: a str that also carries the rule's code, which
``validation_error`` keeps as the ValidationError's code.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from beneficiaries.models import Person, normalize_card
from common.masking import mask_id_number
from core.idcard import IdInfo, parse_id_number
from org.models import Division

BANK_CARD_DIGITS = (12, 19)
MAX_PERSONS_COVERED = 30


class Refusal(str):
    """A rule's message, with ``code`` naming the rule."""

    code: str | None

    def __new__(cls, message: str, code: str | None = None):
        refusal = super().__new__(cls, message)
        refusal.code = code
        return refusal


def validation_error(errors: dict[str, str]) -> ValidationError:
    """The services' way to refuse: one ValidationError naming every field, codes kept."""
    return ValidationError(
        {
            field: ValidationError(str(message), code=getattr(message, "code", None))
            for field, message in errors.items()
        }
    )


# --- registration --------------------------------------------------------------------------


def bank_card_error(card: str) -> Refusal | None:
    """``card`` already normalised (normalize_card): empty, or 12 to 19 digits."""
    low, high = BANK_CARD_DIGITS
    if card and (not card.isdigit() or not low <= len(card) <= high):
        return Refusal(
            gettext("Bank card number “%(value)s” must be 12 to 19 digits.") % {"value": card}, "bank_card"
        )
    return None


def village_error(village: Division | None, *, scope_prefix: str | None) -> Refusal | None:
    """A person lives in a village (村/社区) inside the user's area (``org.scoping.scope_prefix``)."""
    if village is None or village.level != Division.Level.VILLAGE:
        return Refusal(gettext("Choose a village (村/社区), not a township or county."), "not_a_village")
    if scope_prefix is None or not village.code.startswith(scope_prefix):
        return Refusal(
            gettext("%(village)s is outside your area.") % {"village": village.name}, "village_outside_area"
        )
    return None


def registered_elsewhere(id_number: str) -> Refusal:
    """The ID is registered to a person outside the user's area: never a second entry, never a
    silent move."""
    return Refusal(
        gettext(
            "ID number %(id)s is already registered in another area: ask the township office to move the person."
        )
        % {"id": mask_id_number(id_number)},
        "duplicate_id",
    )


@dataclass(frozen=True, slots=True)
class Registration:
    """What registration_check found: the errors, and the clean values when there are none."""

    errors: dict[str, Refusal]
    id_info: IdInfo | None
    name: str
    bank_card: str


def registration_check(
    *,
    id_number,
    name,
    village: Division | None,
    scope_prefix: str | None,
    bank_card="",
    household_village_id: int | None = None,
    today: datetime.date,
) -> Registration:
    """The rules of one registration: a well-formed ID (length, characters, birth date,
    checksum), a name, a village in the user's area, a bank card of 12 to 19 digits (or none),
    a household (when given) of that village. Whether the ID is registered already is the
    caller's to ask (the import enrols a registered person; the registration page refuses)."""
    errors: dict[str, Refusal] = {}
    try:
        info = parse_id_number(id_number, today=today)
    except ValidationError as error:
        info = None
        errors["id_number"] = Refusal(" ".join(error.messages), error.error_list[0].code)
    name = (name or "").strip()
    if not name:
        errors["name"] = Refusal(gettext("The name is required."), "required")
    problem = village_error(village, scope_prefix=scope_prefix)
    if problem:
        errors["village"] = problem
    card = normalize_card(bank_card)
    problem = bank_card_error(card)
    if problem:
        errors["bank_card"] = problem
    if household_village_id is not None and village is not None and household_village_id != village.pk:
        errors["household"] = Refusal(
            gettext("The household belongs to another village."), "household_village"
        )
    return Registration(errors=errors, id_info=info, name=name, bank_card=card)


def registration_errors(**values) -> dict[str, Refusal]:
    """registration_check's errors only (same keyword arguments)."""
    return registration_check(**values).errors


# --- enrolment -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the enrolment rules need to know of a person (registered or about to be)."""

    name: str
    id_number: str
    birth_date: datetime.date
    status: str = Person.Status.LIVING
    status_on: datetime.date | None = None
    household_id: int | None = None

    @classmethod
    def of(cls, person: Person) -> "PersonFacts":
        return cls(
            name=person.name,
            id_number=person.id_number,
            birth_date=person.birth_date,
            status=person.status,
            status_on=person.status_on,
            household_id=person.household_id,
        )


def already_enrolled(*, person: PersonFacts, project) -> Refusal:
    return Refusal(
        gettext("%(name)s (%(id)s) is already enrolled in %(project)s %(year)s.")
        % {
            "name": person.name,
            "id": mask_id_number(person.id_number),
            "project": project.name,
            "year": project.year,
        },
        "enrolled_twice",
    )


def enrolment_errors(
    *,
    person: PersonFacts,
    village: Division,
    project,
    applied_on: datetime.date,
    persons_covered,
    today: datetime.date,
    is_enrolled: bool,
    household_id: int | None = None,
) -> dict[str, Refusal]:
    """The rules of one enrolment of ``person`` (living in ``village``) in ``project`` (a
    project-year; its ``division`` must be loaded): the person living (not deceased or moved
    out), not enrolled in the project-year already (``is_enrolled``: the caller asks the
    database, in bulk for an import), the project run where they live, 1 to 30 persons covered,
    applied on a date neither in the future nor before the person was born, and the household
    (when given) the person's own."""
    errors: dict[str, Refusal] = {}
    if person.status != Person.Status.LIVING:
        errors["person"] = Refusal(
            gettext("%(name)s is recorded as %(status)s since %(date)s and cannot be enrolled.")
            % {"name": person.name, "status": Person.Status(person.status).label, "date": person.status_on},
            "not_living",
        )
    elif is_enrolled:
        errors["person"] = already_enrolled(person=person, project=project)
    if not village.code.startswith(project.division.code):
        errors["project"] = Refusal(
            gettext("%(project)s %(year)s does not run in %(village)s.")
            % {"project": project.name, "year": project.year, "village": village.name},
            "project_elsewhere",
        )
    if household_id is not None and person.household_id != household_id:
        errors["household"] = Refusal(gettext("The person is not a member of this household."), "household")
    if persons_covered is None or not 1 <= persons_covered <= MAX_PERSONS_COVERED:
        errors["persons_covered"] = Refusal(
            gettext("The persons covered must be between 1 and %(max)d.") % {"max": MAX_PERSONS_COVERED},
            "persons_covered",
        )
    if applied_on > today:
        errors["applied_on"] = Refusal(
            gettext("The date %(date)s is in the future.") % {"date": applied_on}, "future_date"
        )
    elif applied_on < person.birth_date:
        errors["applied_on"] = Refusal(
            gettext("The date %(date)s is before %(name)s was born (%(birth)s).")
            % {"date": applied_on, "name": person.name, "birth": person.birth_date},
            "before_birth",
        )
    return errors
