"""Pairings (结对帮扶): set up, contacts, end.

Writes are keyword-only; each function is its own transaction, takes the acting user, checks
role and scope, and refuses bad input with a message naming the field."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from core.money import parse_money
from org.audit import audited_save
from org.roles import FIELD, OFFICE, require_role
from partycare.models import (
    Pairing,
    PairingContact,
    PartyMember,
)
from partycare.services.checks import _in_scope, _member_for_write, _not_future, _today


@transaction.atomic
def pairing_create(
    *,
    user,
    helper_kind: str,
    helper_name: str,
    started_on: datetime.date,
    member: PartyMember | None = None,
    household=None,
    helper_member: PartyMember | None = None,
    helper_user=None,
    today=None,
) -> Pairing:
    """Pair a helper — a cadre (``helper_user``, a portal user of the area, or just a name)
    or a better-off member (``helper_member``) — with a member or a household in need."""
    require_role(user, *OFFICE)
    today = _today(today)
    _not_future(started_on, field="started_on", today=today)
    if (member is None) == (household is None):
        raise ValidationError({"member": gettext("Pair the helper with a member or a household, not both.")})
    if helper_kind not in Pairing.HelperKind.values:
        raise ValidationError({"helper_kind": gettext("Choose cadre or member.")})
    if helper_user is not None:
        from org.models import User

        helper_user = (
            User.objects.visible_to(user)
            .filter(pk=getattr(helper_user, "pk", helper_user), is_active=True)
            .first()
        )
        if helper_user is None:
            raise ValidationError({"helper_user": gettext("This user lies outside your area.")})
        helper_name = helper_user.display_name
    if helper_kind == Pairing.HelperKind.MEMBER and helper_member is None:
        raise ValidationError({"helper_member": gettext("Choose the member who helps.")})
    if (
        helper_member is not None
        and member is not None
        and getattr(helper_member, "pk", helper_member) == getattr(member, "pk", member)
    ):
        raise ValidationError({"helper_member": gettext("A member cannot be paired with themselves.")})
    if member is not None:
        member = _member_for_write(user, member)
        division = member.branch.division
    else:
        _in_scope(user, household.village, "household")
        division = household.village
    if helper_member is not None:
        helper_member = _member_for_write(user, helper_member)
        helper_name = helper_name or helper_member.person.name
    helper_name = (helper_name or "").strip()
    if not helper_name:
        raise ValidationError({"helper_name": gettext("Name the helper.")})
    pairing = Pairing(
        division=division,
        helper_kind=helper_kind,
        helper_name=helper_name,
        helper_user=helper_user,
        helper_member=helper_member,
        member=member,
        household=household,
        started_on=started_on,
        created_by=user,
    )
    audited_save(pairing, user=user)
    return pairing


@transaction.atomic
def pairing_contact_record(
    *,
    user,
    pairing: Pairing,
    occurred_on: datetime.date,
    kind: str = PairingContact.Kind.VISIT,
    notes: str = "",
    money_given="0",
    today=None,
) -> PairingContact:
    require_role(user, *FIELD)
    today = _today(today)
    pairing = Pairing.objects.visible_to(user).select_for_update().filter(pk=pairing.pk).first()
    if pairing is None:
        raise ValidationError({"pairing": gettext("This pairing lies outside your area.")})
    _not_future(occurred_on, field="occurred_on", today=today)
    if occurred_on < pairing.started_on:
        raise ValidationError(
            {"occurred_on": gettext("%(date)s is before the pairing began.") % {"date": occurred_on}}
        )
    amount = parse_money(money_given if money_given not in (None, "") else "0", field="money")
    contact = PairingContact.objects.create(
        pairing=pairing,
        kind=kind,
        occurred_on=occurred_on,
        notes=(notes or "").strip(),
        money=amount,
        recorded_by=user,
    )
    if pairing.last_contact_on is None or occurred_on > pairing.last_contact_on:
        pairing.last_contact_on = occurred_on
        audited_save(pairing, user=user, update_fields=["last_contact_on"])
    return contact


@transaction.atomic
def pairing_end(*, user, pairing: Pairing, ended_on: datetime.date, today=None) -> Pairing:
    """End a pairing on ``ended_on`` (not in the future, not before it began, not twice).
    Township staff and leaders, inside their area."""
    require_role(user, *OFFICE)
    today = _today(today)
    locked = (
        Pairing.objects.visible_to(user)
        .select_for_update()
        .filter(pk=getattr(pairing, "pk", pairing))
        .first()
    )
    if locked is None:
        raise ValidationError({"pairing": gettext("This pairing lies outside your area.")})
    if locked.ended_on is not None:
        raise ValidationError(
            {"ended_on": gettext("The pairing already ended on %(date)s.") % {"date": locked.ended_on}}
        )
    _not_future(ended_on, field="ended_on", today=today)
    if ended_on < locked.started_on:
        raise ValidationError(
            {
                "ended_on": gettext("%(date)s is before the pairing began (%(start)s).")
                % {"date": ended_on, "start": locked.started_on}
            }
        )
    locked.ended_on = ended_on
    audited_save(locked, user=user, update_fields=["ended_on"])
    return locked
