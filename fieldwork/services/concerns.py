"""Residents' concerns (群众诉求): collect, triage, dispatch, whistle, resolve, feedback, overdue flags.

Writes are keyword-only; each function is its own transaction, takes the acting user, checks
role and scope, and refuses bad input with a message naming the field."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from fieldwork.models import Concern, ConcernEvent, WhistleCall
from fieldwork.services.checks import _in_scope, _not_future, _today
from fieldwork.states import CONCERN
from org.audit import SYSTEM, audited_create, audited_update
from org.models import Division
from org.roles import FIELD, OFFICE, require_role

ESCALATE_AFTER_DAYS = 3
#: the task named in the history rows of concerns_flag_overdue (by org.audit.SYSTEM)
OVERDUE_TASK = "concerns_flag_overdue"


def _concern_event(concern, *, action: str, by, from_status: str = "", note: str = "") -> None:
    ConcernEvent.objects.create(
        concern=concern, action=action, from_status=from_status, to_status=concern.status, by=by, note=note
    )


@transaction.atomic
def concern_collect(
    *, user, village: Division, category: str, description: str, resident=None, visit=None, is_common=False
) -> Concern:
    """Record a resident's concern in a village of the user's area (收集)."""
    require_role(user, *FIELD)
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
    concern = audited_create(
        Concern,
        user=user,
        village=village,
        category=category,
        description=description,
        resident=resident,
        visit=visit,
        is_common=is_common,
        created_by=user,
    )
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
    require_role(user, *OFFICE)
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
    require_role(user, *OFFICE)
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
    township leader those overdue for ``escalate_after_days`` (setting FIELDWORK_ESCALATE_AFTER_DAYS).
    Idempotent: a second run in the same hour changes nothing. Scheduled work: the history rows
    name no user and the change reason "system: concerns_flag_overdue"."""
    today = _today(today)
    days = escalate_after_days
    if days is None:
        days = getattr(settings, "FIELDWORK_ESCALATE_AFTER_DAYS", ESCALATE_AFTER_DAYS)
    late = Q(status__in=Concern.DEADLINE_STATUSES, deadline__lt=today)
    newly = list(
        Concern.objects.filter(late, is_overdue=False).select_for_update().values_list("pk", "status")
    )
    audited_update(
        Concern.objects.filter(pk__in=[pk for pk, _ in newly]),
        user=SYSTEM,
        reason=OVERDUE_TASK,
        is_overdue=True,
        overdue_since=today,
    )
    cleared = audited_update(
        Concern.objects.filter(is_overdue=True).exclude(late),
        user=SYSTEM,
        reason=OVERDUE_TASK,
        is_overdue=False,
        overdue_since=None,
    )
    limit = today - datetime.timedelta(days=days)
    escalate = list(
        Concern.objects.filter(
            late, is_overdue=True, escalated_to_leader_on__isnull=True, deadline__lte=limit
        )
        .select_for_update()
        .values_list("pk", "status")
    )
    audited_update(
        Concern.objects.filter(pk__in=[pk for pk, _ in escalate]),
        user=SYSTEM,
        reason=OVERDUE_TASK,
        escalated_to_leader_on=today,
    )
    ConcernEvent.objects.bulk_create(
        [ConcernEvent(concern_id=pk, action="overdue", from_status=s, to_status=s) for pk, s in newly]
        + [
            ConcernEvent(concern_id=pk, action="escalate_leader", from_status=s, to_status=s)
            for pk, s in escalate
        ]
    )
    return {"flagged": len(newly), "cleared": cleared, "escalated": len(escalate)}
