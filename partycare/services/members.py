"""Branches (党支部) and party members (党员): set-up, enrolment from the registry, status.

Writes are keyword-only; each function is its own transaction, takes the acting user, checks
role and scope, and refuses bad input with a message naming the field."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from org.audit import audited_save
from org.models import Division
from org.roles import OFFICE, require_role
from partycare import eligibility
from partycare.models import (
    Branch,
    DueItem,
    PartyMember,
)
from partycare.services.checks import _in_scope, _not_future, _today
from partycare.services.pioneer import due_items_refresh
from partycare.states import MEMBER


@transaction.atomic
def branch_create(
    *, user, division: Division, name: str, kind: str = Branch.Kind.BRANCH, secretary: str = ""
) -> Branch:
    require_role(user, *OFFICE)
    _in_scope(user, division, "division")
    if division.level == Division.Level.COUNTY:
        raise ValidationError({"division": gettext("A branch belongs to a township or a village.")})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("The name is required.")})
    if Branch.objects.filter(division=division, name=name).exists():
        raise ValidationError({"name": gettext("%(name)s already exists here.") % {"name": name}})
    branch = Branch(division=division, name=name, kind=kind, secretary=(secretary or "").strip())
    branch.full_clean()
    audited_save(branch, user=user)
    return branch


BRANCH_FIELDS = ("division", "name", "kind", "secretary", "is_active")


@transaction.atomic
def branch_update(*, user, branch: Branch, **changes) -> Branch:
    """Change a branch's division, name, kind, secretary or active flag. Township staff and
    leaders, inside their area; the name stays unique within the division."""
    require_role(user, *OFFICE)
    unknown = set(changes) - set(BRANCH_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: gettext("This field cannot be changed here.")})
    locked = (
        Branch.objects.visible_to(user).select_for_update().filter(pk=getattr(branch, "pk", branch)).first()
    )
    if locked is None:
        raise ValidationError({"branch": gettext("This branch lies outside your area.")})
    division = changes.get("division", locked.division)
    _in_scope(user, division, "division")
    if division.level == Division.Level.COUNTY:
        raise ValidationError({"division": gettext("A branch belongs to a township or a village.")})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationError({"name": gettext("The name is required.")})
    if "secretary" in changes:
        changes["secretary"] = (changes["secretary"] or "").strip()
    if "kind" in changes and changes["kind"] not in Branch.Kind.values:
        raise ValidationError({"kind": gettext("Unknown kind “%(kind)s”.") % {"kind": changes["kind"]}})
    name = changes.get("name", locked.name)
    if Branch.objects.filter(division=division, name=name).exclude(pk=locked.pk).exists():
        raise ValidationError({"name": gettext("%(name)s already exists here.") % {"name": name}})
    for key, value in changes.items():
        setattr(locked, key, value)
    audited_save(locked, user=user)
    return locked


def _check_dates(*, person, joined_on, full_member_on, today) -> None:
    _not_future(joined_on, field="joined_on", today=today)
    eighteen = eligibility.add_years(person.birth_date, eligibility.MIN_JOIN_AGE)
    if joined_on < eighteen:
        raise ValidationError(
            {
                "joined_on": gettext(
                    "%(name)s was born on %(birth)s and turned 18 on %(eighteen)s: a join date of %(date)s is too early."
                )
                % {"name": person.name, "birth": person.birth_date, "eighteen": eighteen, "date": joined_on}
            }
        )
    if full_member_on is not None:
        _not_future(full_member_on, field="full_member_on", today=today)
        if full_member_on < joined_on:
            raise ValidationError(
                {
                    "full_member_on": gettext("Full membership (%(date)s) cannot come before joining.")
                    % {"date": full_member_on}
                }
            )


@transaction.atomic
def member_enrol(
    *,
    user,
    person,
    branch: Branch,
    joined_on: datetime.date,
    full_member_on: datetime.date | None = None,
    status: str = PartyMember.Status.FULL,
    today: datetime.date | None = None,
    **flags,
) -> PartyMember:
    """Record a registry person as a party member of ``branch`` (one member per person).

    Refuses a join date before the person's 18th birthday or in the future, a person or branch
    outside the user's area, and a person who is already a member."""
    require_role(user, *OFFICE)
    today = _today(today)
    _in_scope(user, branch.division, "branch")
    _in_scope(user, person.village, "person")
    if status not in PartyMember.ACTIVE_STATUSES:
        raise ValidationError({"status": gettext("A new member is full or probationary.")})
    unknown = set(flags) - set(PartyMember.FLAG_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: gettext("Unknown field.")})
    _check_dates(person=person, joined_on=joined_on, full_member_on=full_member_on, today=today)
    if PartyMember.objects.filter(person=person).exists():
        raise ValidationError(
            {"person": gettext("%(name)s is already a party member.") % {"name": person.name}}
        )
    member = PartyMember(
        person=person,
        branch=branch,
        joined_on=joined_on,
        full_member_on=full_member_on,
        status=status,
        **{key: bool(value) for key, value in flags.items()},
    )
    audited_save(member, user=user)
    transaction.on_commit(lambda: due_items_refresh(member_ids=[member.pk], today=today))
    return member


