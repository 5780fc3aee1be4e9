"""Writes of party-member care. Keyword-only; each function is its own transaction, takes the
acting user, checks role and scope, and refuses bad input with a message naming the field.
Dates that may not lie ahead are checked against ``today`` (default: timezone.localdate())."""

import datetime
import io
import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from common.money import ZERO, money, parse_money
from org.models import Division, Role
from org.roles import has_role, require_role
from org.scoping import division_in_scope, scope_q
from partycare import eligibility, selectors
from partycare.models import (
    AidApplication,
    AidStandard,
    Branch,
    Campaign,
    CampaignTarget,
    CareCase,
    Commitment,
    Concern,
    ConcernEvent,
    DueItem,
    HomeVisit,
    Pairing,
    PairingContact,
    PartyMember,
    PioneerEntry,
    PioneerItem,
    PioneerScore,
    TalkTrigger,
    Training,
    TrainingAttendance,
    VisitCallback,
    VisitPhoto,
    WhistleCall,
)
from partycare.states import AID, CAMPAIGN, CONCERN, MEMBER

EDITORS = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
RECORDERS = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE)

# Defaults when the county has not configured a year (暖心工程: allowance ≥ 200 元 a year,
# one-off aid around 200 元, decided case by case).
DEFAULT_STANDARDS = {
    AidStandard.Kind.OLD_MEMBER_ALLOWANCE: (Decimal("200.00"), Decimal("200.00"), Decimal("600.00")),
    AidStandard.Kind.ONE_OFF: (Decimal("50.00"), Decimal("200.00"), Decimal("500.00")),
}


def _today(today):
    return today or timezone.localdate()


def _not_future(value: datetime.date, *, field: str, today: datetime.date) -> None:
    if value is None:
        raise ValidationError({field: gettext("The date is required.")})
    if value > today:
        raise ValidationError(
            {
                field: gettext("%(date)s is in the future (today is %(today)s).")
                % {"date": value, "today": today}
            }
        )


def _in_scope(user, division: Division, field: str) -> None:
    if division is None or not division_in_scope(user, division):
        raise ValidationError({field: gettext("This lies outside your area.")})


def _member_for_write(user, member: PartyMember) -> PartyMember:
    member = (
        PartyMember.objects.visible_to(user)
        .select_related("person", "branch__division")
        .filter(pk=getattr(member, "pk", member))
        .first()
    )
    if member is None:
        raise ValidationError({"member": gettext("This member lies outside your area.")})
    return member


# --- Branches and members --------------------------------------------------------------------


@transaction.atomic
def branch_create(
    *, user, division: Division, name: str, kind: str = Branch.Kind.BRANCH, secretary: str = ""
) -> Branch:
    require_role(user, *EDITORS)
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
    branch._history_user = user
    branch.save()
    return branch


BRANCH_FIELDS = ("division", "name", "kind", "secretary", "is_active")


@transaction.atomic
def branch_update(*, user, branch: Branch, **changes) -> Branch:
    """Change a branch's division, name, kind, secretary or active flag. Township staff and
    leaders, inside their area; the name stays unique within the division."""
    require_role(user, *EDITORS)
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
    locked._history_user = user
    locked.save()
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
    require_role(user, *EDITORS)
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
    member._history_user = user
    member.save()
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
    from common.idcard import normalize_id_number

    require_role(user, *EDITORS)
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
    require_role(user, *EDITORS)
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
    member._history_user = user
    member.save()
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


# --- Talks, trainings, care cases ------------------------------------------------------------


@transaction.atomic
def talk_trigger_record(
    *, user, member: PartyMember, kind: str, occurred_on: datetime.date, note: str = "", today=None
) -> TalkTrigger:
    require_role(user, *RECORDERS)
    today = _today(today)
    member = _member_for_write(user, member)
    if kind not in TalkTrigger.Kind.values:
        raise ValidationError({"kind": gettext("Unknown event “%(kind)s”.") % {"kind": kind}})
    _not_future(occurred_on, field="occurred_on", today=today)
    trigger = TalkTrigger(
        member=member, kind=kind, occurred_on=occurred_on, note=(note or "").strip(), recorded_by=user
    )
    trigger._history_user = user
    trigger.save()
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
    require_role(user, *RECORDERS)
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
    require_role(user, *RECORDERS)
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
    case._history_user = user
    case.save()
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
    require_role(user, *EDITORS)
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
    campaign._history_user = user
    campaign.save()
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


