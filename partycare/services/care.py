"""Talks (谈心谈话), trainings, care cases (暖心工程) and holiday campaigns (四必访).

Writes are keyword-only; each function is its own transaction, takes the acting user, checks
role and scope, and refuses bad input with a message naming the field."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.money import ZERO, parse_money
from org.audit import audited_save
from org.models import Division
from org.roles import FIELD, OFFICE, require_role
from org.scoping import scope_q
from partycare import eligibility
from partycare.models import (
    Branch,
    Campaign,
    CampaignTarget,
    CareCase,
    PartyMember,
    TalkTrigger,
    Training,
    TrainingAttendance,
)
from partycare.services.checks import _in_scope, _member_for_write, _not_future, _today
from partycare.services.pioneer import due_items_refresh
from partycare.states import CAMPAIGN


@transaction.atomic
def talk_trigger_record(
    *, user, member: PartyMember, kind: str, occurred_on: datetime.date, note: str = "", today=None
) -> TalkTrigger:
    require_role(user, *FIELD)
    today = _today(today)
    member = _member_for_write(user, member)
    if kind not in TalkTrigger.Kind.values:
        raise ValidationError({"kind": gettext("Unknown event “%(kind)s”.") % {"kind": kind}})
    _not_future(occurred_on, field="occurred_on", today=today)
    trigger = TalkTrigger(
        member=member, kind=kind, occurred_on=occurred_on, note=(note or "").strip(), recorded_by=user
    )
    audited_save(trigger, user=user)
    transaction.on_commit(lambda: due_items_refresh(member_ids=[member.pk], today=today))
    return trigger


@transaction.atomic
def training_record(
    *,
    user,
    branch: Branch,
    held_on: datetime.date,
    topic: str,
    attendees,
    kind: str = Training.Kind.MEETING,
    today=None,
) -> Training:
    """A training and its attendees (members of the user's area)."""
    require_role(user, *FIELD)
    today = _today(today)
    _in_scope(user, branch.division, "branch")
    _not_future(held_on, field="held_on", today=today)
    topic = (topic or "").strip()
    if not topic:
        raise ValidationError({"topic": gettext("The topic is required.")})
    if kind not in Training.Kind.values:
        raise ValidationError({"kind": gettext("Unknown kind “%(kind)s”.") % {"kind": kind}})
    ids = {getattr(a, "pk", a) for a in attendees}
    if not ids:
        raise ValidationError({"attendees": gettext("Tick at least one member who attended.")})
    members = list(PartyMember.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    if len(members) != len(ids):
        raise ValidationError({"attendees": gettext("Some attendees lie outside your area.")})
    outside = (
        PartyMember.objects.filter(pk__in=members)
        .exclude(branch=branch, status__in=PartyMember.ACTIVE_STATUSES)
        .select_related("person")
        .first()
    )
    if outside is not None:
        raise ValidationError(
            {
                "attendees": gettext("%(name)s is not an active member of %(branch)s.")
                % {"name": outside.person.name, "branch": branch.name}
            }
        )
    training = Training.objects.create(
        branch=branch, held_on=held_on, topic=topic, kind=kind, recorded_by=user
    )
    TrainingAttendance.objects.bulk_create(
        [TrainingAttendance(training=training, member_id=pk) for pk in members]
    )
    transaction.on_commit(lambda: due_items_refresh(member_ids=members, today=today))
    return training


@transaction.atomic
def care_case_record(
    *,
    user,
    member: PartyMember,
    kind: str,
    occurred_on: datetime.date,
    visitors: str,
    notes: str = "",
    money_given="0",
    goods: str = "",
    campaign: Campaign | None = None,
    trigger: TalkTrigger | None = None,
    today: datetime.date | None = None,
) -> CareCase:
    """Record a visit, talk or other care. A holiday visit of a member on an open campaign's list
    is ticked off there; a talk answers the member's open 六必谈 events up to its date."""
    require_role(user, *FIELD)
    today = _today(today)
    member = _member_for_write(user, member)
    if kind not in CareCase.Kind.values:
        raise ValidationError({"kind": gettext("Unknown kind “%(kind)s”.") % {"kind": kind}})
    _not_future(occurred_on, field="occurred_on", today=today)
    if occurred_on < member.joined_on and kind != CareCase.Kind.SURVIVORS_SUPPORT:
        raise ValidationError(
            {"occurred_on": gettext("%(date)s is before the member joined.") % {"date": occurred_on}}
        )
    visitors = (visitors or "").strip()
    if not visitors:
        raise ValidationError({"visitors": gettext("Say who went.")})
    amount = parse_money(money_given if money_given not in (None, "") else "0", field="money")
    if amount < ZERO:
        raise ValidationError({"money": gettext("The amount cannot be negative.")})
    target = None
    if kind == CareCase.Kind.HOLIDAY_VISIT:
        targets = CampaignTarget.objects.select_for_update().filter(
            member=member, campaign__status=Campaign.Status.OPEN, visit__isnull=True
        )
        if campaign is not None:
            targets = targets.filter(campaign=campaign)
        target = targets.select_related("campaign").first()
        if campaign is not None and target is None:
            raise ValidationError({"campaign": gettext("The member is not on this open campaign's list.")})
        campaign = target.campaign if target else None
    elif campaign is not None:
        raise ValidationError({"campaign": gettext("Only holiday visits belong to a campaign.")})
    if trigger is not None and (trigger.member_id != member.pk or kind != CareCase.Kind.TALK):
        raise ValidationError(
            {"trigger": gettext("The event belongs to another member or this is not a talk.")}
        )
    case = CareCase(
        member=member,
        kind=kind,
        occurred_on=occurred_on,
        visitors=visitors,
        notes=(notes or "").strip(),
        money=amount,
        goods=(goods or "").strip(),
        campaign=campaign,
        trigger=trigger,
        recorded_by=user,
    )
    audited_save(case, user=user)
    if target is not None:
        target.visit = case
        target.save(update_fields=["visit"])
    transaction.on_commit(lambda: due_items_refresh(member_ids=[member.pk], today=today))
    return case


# --- Holiday campaigns -----------------------------------------------------------------------


@transaction.atomic
def campaign_create(*, user, township: Division, holiday: str, year: int, today=None) -> Campaign:
    """Create a township's holiday campaign in one action: every member due for a holiday visit
    (四必访 groups and members aged 70+) becomes a target, with the rules that put them there."""
    require_role(user, *OFFICE)
    today = _today(today)
    _in_scope(user, township, "division")
    if township.level != Division.Level.TOWNSHIP:
        raise ValidationError({"division": gettext("A campaign belongs to a township.")})
    if holiday not in Campaign.Holiday.values:
        raise ValidationError({"holiday": gettext("Unknown holiday “%(holiday)s”.") % {"holiday": holiday}})
    date = eligibility.holiday_date(holiday, int(year))
    if Campaign.objects.filter(division=township, holiday=holiday, year=year).exists():
        raise ValidationError({"holiday": gettext("This township already has that campaign.")})
    occasion = eligibility.Occasion(holiday, int(year), date)
    on = min(max(today, occasion.window_start), date)  # ages as on the visiting days
    campaign = Campaign(division=township, holiday=holiday, year=year, holiday_date=date, created_by=user)
    audited_save(campaign, user=user)
    members = PartyMember.objects.filter(branch__division__code__startswith=township.code)
    due = eligibility.holiday_visit_due(members, occasion=occasion, today=on).select_related("person")
    targets = [
        CampaignTarget(
            campaign=campaign,
            member=member,
            rules="、".join(eligibility.holiday_visit_reasons(member, today=on))[:200],
        )
        for member in due
    ]
    CampaignTarget.objects.bulk_create(targets, batch_size=2000)
    return campaign


def campaign_close(*, user, campaign: Campaign) -> Campaign:
    return CAMPAIGN.transition(
        obj=campaign,
        user=user,
        name="close",
        # the township's own officers close it (not the cadres who see part of it)
        queryset=Campaign.objects.filter(scope_q(user, "division")),
        closed_by=user,
        closed_at=timezone.now(),
    )
