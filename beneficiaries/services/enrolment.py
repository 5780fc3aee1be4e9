"""Enrolments (纳入/退出) and their three notice rounds (三榜公示).

Writes are keyword-only; each function is its own transaction and refuses bad input with a
message that names the field and the value."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from beneficiaries import rules
from beneficiaries.models import (
    Enrolment,
    Household,
    Person,
)
from beneficiaries.permissions import ENROLMENT_MACHINE
from beneficiaries.selectors import NOTICE_ROUNDS, PREVIOUS_ROUND, enrolment_project_get
from beneficiaries.services.batches import trim_draft_lines
from beneficiaries.services.recoveries import recoveries_record
from core import clock
from org.audit import audited_save
from org.models import Division
from org.roles import FIELD, OFFICE, require_role
from org.scoping import division_in_scope


def enrolment_create(
    *,
    user,
    project,
    person: Person,
    tier: str = "",
    household: Household | None = None,
    persons_covered: int = 1,
    applied_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Enrolment:
    """Enrol a person (or their household) in a project-year, status "applied".

    Refuses a person outside the user's area, and what beneficiaries.rules.enrolment_errors
    refuses (the roster import asks the same): a deceased or moved-out person, a second
    enrolment of the same person in the same project-year (also when two requests race: the
    unique index decides), a project not run where the person lives, a household the person
    does not belong to, persons covered outside 1–30, an application date in the future or
    before the person's birth.
    """
    require_role(user, *FIELD)
    today = today or clock.today()
    person = Person.objects.visible_to(user).select_related("village").filter(pk=person.pk).first()
    if person is None:
        raise ValidationError({"person": gettext("This person is outside your area.")})
    project = enrolment_project_get(user=user, project=project)
    facts = rules.PersonFacts.of(person)
    applied_on = applied_on or today
    errors = rules.enrolment_errors(
        person=facts,
        village=person.village,
        project=project,
        applied_on=applied_on,
        persons_covered=persons_covered,
        today=today,
        is_enrolled=Enrolment.objects.filter(project=project, person=person).exists(),
        household_id=household.pk if household is not None else None,
    )
    if errors:
        raise rules.validation_error(errors)
    enrolment = Enrolment(
        project=project,
        person=person,
        household=household,
        village=person.village,
        tier=(tier or "").strip(),
        persons_covered=persons_covered,
        applied_on=applied_on,
        created_by=user,
    )
    try:
        with transaction.atomic():
            audited_save(enrolment, user=user)
    except IntegrityError:
        raise rules.validation_error(
            {"person": rules.already_enrolled(person=facts, project=project)}
        ) from None
    return enrolment


def round_blocking_reason(enrolment: Enrolment, *, round: str, known: dict | None = None) -> str | None:
    """Why the ``round`` of the three-round notice may not be posted for ``enrolment`` yet, or
    None: the rounds follow each other, so the previous round's notice must be closed with no
    objection (its period over, every objection answered: the publicity app decides).
    ``known`` caches the answer per notice when many enrolments share one."""
    from publicity.selectors import notice_blocking_reason

    previous = PREVIOUS_ROUND.get(round)
    if previous is None:
        return None
    field, label = NOTICE_ROUNDS[previous]
    notice_id = getattr(enrolment, f"{field}_id")
    if notice_id is None:
        return gettext("The %(round)s has not been posted yet.") % {"round": label}
    known = {} if known is None else known
    if notice_id not in known:
        reason = notice_blocking_reason(notice=getattr(enrolment, field))
        known[notice_id] = f"{label}: {reason}" if reason else None
    return known[notice_id]


def enrolment_review(*, user, enrolment: Enrolment) -> Enrolment:
    return ENROLMENT_MACHINE.transition(
        obj=enrolment, user=user, name="review", queryset=Enrolment.objects.visible_to(user)
    )


def enrolment_put_on_notice(*, user, enrolment: Enrolment) -> Enrolment:
    return ENROLMENT_MACHINE.transition(
        obj=enrolment, user=user, name="notice", queryset=Enrolment.objects.visible_to(user)
    )


@transaction.atomic
def enrolment_approve(*, user, enrolment: Enrolment, today: datetime.date | None = None) -> Enrolment:
    """Approve after the three rounds: refused while a round is missing, still open, or has an
    unanswered objection, and refused to the person who entered the enrolment (four-eyes)."""
    today = today or clock.today()
    # the four-eyes rule and the notice rounds are the transition's guard
    # (beneficiaries.permissions.enrolment_approve_guard), checked under the row lock
    return ENROLMENT_MACHINE.transition(
        obj=enrolment,
        user=user,
        name="approve",
        queryset=Enrolment.objects.visible_to(user),
        approved_by=user,
        approved_on=today,
    )


def enrolment_activate(*, user, enrolment: Enrolment, active_from: datetime.date) -> Enrolment:
    """Start payments from ``active_from`` (the first period paid is the one containing it)."""
    if active_from is None:
        raise ValidationError({"active_from": gettext("Give the date payments start.")})
    return ENROLMENT_MACHINE.transition(
        obj=enrolment,
        user=user,
        name="activate",
        queryset=Enrolment.objects.visible_to(user),
        active_from=active_from,
    )


@transaction.atomic
def enrolment_exit(
    *,
    user,
    enrolment: Enrolment,
    reason: str,
    on: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
) -> Enrolment:
    """Exit (death, move, no longer eligible). ``on`` is the last day in the programme: later
    days are no longer paid, the enrolment's lines in batches still in draft are cut back to what
    the days up to ``on`` are worth (batches.trim_draft_lines), and days after ``on`` already paid
    by an approved, sent or reconciled batch become recovery items (services.recoveries)."""
    today = today or clock.today()
    if reason not in Enrolment.ExitReason.values:
        raise ValidationError({"exit_reason": gettext("Choose why the enrolment ends.")})
    if on is None or on > today:
        raise ValidationError(
            {"exit_on": gettext("The exit date %(date)s is missing or in the future.") % {"date": on}}
        )
    if reason == Enrolment.ExitReason.OTHER and not (note or "").strip():
        raise ValidationError({"exit_note": gettext("Say why the enrolment ends.")})
    with transaction.atomic():
        exited = ENROLMENT_MACHINE.transition(
            obj=enrolment,
            user=user,
            name="exit",
            queryset=Enrolment.objects.visible_to(user),
            exit_reason=reason,
            exit_on=on,
            exit_note=(note or "").strip()[:200],
        )
        exited.payments_removed = trim_draft_lines(user=user, enrolments=[exited], last_day=on)
        recoveries_record(user=user, enrolment_id=exited.pk)
    return exited


BULK_ACTIONS = {
    "review": lambda user, enrolment, options: enrolment_review(user=user, enrolment=enrolment),
    "notice": lambda user, enrolment, options: enrolment_put_on_notice(user=user, enrolment=enrolment),
    "approve": lambda user, enrolment, options: enrolment_approve(user=user, enrolment=enrolment),
    "activate": lambda user, enrolment, options: enrolment_activate(
        user=user, enrolment=enrolment, active_from=options.get("active_from")
    ),
}
BULK_LIMIT = 500


def enrolment_bulk(*, user, action: str, enrolment_ids, **options) -> dict:
    """One step for many enrolments (a village's list after the meeting, a township's approvals
    after the final notice). Each enrolment goes through the same service as on its own page,
    in its own transaction, so the rules (roles, four-eyes, the notice being clear) hold for every
    one; the refused ones are listed with their reason and stay as they were. Returns
    ``{"done": [enrolments], "refused": [(enrolment, reason)], "missing": n}``."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": gettext("Choose what to do with the selected enrolments.")})
    ids = sorted({int(pk) for pk in enrolment_ids})
    if not ids:
        raise ValidationError({"enrolments": gettext("Select at least one enrolment.")})
    if len(ids) > BULK_LIMIT:
        raise ValidationError(
            {"enrolments": gettext("At most %(limit)s enrolments at a time.") % {"limit": BULK_LIMIT}}
        )
    enrolments = list(
        Enrolment.objects.visible_to(user).filter(pk__in=ids).select_related("person").order_by("pk")
    )
    result = {"done": [], "refused": [], "missing": len(ids) - len(enrolments)}
    for enrolment in enrolments:
        try:
            result["done"].append(BULK_ACTIONS[action](user, enrolment, options))
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(getattr(error, "messages", None) or [str(error)]) or gettext(
                "You are not allowed to do this."
            )
            result["refused"].append((enrolment, reason))
    return result