# --- Hardship aid ----------------------------------------------------------------------------


def aid_standard_for(*, year: int, kind: str) -> AidStandard:
    standard = AidStandard.objects.filter(year=year, kind=kind).first()
    if standard is None:
        minimum, usual, cap = DEFAULT_STANDARDS[kind]
        standard = AidStandard(year=year, kind=kind, minimum=minimum, standard=usual, cap=cap)
    return standard


@transaction.atomic
def aid_apply(
    *,
    user,
    member: PartyMember,
    kind: str,
    year: int,
    amount,
    cause: str = "",
    situation: str = "",
    amount_reason: str = "",
    today=None,
) -> AidApplication:
    """Prepare an application. The old-member allowance needs the member to meet the rule
    (age ≥ 70, party age ≥ 30, no fixed allowance) and an amount ≥ the year's minimum; any
    amount above the year's cap needs a reason."""
    require_role(user, Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE)
    today = _today(today)
    member = _member_for_write(user, member)
    if kind not in AidApplication.Kind.values:
        raise ValidationError({"kind": gettext("Unknown kind “%(kind)s”.") % {"kind": kind}})
    if not member.is_active_member or not member.person.is_living:
        raise ValidationError(
            {"member": gettext("%(name)s is not an active member.") % {"name": member.person.name}}
        )
    amount = money(parse_money(amount, field="amount"))
    standard = aid_standard_for(year=year, kind=kind)
    reason = (amount_reason or "").strip()
    if amount <= ZERO:
        raise ValidationError({"amount": gettext("The amount must be above zero.")})
    if amount < standard.minimum:
        raise ValidationError(
            {
                "amount": gettext("%(amount)s yuan is below the minimum of %(minimum)s yuan.")
                % {"amount": amount, "minimum": standard.minimum}
            }
        )
    if amount > standard.cap and not reason:
        raise ValidationError(
            {
                "amount_reason": gettext("%(amount)s yuan is above the cap of %(cap)s yuan: give the reason.")
                % {"amount": amount, "cap": standard.cap}
            }
        )
    if kind == AidApplication.Kind.OLD_MEMBER_ALLOWANCE:
        cause = AidApplication.Cause.AGE
        eligible = eligibility.old_member_allowance_due(PartyMember.objects.filter(pk=member.pk), today=today)
        if int(year) != today.year or not eligible.exists():
            if (
                AidApplication.objects.filter(member=member, kind=kind, year=year)
                .exclude(status=AidApplication.Status.REJECTED)
                .exists()
            ):
                message = gettext("%(name)s already has an old-member allowance for %(year)s.")
            else:
                message = gettext(
                    "%(name)s does not meet the old-member allowance rule for %(year)s (age ≥ 70, party age ≥ 30, no fixed allowance)."
                )
            raise ValidationError({"member": message % {"name": member.person.name, "year": year}})
    elif cause not in {
        AidApplication.Cause.DISASTER,
        AidApplication.Cause.ACCIDENT,
        AidApplication.Cause.ILLNESS,
        AidApplication.Cause.OTHER,
    }:
        raise ValidationError(
            {"cause": gettext("Choose the cause: disaster, accident, serious illness or other.")}
        )
    application = AidApplication(
        member=member,
        kind=kind,
        year=year,
        cause=cause,
        situation=(situation or "").strip(),
        amount=amount,
        amount_reason=reason,
        prepared_by=user,
    )
    application._history_user = user
    application.save()
    transaction.on_commit(lambda: due_items_refresh(member_ids=[member.pk], today=today))
    return application


def _aid_qs(user):
    return AidApplication.objects.visible_to(user)


def aid_branch_check(*, user, application: AidApplication) -> AidApplication:
    return AID.transition(
        obj=application,
        user=user,
        name="branch_check",
        queryset=_aid_qs(user),
        branch_checked_by=user,
        branch_checked_at=timezone.now(),
    )


# The columns of an aid notice: the name and ID number are masked by the publicity app.
AID_NOTICE_COLUMNS = (
    ("name", "姓名", "name"),
    ("id_number", "身份证号", "id_number"),
    ("village", "村(社区)", ""),
    ("branch", "党支部", ""),
    ("kind", "救助类别", ""),
    ("cause", "原因", ""),
    ("amount", "金额(元)", ""),
)