@transaction.atomic
def member_enrol_person(
    *,
    user,
    branch: Branch,
    joined_on: datetime.date,
    person=None,
    id_number: str = "",
    name: str = "",
    village: Division | None = None,
    phone: str = "",
    full_member_on: datetime.date | None = None,
    status: str = PartyMember.Status.FULL,
    today: datetime.date | None = None,
    **flags,
) -> PartyMember:
    """Enrol a member from the person registry: ``person`` (found by the page), or the person
    with ``id_number`` — the one already registered when there is one (one person per national
    ID across the portal), otherwise registered now with ``name`` and ``village`` through the
    beneficiaries service. Then ``member_enrol``. One transaction: a refused enrolment leaves
    no new person behind. Raises ValidationError naming the field."""
    from beneficiaries.models import Person
    from beneficiaries.services import person_register
    from core.idcard import normalize_id_number

    require_role(user, *OFFICE)
    if person is None:
        number = normalize_id_number(id_number or "")
        if not number:
            raise ValidationError({"id_number": gettext("Give the ID number or choose a registered person.")})
        person = Person.objects.with_id_number(number).select_related("village").first()
        if person is None:
            person = person_register(
                user=user, id_number=number, name=name, village=village, phone=phone, today=today
            )
    visible = Person.objects.visible_to(user).filter(pk=person.pk).select_related("village").first()
    if visible is None:
        raise ValidationError(
            {
                "id_number": gettext(
                    "This person is registered in another area: ask the township office to move the person."
                )
            }
        )
    return member_enrol(
        user=user,
        person=visible,
        branch=branch,
        joined_on=joined_on,
        full_member_on=full_member_on,
        status=status,
        today=today,
        **flags,
    )


@transaction.atomic
def member_update(*, user, member: PartyMember, today: datetime.date | None = None, **changes) -> PartyMember:
    """Change flags, the branch, the join or full-membership date."""
    require_role(user, *OFFICE)
    today = _today(today)
    member = PartyMember.objects.visible_to(user).select_for_update().get(pk=member.pk)
    allowed = {"branch", "joined_on", "full_member_on", *PartyMember.FLAG_FIELDS}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: gettext("This field cannot be changed here.")})
    if "branch" in changes:
        _in_scope(user, changes["branch"].division, "branch")
    joined_on = changes.get("joined_on", member.joined_on)
    full_member_on = changes.get("full_member_on", member.full_member_on)
    _check_dates(person=member.person, joined_on=joined_on, full_member_on=full_member_on, today=today)
    for key, value in changes.items():
        setattr(member, key, value)
    audited_save(member, user=user)
    transaction.on_commit(lambda: due_items_refresh(member_ids=[member.pk], today=today))
    return member


def member_set_status(
    *, user, member: PartyMember, action: str, on: datetime.date, today: datetime.date | None = None
) -> PartyMember:
    """``action``: confirm (probationary → full, ``on`` = full membership), transfer_out, record_death."""
    today = _today(today)
    _not_future(on, field="status_on", today=today)
    if action not in {"confirm", "transfer_out", "record_death"}:
        raise ValidationError({"status": gettext("Unknown action “%(action)s”.") % {"action": action}})
    with transaction.atomic():
        if action == "confirm":
            if on < member.joined_on:
                raise ValidationError({"status_on": gettext("Full membership cannot come before joining.")})
            result = MEMBER.transition(
                obj=member,
                user=user,
                name=action,
                queryset=PartyMember.objects.visible_to(user),
                full_member_on=on,
            )
        else:
            result = MEMBER.transition(
                obj=member,
                user=user,
                name=action,
                queryset=PartyMember.objects.visible_to(user),
                status_on=on,
            )
        if action != "confirm":
            DueItem.objects.filter(member=result).delete()
    return result