NOTICE_COLUMNS = (
    ("name", "姓名", "name"),
    ("id_number", "身份证号", "id_number"),
    ("village", "村(社区)", ""),
    ("tier", "补助档次", ""),
    ("persons", "享受人数", ""),
)


@transaction.atomic
def enrolment_notice_post(
    *,
    user,
    project,
    division: Division,
    round: str,
    enrolments,
    ends_on: datetime.date | None = None,
    title: str = "",
    body: str = "",
):
    """Post one round of the three-round notice through the publicity app (a masked, immutable
    PublicNotice listing the enrolments) and link the enrolments to it. The enrolments must be
    of ``project``, inside ``division``, not yet on this round, and (rounds follow each other)
    their previous round closed with no objection. The notice starts now (the server's clock,
    never a typed date); ``ends_on`` is its last full day, by default the earliest the
    publicity app allows (settings.NOTICE_MIN_DAYS full days after the day of posting), which
    refuses an earlier one."""
    require_role(user, *OFFICE)
    if round not in NOTICE_ROUNDS:
        raise ValidationError({"round": gettext("Unknown notice round “%(round)s”.") % {"round": round}})
    field, label = NOTICE_ROUNDS[round]
    if not division_in_scope(user, division):
        raise ValidationError(
            {"division": gettext("%(village)s is outside your area.") % {"village": division.name}}
        )
    enrolment_project_get(user=user, project=project)
    locked = _enrolments_for_round(
        user=user, project=project, division=division, round=round, enrolments=enrolments
    )
    notice = _round_notice_publish(
        user=user,
        project=project,
        division=division,
        label=label,
        enrolments=locked,
        ends_on=ends_on,
        title=title,
        body=body,
    )
    for enrolment in locked:
        setattr(enrolment, field, notice)
        audited_save(enrolment, user=user, update_fields=[field])
    return notice