def aid_notice_post(
    *,
    user,
    application: AidApplication,
    starts_on: datetime.date,
    ends_on: datetime.date,
    title: str = "",
    body: str = "",
) -> AidApplication:
    """Post the application's public notice (公示) through the publicity app (kind "aid",
    source = the application; name and ID number masked) and move it into notice.

    Who: township staff, not the person who did the branch check. Raises PermissionDenied
    (role), ValidationError for the wrong state, the four-eyes rule, and the publicity app's
    refusals (a period shorter than 7 days …). All or nothing: no notice without the step."""
    from publicity.models import PublicNotice
    from publicity.services import notice_publish

    with transaction.atomic():
        locked = (
            _aid_qs(user)
            .select_for_update(of=("self",))
            .select_related("member__person__village", "member__branch__division")
            .get(pk=application.pk)
        )
        AID.check(obj=locked, user=user, name="notice")
        member = locked.member
        division = member.branch.division
        notice = notice_publish(
            user=user,
            kind=PublicNotice.Kind.AID,
            division=division,
            title=(title or "").strip()
            or gettext("%(division)s %(year)s hardship aid for party members: %(kind)s")
            % {"division": division.name, "year": locked.year, "kind": locked.get_kind_display()},
            starts_on=starts_on,
            ends_on=ends_on,
            rows=[
                {
                    "name": member.person.name,
                    "id_number": member.person.id_number,
                    "village": member.person.village.name if member.person.village_id else "",
                    "branch": member.branch.name,
                    "kind": locked.get_kind_display(),
                    "cause": locked.get_cause_display(),
                    "amount": str(locked.amount),
                }
            ],
            columns=AID_NOTICE_COLUMNS,
            source=locked,
            stage=str(AidApplication.Status.IN_NOTICE.label),
            body=body,
        )
        return AID.transition(
            obj=locked,
            user=user,
            name="notice",
            queryset=_aid_qs(user),
            notice_by=user,
            notice_id=notice.pk,
            notice_reference=notice.title[:80],
            notice_starts_on=notice.starts_on,
            notice_ends_on=notice.ends_on,
        )


def _aid_township_check_rule(application: AidApplication, user) -> None:
    if application.status == AidApplication.Status.IN_NOTICE:
        from partycare.selectors import aid_notice_blocking_reason

        reason = aid_notice_blocking_reason(application)
        if reason:
            raise ValidationError({"notice": ValidationError(reason, code="notice_not_clear")})


def aid_township_check(*, user, application: AidApplication) -> AidApplication:
    """The township's check (镇党委核查): only once the public notice is over and closed with
    no objection, every objection answered (the publicity app decides); by another person
    than the one who posted the notice."""
    with transaction.atomic():
        locked = _aid_qs(user).select_for_update().get(pk=application.pk)
        AID.check(obj=locked, user=user, name="township_check")
        _aid_township_check_rule(locked, user)
        return AID.transition(
            obj=locked,
            user=user,
            name="township_check",
            queryset=_aid_qs(user),
            township_checked_by=user,
            township_checked_at=timezone.now(),
        )


def aid_county_approve(*, user, application: AidApplication) -> AidApplication:
    if not has_role(user, Role.COUNTY_REVIEWER):
        raise ValidationError(
            {
                "county_approved_by": gettext(
                    "Only the county reviewer (县委组织部) gives county approval; you are %(role)s."
                )
                % {"role": user.get_role_display() or "—"}
            }
        )
    return AID.transition(
        obj=application,
        user=user,
        name="county_approve",
        queryset=_aid_qs(user),
        county_approved_by=user,
        county_approved_at=timezone.now(),
    )


def aid_pay(
    *, user, application: AidApplication, paid_on: datetime.date, reference: str = "", today=None
) -> AidApplication:
    today = _today(today)
    _not_future(paid_on, field="paid_on", today=today)
    return AID.transition(
        obj=application,
        user=user,
        name="pay",
        queryset=_aid_qs(user),
        paid_by=user,
        paid_on=paid_on,
        payment_reference=(reference or "").strip()[:80],
    )


def aid_reject(*, user, application: AidApplication, reason: str) -> AidApplication:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"rejection_reason": gettext("Give the reason for the rejection.")})
    result = AID.transition(
        obj=application,
        user=user,
        name="reject",
        queryset=_aid_qs(user),
        rejected_by=user,
        rejection_reason=reason[:200],
    )
    transaction.on_commit(lambda: due_items_refresh(member_ids=[result.member_id]))
    return result


