"""Commitments, the pioneer index (先锋指数) and the due list the daily eligibility run keeps.

Writes are keyword-only; each function is its own transaction, takes the acting user, checks
role and scope, and refuses bad input with a message naming the field."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from core.money import ZERO, parse_money
from org.audit import audited_save
from org.models import Division
from org.roles import FIELD, OFFICE, require_role
from partycare import eligibility, pioneer
from partycare.models import (
    Commitment,
    DueItem,
    PartyMember,
    PioneerEntry,
    PioneerItem,
    PioneerScore,
)
from partycare.services.checks import _in_scope, _member_for_write, _today


@transaction.atomic
def commitment_check(*, user, commitment: Commitment, kept: bool, today=None) -> Commitment:
    require_role(user, *OFFICE)
    today = _today(today)
    commitment = Commitment.objects.visible_to(user).select_for_update().get(pk=commitment.pk)
    commitment.status = Commitment.Status.KEPT if kept else Commitment.Status.NOT_KEPT
    commitment.checked_by, commitment.checked_on = user, today
    audited_save(commitment, user=user, update_fields=["status", "checked_by", "checked_on"])
    return commitment


@transaction.atomic
def pioneer_entry_set(*, user, item: PioneerItem, member: PartyMember, units, note: str = "") -> PioneerEntry:
    require_role(user, *FIELD)
    member = _member_for_write(user, member)
    if item.source != PioneerItem.Source.MANUAL:
        raise ValidationError(
            {"item": gettext("%(item)s is computed from records, not entered.") % {"item": item.name}}
        )
    if not member.branch.division.code.startswith(item.division.code):
        raise ValidationError({"item": gettext("The item belongs to another township.")})
    units = parse_money(units, field="units")
    if units < ZERO:
        raise ValidationError({"units": gettext("The number cannot be negative.")})
    entry, _created = PioneerEntry.objects.update_or_create(
        item=item, member=member, defaults={"units": units, "note": (note or "").strip(), "recorded_by": user}
    )
    return entry


@transaction.atomic
def pioneer_scores_compute(*, user, township: Division, year: int) -> int:
    """Recompute the pioneer index of every member of ``township`` for ``year`` from the
    records and the branch's entries; rank per branch (ties share a rank). Returns the count."""
    require_role(user, *OFFICE)
    _in_scope(user, township, "division")
    rows = pioneer.compute(township=township, year=year)
    PioneerScore.objects.filter(member__branch__division__code__startswith=township.code, year=year).delete()
    PioneerScore.objects.bulk_create([PioneerScore(year=year, **row) for row in rows], batch_size=2000)
    return len(rows)


# --- The due list ----------------------------------------------------------------------------


def due_items_refresh(*, today: datetime.date | None = None, member_ids=None, division_code: str = "") -> int:
    """Rebuild the due list (everyone, one division's members, or some members) for ``today``.
    Called daily by the beat task and after each write that touches a member. No user: it is
    the portal's own bookkeeping, and every read of it goes through the reader's scope."""
    today = _today(today)
    members = PartyMember.objects.all()
    if member_ids is not None:
        members = members.filter(pk__in=list(member_ids))
    if division_code:
        members = members.filter(branch__division__code__startswith=division_code)
    items = eligibility.compute_due(members, today=today)
    with transaction.atomic():
        stale = DueItem.objects.all()
        if member_ids is not None:
            stale = stale.filter(member_id__in=list(member_ids))
        if division_code:
            stale = stale.filter(member__branch__division__code__startswith=division_code)
        stale.delete()
        DueItem.objects.bulk_create(items, batch_size=5000)
    return len(items)
