"""Hardship aid (帮扶救助): standards, applications, branch check, public notice, township and county steps, payment.

Writes are keyword-only; each function is its own transaction, takes the acting user, checks
role and scope, and refuses bad input with a message naming the field."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.money import ZERO, money, parse_money
from org.audit import audited_save
from org.models import Role
from org.roles import AID_APPLICANTS, has_role, require_role
from partycare import eligibility
from partycare.models import (
    AidApplication,
    AidStandard,
    PartyMember,
)
from partycare.services.checks import _member_for_write, _not_future, _today
from partycare.services.pioneer import due_items_refresh
from partycare.states import AID
from publicity.models import PublicNotice
from publicity.services import notice_publish

# one-off aid around 200 元, decided case by case).
DEFAULT_STANDARDS = {
    AidStandard.Kind.OLD_MEMBER_ALLOWANCE: (Decimal("200.00"), Decimal("200.00"), Decimal("600.00")),
    AidStandard.Kind.ONE_OFF: (Decimal("50.00"), Decimal("200.00"), Decimal("500.00")),
}


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
    require_role(user, *AID_APPLICANTS)
    today = _today(today)
    member = _member_for_write(user, member)
    _check_kind_and_member(kind=kind, member=member)
    amount, reason = _checked_amount(amount, amount_reason=amount_reason, year=year, kind=kind)
    cause = _checked_cause(cause, member=member, kind=kind, year=year, today=today)
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
    audited_save(application, user=user)
    transaction.on_commit(lambda: due_items_refresh(member_ids=[member.pk], today=today))
    return application


def _check_kind_and_member(*, kind: str, member: PartyMember) -> None:
    if kind not in AidApplication.Kind.values:
        raise ValidationError({"kind": gettext("Unknown kind “%(kind)s”.") % {"kind": kind}})
    if not member.is_active_member or not member.person.is_living:
        raise ValidationError(
            {"member": gettext("%(name)s is not an active member.") % {"name": member.person.name}}
        )


def _checked_amount(amount, *, amount_reason: str, year: int, kind: str) -> tuple[Decimal, str]:
    """The amount in 元 and the reason for it, checked against the year's standard: above zero,
    at least the minimum, a reason when above the cap."""
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
    return amount, reason


def _checked_cause(cause: str, *, member: PartyMember, kind: str, year: int, today: datetime.date) -> str:
    """The old-member allowance's cause is age, for a member who meets the rule this year and has
    no allowance yet; one-off aid names one of the hardship causes."""
    if kind == AidApplication.Kind.OLD_MEMBER_ALLOWANCE:
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
        return AidApplication.Cause.AGE
    if cause not in {
        AidApplication.Cause.DISASTER,
        AidApplication.Cause.ACCIDENT,
        AidApplication.Cause.ILLNESS,
        AidApplication.Cause.OTHER,
    }:
        raise ValidationError(
            {"cause": gettext("Choose the cause: disaster, accident, serious illness or other.")}
        )
    return cause


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
    ends_on: datetime.date | None = None,
    title: str = "",
    body: str = "",
) -> AidApplication:
    """Post the application's public notice (公示) through the publicity app (kind "aid",
    source = the application; name and ID number masked) and move it into notice.

    The notice starts now (the server's clock, never a typed date); ``ends_on`` is its last full
    day, by default the earliest allowed (settings.NOTICE_MIN_DAYS full days after the day of
    posting). The township check waits until it is over and closed with no objection.

    Who: township staff, not the person who did the branch check. Raises PermissionDenied
    (role), ValidationError for the wrong state, the four-eyes rule, and the publicity app's
    refusals (an end before the earliest day …). All or nothing: no notice without the step."""
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


def aid_township_check(*, user, application: AidApplication) -> AidApplication:
    """The township's check (镇党委核查): only once the public notice is over and closed with
    no objection, every objection answered (the publicity app decides); by another person
    than the one who posted the notice (both the transition's guard,
    partycare.guards.aid_township_check_guard)."""
    return AID.transition(
        obj=application,
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