# --- Pairing ---------------------------------------------------------------------------------


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
    require_role(user, *EDITORS)
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
    pairing._history_user = user
    pairing.save()
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
    require_role(user, *RECORDERS)
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
        pairing._history_user = user
        pairing.save(update_fields=["last_contact_on"])
    return contact


@transaction.atomic
def pairing_end(*, user, pairing: Pairing, ended_on: datetime.date, today=None) -> Pairing:
    """End a pairing on ``ended_on`` (not in the future, not before it began, not twice).
    Township staff and leaders, inside their area."""
    require_role(user, *EDITORS)
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
    locked._history_user = user
    locked.save(update_fields=["ended_on"])
    return locked


# --- Commitments, pioneer index --------------------------------------------------------------


@transaction.atomic
def commitment_check(*, user, commitment: Commitment, kept: bool, today=None) -> Commitment:
    require_role(user, *EDITORS)
    today = _today(today)
    commitment = Commitment.objects.visible_to(user).select_for_update().get(pk=commitment.pk)
    commitment.status = Commitment.Status.KEPT if kept else Commitment.Status.NOT_KEPT
    commitment.checked_by, commitment.checked_on = user, today
    commitment._history_user = user
    commitment.save(update_fields=["status", "checked_by", "checked_on"])
    return commitment


@transaction.atomic
def pioneer_entry_set(*, user, item: PioneerItem, member: PartyMember, units, note: str = "") -> PioneerEntry:
    require_role(user, *RECORDERS)
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
    from partycare import pioneer

    require_role(user, *EDITORS)
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


# --- Home visits and concerns (issue 7) ------------------------------------------------------

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTOS_PER_VISIT = 9
PHOTO_MAX_SIDE = 1600  # px, the long side of a stored photo
PHOTO_JPEG_QUALITY = 80
PHOTO_MAX_PIXELS = 50_000_000  # a 50-megapixel camera; more would take gigabytes to decode
ESCALATE_AFTER_DAYS = 3


def _photo_prepare(photo, *, index: int) -> ContentFile:
    """The photo as it is stored: checked (Pillow reads it; not larger than the limit), turned
    upright by its EXIF orientation, at most PHOTO_MAX_SIDE px on its long side, re-encoded
    as JPEG without any metadata (no GPS position, no camera serial). Raises ValidationError
    naming the photo when it is not a picture or too large."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = getattr(settings, "PARTYCARE_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES)
    name = getattr(photo, "name", "") or str(index + 1)
    if photo.size > limit:
        raise ValidationError(
            {
                "photos": gettext("Photo “%(name)s” is %(size)s MB; the limit is %(limit)s MB.")
                % {"name": name, "size": round(photo.size / 1048576, 1), "limit": round(limit / 1048576, 1)}
            }
        )
    try:
        photo.seek(0)
        with Image.open(photo) as image:
            image.verify()
        photo.seek(0)
        with Image.open(photo) as image:
            pixels = getattr(settings, "PARTYCARE_PHOTO_MAX_PIXELS", PHOTO_MAX_PIXELS)
            if image.width * image.height > pixels:
                raise Image.DecompressionBombError(name)
            image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))  # JPEG: decode at a smaller scale
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "P", "PA"):
                rgba = upright.convert("RGBA")
                upright = Image.new("RGB", rgba.size, "white")
                upright.paste(rgba, mask=rgba.getchannel("A"))
            elif upright.mode != "RGB":
                upright = upright.convert("RGB")
            upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
            output = io.BytesIO()
            upright.save(output, "JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
    except Image.DecompressionBombError:
        raise ValidationError(
            {"photos": gettext("“%(name)s” has too many pixels to be a phone photo.") % {"name": name}}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({"photos": gettext("“%(name)s” is not a picture.") % {"name": name}}) from None
    finally:
        photo.seek(0)
    stem = Path(name).stem[:80] or f"photo-{index + 1}"
    return ContentFile(output.getvalue(), name=f"{stem}.jpg")


def _concern_event(concern, *, action: str, by, from_status: str = "", note: str = "") -> None:
    ConcernEvent.objects.create(
        concern=concern, action=action, from_status=from_status, to_status=concern.status, by=by, note=note
    )


CALLBACK_ANSWERS = ("knew_policy", "received_money", "satisfied")


def _callbacks_check(*, user, household, callbacks) -> list[dict]:
    """The callbacks of a visit, each with its Enrolment: the household's own (or one of its
    members'), each once, answers only when the beneficiary was reached."""
    from beneficiaries.models import Enrolment

    wanted = [getattr(item.get("enrolment"), "pk", item.get("enrolment")) for item in callbacks]
    found = {
        enrolment.pk: enrolment
        for enrolment in Enrolment.objects.visible_to(user)
        .filter(Q(household=household) | Q(person__household=household))
        .filter(pk__in=[pk for pk in wanted if isinstance(pk, int)])
    }
    checked, seen = [], set()
    for item, pk in zip(callbacks, wanted, strict=True):
        if pk not in found:
            raise ValidationError(
                {"callbacks": gettext("Enrolment %(pk)s is not one of this household's.") % {"pk": pk}}
            )
        if pk in seen:
            raise ValidationError({"callbacks": gettext("Enrolment %(pk)s is answered twice.") % {"pk": pk}})
        seen.add(pk)
        reached = item.get("reached")
        if not isinstance(reached, bool):
            raise ValidationError(
                {
                    "callbacks": gettext("Say whether the beneficiary of enrolment %(pk)s was reached.")
                    % {"pk": pk}
                }
            )
        answers = {key: item.get(key) for key in CALLBACK_ANSWERS}
        if not reached and any(value is not None for value in answers.values()):
            raise ValidationError(
                {
                    "callbacks": gettext(
                        "The beneficiary of enrolment %(pk)s was not reached, so there are no answers."
                    )
                    % {"pk": pk}
                }
            )
        checked.append({"enrolment": found[pk], "reached": reached, **answers})
    return checked