def _enrolments_for_round(*, user, project, division: Division, round: str, enrolments) -> list[Enrolment]:
    """The enrolments locked through the user's scope, in notice order (village, name), each
    checked: of ``project``, inside ``division``, not yet on this round, its previous round
    closed with no objection. Refuses the first that is not, naming the person."""
    field, label = NOTICE_ROUNDS[round]
    ids = [e.pk for e in enrolments]
    locked = list(
        Enrolment.objects.visible_to(user)
        .select_for_update(of=("self",))
        .filter(pk__in=ids, project=project)
        .select_related("village", "person")
        .order_by("village__code", "person__name")
    )
    if not locked or len(locked) != len(set(ids)):
        raise ValidationError(
            {"enrolments": gettext("Some enrolments are not in this project or outside your area.")}
        )
    previous_rounds: dict = {}
    for enrolment in locked:
        if not enrolment.village.code.startswith(division.code):
            raise ValidationError(
                {
                    "enrolments": gettext("%(name)s is not in %(division)s.")
                    % {"name": enrolment.person.name, "division": division.name}
                }
            )
        if getattr(enrolment, f"{field}_id") is not None:
            raise ValidationError(
                {
                    "enrolments": gettext("%(name)s is already on the %(round)s.")
                    % {"name": enrolment.person.name, "round": label}
                }
            )
        waiting = round_blocking_reason(enrolment, round=round, known=previous_rounds)
        if waiting:
            raise ValidationError(
                {
                    "enrolments": gettext("%(name)s cannot go on the %(round)s yet: %(reason)s")
                    % {"name": enrolment.person.name, "round": label, "reason": waiting}
                }
            )
    return locked


def _round_notice_publish(
    *, user, project, division: Division, label, enrolments, ends_on, title: str, body: str
):
    """Publish the round's notice through the publicity app: a masked, immutable list of the
    enrolments (NOTICE_COLUMNS), titled by default with the division, year, project and round."""
    from publicity.models import PublicNotice
    from publicity.services import notice_publish

    rows = [
        {
            "name": e.person.name,
            "id_number": e.person.id_number,
            "village": e.village.name,
            "tier": e.tier,
            "persons": e.persons_covered,
        }
        for e in enrolments
    ]
    return notice_publish(
        user=user,
        kind=PublicNotice.Kind.ENROLMENT,
        division=division,
        title=(title or "").strip()
        or gettext("%(division)s %(year)s %(project)s: %(round)s")
        % {"division": division.name, "year": project.year, "project": project.name, "round": label},
        ends_on=ends_on,
        rows=rows,
        columns=NOTICE_COLUMNS,
        source=project,
        stage=str(label),
        body=body,
    )