def _yes_no(value) -> str:
    return "—" if value is None else ("是" if value else "否")


def _household_answers(*, user, household, visited_on, answers: dict) -> tuple[list[dict], str]:
    """Answers given for the household as a whole (a phone that had no enrolment list, or an
    older version of the form): one callback for every enrolment of the household active on
    the visit date (the rule of migration 0006). With none, the answers go into the notes."""
    reached = answers.get("reached")
    others = {key: answers.get(key) for key in CALLBACK_ANSWERS}
    if reached is None:
        reached = any(value is not None for value in others.values())
    enrolments = selectors.household_enrolments_on(user=user, household=household, day=visited_on)
    items = [
        {"enrolment": enrolment, "reached": bool(reached), **(others if reached else {})}
        for enrolment in enrolments
    ]
    if items:
        return items, ""
    said = {key: _yes_no(answers.get(key)) for key in ("reached", *CALLBACK_ANSWERS)}
    note = (
        f"【回访】见到本人：{said['reached']}；知晓政策：{said['knew_policy']}；"
        f"收到补助：{said['received_money']}；满意：{said['satisfied']}"
    )
    return [], note


def visit_record(
    *,
    user,
    client_id,
    household,
    visited_on: datetime.date,
    purpose: str,
    notes: str = "",
    photos=(),
    concerns=(),
    callbacks=(),
    callback: dict | None = None,
    member: PartyMember | None = None,
    today: datetime.date | None = None,
) -> tuple[HomeVisit, bool]:
    """Store a home visit typed (often offline) by a village cadre or township staff, with its
    photos, the concerns raised and, for a callback visit (受益回访), its callbacks.

    Exactly once per ``client_id``: a visit sent again returns the stored one and ``False``
    (nothing else is written: no second photo, concern or callback); the first time ``True``.
    ``concerns`` are dicts with category, description and optionally resident (a Person) and
    is_common. ``callbacks`` are dicts with enrolment (an Enrolment of this household or its
    pk), reached and the answers knew_policy, received_money, satisfied (True/False/None);
    each becomes a beneficiaries ``Callback`` (method visit) through
    ``beneficiaries.services.callback_record``, linked to the visit. ``callback`` (one dict of
    answers for the whole household, as phones without the enrolment list send) is applied
    by ``_household_answers``. Photos are stored resized, upright and without metadata.

    Raises PermissionDenied for roles that do not record, ValidationError naming the field
    for a household outside the user's area, a future date, callbacks on another purpose or
    for another household's enrolment, a photo that is not a picture or too large."""
    from beneficiaries.models import Callback, Household
    from beneficiaries.services import callback_record

    require_role(user, *RECORDERS)
    try:
        client_id = uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError(
            {"client_id": gettext("“%(value)s” is not a UUID.") % {"value": client_id}}
        ) from None
    stored = _visit_stored(user=user, client_id=client_id)
    if stored is not None:
        return stored, False
    today = _today(today)
    household_pk = getattr(household, "pk", household)
    household = Household.objects.visible_to(user).select_related("village").filter(pk=household_pk).first()
    if household is None:
        raise ValidationError(
            {"household": gettext("Household %(pk)s is not in your village.") % {"pk": household_pk}}
        )
    _not_future(visited_on, field="visited_on", today=today)
    if member is not None:
        member = _member_for_write(user, member)
    if purpose not in HomeVisit.Purpose.values:
        raise ValidationError(
            {"purpose": gettext("“%(value)s” is not a visit purpose.") % {"value": purpose}}
        )
    callbacks = list(callbacks or ())
    if (callbacks or callback) and purpose != HomeVisit.Purpose.CALLBACK:
        raise ValidationError({"callbacks": gettext("Only a callback visit records callback answers.")})
    notes = (notes or "").strip()
    if callbacks:
        callbacks = _callbacks_check(user=user, household=household, callbacks=callbacks)
    elif callback:
        callbacks, note = _household_answers(
            user=user, household=household, visited_on=visited_on, answers=callback
        )
        notes = f"{notes}\n{note}".strip()
    photos = list(photos or ())
    if len(photos) > PHOTOS_PER_VISIT:
        raise ValidationError(
            {"photos": gettext("At most %(count)s photos a visit.") % {"count": PHOTOS_PER_VISIT}}
        )
    photos = [_photo_prepare(photo, index=index) for index, photo in enumerate(photos)]
    concerns = list(concerns or ())
    for index, item in enumerate(concerns):
        if (
            item.get("category") not in Concern.Category.values
            or not str(item.get("description", "")).strip()
        ):
            raise ValidationError(
                {
                    "concerns": gettext("Concern %(number)s needs a category and a description.")
                    % {"number": index + 1}
                }
            )
    try:
        with transaction.atomic():
            visit = HomeVisit.objects.create(
                client_id=client_id,
                household=household,
                village=household.village,
                visited_on=visited_on,
                purpose=purpose,
                notes=notes,
                visitor=user,
                member=member,
            )
            for photo in photos:
                VisitPhoto.objects.create(visit=visit, image=photo)
            for item in concerns:
                concern_collect(
                    user=user,
                    village=household.village,
                    category=item["category"],
                    description=item["description"],
                    resident=item.get("resident"),
                    visit=visit,
                    is_common=bool(item.get("is_common")),
                )
            for item in callbacks:
                made = callback_record(
                    user=user,
                    enrolment=item["enrolment"],
                    method=Callback.Method.VISIT,
                    called_on=visited_on,
                    reached=item["reached"],
                    today=today,
                    **{key: item.get(key) for key in CALLBACK_ANSWERS},
                )
                VisitCallback.objects.create(visit=visit, callback=made, enrolment=item["enrolment"])
    except IntegrityError:
        # The same visit arrived twice at once: the other request stored it.
        stored = _visit_stored(user=user, client_id=client_id)
        if stored is None:
            raise
        return stored, False
    return visit, True


def _visit_stored(*, user, client_id) -> HomeVisit | None:
    stored = HomeVisit.objects.filter(client_id=client_id).select_related("village").first()
    if stored is not None and not division_in_scope(user, stored.village):
        raise ValidationError({"client_id": gettext("This visit id is already used.")})
    return stored


@transaction.atomic
def concern_collect(
    *, user, village: Division, category: str, description: str, resident=None, visit=None, is_common=False
) -> Concern:
    """Record a resident's concern in a village of the user's area (收集)."""
    require_role(user, *RECORDERS)
    _in_scope(user, village, "village")
    if not village.is_village:
        raise ValidationError({"village": gettext("A concern belongs to a village.")})
    if category not in Concern.Category.values:
        raise ValidationError({"category": gettext("“%(value)s” is not a category.") % {"value": category}})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": gettext("Describe the concern.")})
    if resident is not None and resident.village_id != village.pk:
        raise ValidationError(
            {"resident": gettext("%(name)s does not live in this village.") % {"name": resident.name}}
        )
    concern = Concern.objects.create(
        village=village,
        category=category,
        description=description,
        resident=resident,
        visit=visit,
        is_common=is_common,
        created_by=user,
    )
    concern._history_user = user
    _concern_event(concern, action="collect", by=user, note=description[:200])
    return concern


def _concern_qs(user):
    return Concern.objects.visible_to(user)


@transaction.atomic
def concern_triage(*, user, concern: Concern, decision: str, explanation: str = "") -> Concern:
    """Record the triage decision (研判分拣): solve in the village, escalate to the township, or
    explain and close (unreasonable or already answered; the explanation is required)."""
    explanation = (explanation or "").strip()
    names = {
        Concern.Decision.VILLAGE: "triage_village",
        Concern.Decision.ESCALATE: "triage_escalate",
        Concern.Decision.EXPLAIN: "triage_explain",
    }
    if decision not in names:
        raise ValidationError(
            {"decision": gettext("“%(value)s” is not a triage decision.") % {"value": decision}}
        )
    if decision == Concern.Decision.EXPLAIN and not explanation:
        raise ValidationError({"explanation": gettext("Write the explanation given to the resident.")})
    before = concern.status
    concern = CONCERN.transition(
        obj=concern,
        user=user,
        name=names[decision],
        queryset=_concern_qs(user),
        decision=decision,
        explanation=explanation,
    )
    _concern_event(concern, action=names[decision], from_status=before, by=user, note=explanation)
    return concern


@transaction.atomic
def concern_dispatch(*, user, concern: Concern, departments, deadline: datetime.date, today=None) -> Concern:
    """Dispatch to one or more departments with a deadline (确认派发); not in the past."""
    today = _today(today)
    departments = list(departments or ())
    if not departments:
        raise ValidationError({"departments": gettext("Choose at least one department.")})
    _departments_check(user, departments, concern)
    if deadline is None or deadline < today:
        raise ValidationError(
            {
                "deadline": gettext("The deadline %(date)s is in the past (today is %(today)s).")
                % {"date": deadline, "today": today}
            }
        )
    before = concern.status
    concern = CONCERN.transition(
        obj=concern,
        user=user,
        name="dispatch",
        queryset=_concern_qs(user),
        deadline=deadline,
        is_overdue=False,
        overdue_since=None,
    )
    concern.departments.add(*departments)
    names = "、".join(d.name for d in departments)
    _concern_event(concern, action="dispatch", from_status=before, by=user, note=f"{names} · {deadline}")
    return concern


def _departments_check(user, departments, concern) -> None:
    """Only township staff dispatch, and only to active departments serving the concern's
    village (its township's or the county's)."""
    require_role(user, *EDITORS)
    for department in departments:
        if not department.is_active or not concern.village.code.startswith(department.division.code):
            raise ValidationError(
                {"departments": gettext("%(name)s does not serve this village.") % {"name": department.name}}
            )


@transaction.atomic
def concern_whistle(
    *, user, concern: Concern, departments, deadline: datetime.date | None = None, today=None
) -> Concern:
    """Blow the whistle (吹哨): call several departments at once; each reports (报到) later."""
    today = _today(today)
    departments = list(departments or ())
    if len(departments) < 1:
        raise ValidationError({"departments": gettext("Choose at least one department.")})
    _departments_check(user, departments, concern)
    if deadline is not None and deadline < today:
        raise ValidationError(
            {
                "deadline": gettext("The deadline %(date)s is in the past (today is %(today)s).")
                % {"date": deadline, "today": today}
            }
        )
    before = concern.status
    changes = {"deadline": deadline, "is_overdue": False, "overdue_since": None} if deadline else {}
    concern = CONCERN.transition(
        obj=concern, user=user, name="whistle", queryset=_concern_qs(user), **changes
    )
    now = timezone.now()
    concern.departments.add(*departments)
    WhistleCall.objects.bulk_create(
        [WhistleCall(concern=concern, department=d, called_at=now, called_by=user) for d in departments]
    )
    _concern_event(
        concern, action="whistle", from_status=before, by=user, note="、".join(d.name for d in departments)
    )
    return concern


@transaction.atomic
def whistle_report(*, user, call: WhistleCall, note: str = "") -> WhistleCall:
    """A called department reports (吹哨报到): who and when. Reporting twice keeps the first."""
    require_role(user, Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
    call = (
        WhistleCall.objects.visible_to(user).select_for_update().filter(pk=getattr(call, "pk", call)).first()
    )
    if call is None:
        raise ValidationError({"call": gettext("This whistle call lies outside your area.")})
    if call.reported_at is not None:
        return call
    call.reported_at, call.reported_by, call.note = timezone.now(), user, (note or "").strip()
    call.save(update_fields=["reported_at", "reported_by", "note"])
    concern = call.concern
    _concern_event(
        concern,
        action="report",
        from_status=concern.status,
        by=user,
        note=f"{call.department.name} {call.note}",
    )
    return call


@transaction.atomic
def concern_resolve(*, user, concern: Concern, resolution: str, today=None) -> Concern:
    """Record what was done (办结)."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": gettext("Write what was done.")})
    before = concern.status
    concern = CONCERN.transition(
        obj=concern,
        user=user,
        name="resolve",
        queryset=_concern_qs(user),
        resolution=resolution,
        resolved_on=_today(today),
        is_overdue=False,
    )
    _concern_event(concern, action="resolve", from_status=before, by=user, note=resolution)
    return concern


@transaction.atomic
def concern_feedback(
    *,
    user,
    concern: Concern,
    how: str,
    given_on: datetime.date,
    is_satisfied: bool,
    note: str = "",
    today=None,
) -> Concern:
    """Record the feedback to the resident (反馈): how, when, satisfied or not. Only after the
    resolution; a resident who is not satisfied reopens the concern for a new triage."""
    today = _today(today)
    current = _concern_qs(user).filter(pk=concern.pk).first()
    if current is None:
        raise ValidationError({"concern": gettext("This concern lies outside your area.")})
    if current.status != Concern.Status.RESOLVED:
        raise ValidationError(
            {
                "feedback_on": gettext("Feedback comes after the resolution; the concern is %(state)s.")
                % {"state": current.get_status_display()}
            }
        )
    if how not in Concern.FeedbackHow.values:
        raise ValidationError(
            {"feedback_how": gettext("“%(value)s” is not a way of giving feedback.") % {"value": how}}
        )
    _not_future(given_on, field="feedback_on", today=today)
    if given_on < current.resolved_on:
        raise ValidationError(
            {
                "feedback_on": gettext("%(date)s is before the resolution (%(resolved)s).")
                % {"date": given_on, "resolved": current.resolved_on}
            }
        )
    name = "close" if is_satisfied else "reopen"
    concern = CONCERN.transition(
        obj=current,
        user=user,
        name=name,
        queryset=_concern_qs(user),
        feedback_how=how,
        feedback_on=given_on,
        is_satisfied=bool(is_satisfied),
    )
    _concern_event(
        concern, action="feedback", from_status=Concern.Status.RESOLVED, by=user, note=(note or "").strip()
    )
    return concern


@transaction.atomic
def concerns_flag_overdue(
    *, today: datetime.date | None = None, escalate_after_days: int | None = None
) -> dict:
    """Hourly (beat): flag dispatched concerns whose deadline has passed (the deadline day itself
    is still in time), unflag those resolved or given a new deadline, and escalate to the
    township leader those overdue for ``escalate_after_days`` (setting PARTYCARE_ESCALATE_AFTER_DAYS).
    Idempotent: a second run in the same hour changes nothing."""
    today = _today(today)
    days = escalate_after_days
    if days is None:
        days = getattr(settings, "PARTYCARE_ESCALATE_AFTER_DAYS", ESCALATE_AFTER_DAYS)
    late = Q(status__in=Concern.DEADLINE_STATUSES, deadline__lt=today)
    newly = list(
        Concern.objects.filter(late, is_overdue=False).select_for_update().values_list("pk", "status")
    )
    Concern.objects.filter(pk__in=[pk for pk, _ in newly]).update(is_overdue=True, overdue_since=today)
    cleared = (
        Concern.objects.filter(is_overdue=True).exclude(late).update(is_overdue=False, overdue_since=None)
    )
    limit = today - datetime.timedelta(days=days)
    escalate = list(
        Concern.objects.filter(
            late, is_overdue=True, escalated_to_leader_on__isnull=True, deadline__lte=limit
        )
        .select_for_update()
        .values_list("pk", "status")
    )
    Concern.objects.filter(pk__in=[pk for pk, _ in escalate]).update(escalated_to_leader_on=today)
    ConcernEvent.objects.bulk_create(
        [ConcernEvent(concern_id=pk, action="overdue", from_status=s, to_status=s) for pk, s in newly]
        + [
            ConcernEvent(concern_id=pk, action="escalate_leader", from_status=s, to_status=s)
            for pk, s in escalate
        ]
    )
    return {"flagged": len(newly), "cleared": cleared, "escalated": len(escalate)}
