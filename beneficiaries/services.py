"""Writes of the person registry. Keyword-only; each function is its own transaction and
refuses bad input with a message that names the field and the value."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries.bulk import analyze, insert_with_history
from beneficiaries.models import (
    AnomalyFinding,
    Callback,
    Enrolment,
    ExclusivePair,
    Household,
    Payment,
    PaymentBatch,
    Person,
    SubsidyStandard,
    UserPerson,
)
from common.idcard import parse_id_number
from common.money import money, parse_money
from common.pinyin import search_key
from common.states import StateMachine, Transition
from org.models import Division, Role
from org.roles import require_role
from org.scoping import division_in_scope, scope_prefix
from org.services import ensure_four_eyes

REGISTRY_ROLES = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE)


def _check_village(*, user, village: Division, field: str = "village") -> None:
    if village is None or village.level != Division.Level.VILLAGE:
        raise ValidationError({field: gettext("Choose a village (村/社区), not a township or county.")})
    if not division_in_scope(user, village):
        raise ValidationError(
            {field: gettext("%(village)s is outside your area.") % {"village": village.name}}
        )


def _check_card(card: str) -> str:
    card = "".join(str(card or "").split())
    if card and (not card.isdigit() or not 12 <= len(card) <= 19):
        raise ValidationError(
            {"bank_card": gettext("Bank card number “%(value)s” must be 12 to 19 digits.") % {"value": card}}
        )
    return card


def _duplicate_error(*, user, id_number: str) -> ValidationError:
    existing = Person.objects.with_id_number(id_number).select_related("village__parent").first()
    if existing is not None and division_in_scope(user, existing.village):
        where = f"{existing.village.parent.name}{existing.village.name}"
        message = gettext("ID number %(id)s is already registered (%(name)s, %(where)s).") % {
            "id": existing.masked_id_number,
            "name": existing.name,
            "where": where,
        }
    else:
        message = gettext(
            "ID number %(id)s is already registered in another area: ask the township office to move the person."
        ) % {"id": id_number[:4] + "*" * 10 + id_number[-4:]}
    return ValidationError({"id_number": ValidationError(message, code="duplicate_id")})


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

    Refuses a malformed ID (length, characters, birth date, checksum), an ID already registered
    anywhere (also when two registrations race: the database's unique index decides), a
    village outside the user's area, and a bank card that is not 12–19 digits.
    ``household_number`` (instead of ``household``) joins the village's household of that number,
    creating it when it is new: the registration form's way.
    """
    require_role(user, *REGISTRY_ROLES)
    try:
        info = parse_id_number(id_number, today=today or timezone.localdate())
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("The name is required.")})
    _check_village(user=user, village=village)
    household_number = (household_number or "").strip()
    if household is None and household_number:
        household = Household.objects.filter(village=village, number=household_number).first()
        if household is None:
            household = household_create(user=user, village=village, number=household_number)
    if household is not None and household.village_id != village.pk:
        raise ValidationError({"household": gettext("The household belongs to another village.")})
    card = _check_card(bank_card)
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
    )
    person.full_clean(
        exclude=["id_number_cipher", "id_number_index", "bank_card_cipher", "bank_card_index"],
        validate_unique=False,
    )
    person._history_user = user
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise _duplicate_error(user=user, id_number=info.number) from None
    return person


@transaction.atomic
def person_update(*, user, person: Person, **changes) -> Person:
    """Change name, phone, household, relation or bank card. The ID number never changes here
    (a wrong ID is a new registration after the old one is closed)."""
    require_role(user, *REGISTRY_ROLES)
    person = Person.objects.visible_to(user).select_for_update().get(pk=person.pk)
    allowed = {"name", "phone", "household", "relation", "bank_card", "bank_name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: gettext("This field cannot be changed here.")})
    if "bank_card" in changes:
        changes["bank_card"] = _check_card(changes["bank_card"])
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ValidationError({"name": gettext("The name is required.")})
        person.name_search = search_key(changes["name"])
    household = changes.get("household")
    if household is not None and household.village_id != person.village_id:
        raise ValidationError({"household": gettext("The household belongs to another village.")})
    for key, value in changes.items():
        setattr(person, key, value)
    person._history_user = user
    person.save()
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
    them since. The returned person carries ``enrolments_exited``, ``enrolments_restored`` and
    ``payments_removed`` counts for the message."""
    require_role(user, Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE)
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
    person._history_user = user
    person.save(update_fields=["status", "status_on", "updated_at"])
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
        enrolment._history_user = user
        enrolment._change_reason = EXIT_WITH_PERSON
        enrolment.save(update_fields=["status", "exit_reason", "exit_on", "exit_note"])
        exited += 1
    removable = Payment.objects.filter(
        enrolment__person=person,
        batch__status=PaymentBatch.Status.DRAFT,
        status=Payment.Status.PENDING,
        period_start__gte=on,
    )
    batches = list(PaymentBatch.objects.filter(pk__in=removable.values("batch_id")).select_for_update())
    removed = 0
    if batches:
        removed, _by_model = removable.filter(batch__in=batches).delete()
        for batch in batches:
            _batch_totals(batch)
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
        enrolment._history_user = user
        enrolment._change_reason = RESTORE_WITH_PERSON
        # one enrolment per person and project-year ever (a database constraint): nothing can have
        # taken its place in the meantime
        enrolment.save(update_fields=["status", "exit_reason", "exit_on", "exit_note"])
        restored += 1
    return restored


@transaction.atomic
def household_create(
    *, user, village: Division, number: str, address: str = "", phone: str = ""
) -> Household:
    require_role(user, *REGISTRY_ROLES)
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
    household._history_user = user
    household.save()
    return household


@transaction.atomic
def household_set_head(*, user, household: Household, person: Person) -> Household:
    require_role(user, *REGISTRY_ROLES)
    household = Household.objects.visible_to(user).select_for_update().get(pk=household.pk)
    if person.household_id != household.pk:
        raise ValidationError({"head": gettext("The head must be a member of the household.")})
    household.head = person
    household._history_user = user
    household.save(update_fields=["head"])
    Person.objects.filter(pk=person.pk).update(relation=Person.Relation.HEAD)
    return household


# --- enrolments -------------------------------------------------------------------------------

ENROL_ROLES = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE)
OFFICE_ROLES = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
MIN_NOTICE_DAYS = 7


def _project_visible(*, user, project):
    from beneficiaries.selectors import enrolment_projects

    if project is None or not enrolment_projects(user=user).filter(pk=project.pk).exists():
        raise ValidationError(
            {"project": gettext("The project %(project)s is outside your area.") % {"project": project}}
        )


def _already_enrolled_error(project, person) -> ValidationError:
    return ValidationError(
        {
            "person": ValidationError(
                gettext("%(name)s (%(id)s) is already enrolled in %(project)s %(year)s.")
                % {
                    "name": person.name,
                    "id": person.masked_id_number,
                    "project": project.name,
                    "year": project.year,
                },
                code="enrolled_twice",
            )
        }
    )


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

    Refuses a person outside the user's area, a deceased or moved-out person, a second
    enrolment of the same person in the same project-year (checked here, and by the unique
    index when two requests race), a household the person does not belong to.
    """
    require_role(user, *ENROL_ROLES)
    today = today or timezone.localdate()
    person = Person.objects.visible_to(user).select_related("village").filter(pk=person.pk).first()
    if person is None:
        raise ValidationError({"person": gettext("This person is outside your area.")})
    _project_visible(user=user, project=project)
    if not person.is_living:
        raise ValidationError(
            {
                "person": gettext("%(name)s is recorded as %(status)s since %(date)s and cannot be enrolled.")
                % {"name": person.name, "status": person.get_status_display(), "date": person.status_on}
            }
        )
    if household is not None and person.household_id != household.pk:
        raise ValidationError({"household": gettext("The person is not a member of this household.")})
    if not persons_covered or persons_covered < 1:
        raise ValidationError({"persons_covered": gettext("At least one person must be covered.")})
    applied_on = applied_on or today
    if applied_on > today:
        raise ValidationError(
            {"applied_on": gettext("The date %(date)s is in the future.") % {"date": applied_on}}
        )
    if Enrolment.objects.filter(project=project, person=person).exists():
        raise _already_enrolled_error(project, person)
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
    enrolment._history_user = user
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        raise _already_enrolled_error(project, person) from None
    return enrolment


NOTICE_ROUNDS = {
    "village": ("village_notice", _("village list (first round)")),
    "township": ("township_notice", _("township review list (second round)")),
    "final": ("final_notice", _("final list (third round)")),
}


def _notice_blocking_reason(enrolment: Enrolment, today: datetime.date | None = None) -> str | None:
    """Why the three rounds do not clear the enrolment yet (None when they do): a round not
    posted, or the publicity app's reason for a posted one (still running, an objection
    unanswered or upheld, not closed)."""
    from publicity.selectors import notice_blocking_reason

    for field, label in NOTICE_ROUNDS.values():
        notice = getattr(enrolment, field)
        if notice is None:
            return gettext("The %(round)s has not been posted yet.") % {"round": label}
        reason = notice_blocking_reason(notice=notice)
        if reason:
            return f"{label}: {reason}"
    return None


def _check_posted(enrolment, user):
    if enrolment.village_notice_id is None:
        raise ValidationError(
            {
                "village_notice": gettext(
                    "Post the village list (first round) before putting the enrolment on notice."
                )
            }
        )


ENROLMENT_MACHINE = StateMachine(
    field="status",
    transitions=[
        Transition(
            "review",
            sources=(Enrolment.Status.APPLIED,),
            target=Enrolment.Status.VILLAGE_REVIEWED,
            roles=ENROL_ROLES,
            label=_("Village review done"),
        ),
        Transition(
            "notice",
            sources=(Enrolment.Status.VILLAGE_REVIEWED,),
            target=Enrolment.Status.NOTICE,
            roles=OFFICE_ROLES,
            label=_("Put on public notice"),
            check=_check_posted,
        ),
        Transition(
            "approve",
            sources=(Enrolment.Status.NOTICE,),
            target=Enrolment.Status.APPROVED,
            roles=(Role.TOWNSHIP_LEADER,),
            label=_("Approve"),
        ),
        Transition(
            "activate",
            sources=(Enrolment.Status.APPROVED,),
            target=Enrolment.Status.ACTIVE,
            roles=OFFICE_ROLES,
            label=_("Start payments"),
        ),
        Transition(
            "exit",
            sources=tuple(s for s in Enrolment.Status.values if s != Enrolment.Status.EXITED),
            target=Enrolment.Status.EXITED,
            roles=OFFICE_ROLES,
            label=_("Exit"),
        ),
    ],
)


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
    require_role(user, Role.TOWNSHIP_LEADER)
    today = today or timezone.localdate()
    locked = (
        Enrolment.objects.visible_to(user)
        .select_for_update(of=("self",))
        .select_related("village_notice", "township_notice", "final_notice", "created_by")
        .get(pk=enrolment.pk)
    )
    if locked.status == Enrolment.Status.NOTICE:
        ensure_four_eyes(prepared_by=locked.created_by, acting=user, what=str(locked))
        reason = _notice_blocking_reason(locked, today)
        if reason:
            raise ValidationError({"status": ValidationError(reason, code="notice_not_clear")})
    return ENROLMENT_MACHINE.transition(
        obj=locked,
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


def enrolment_exit(
    *,
    user,
    enrolment: Enrolment,
    reason: str,
    on: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
) -> Enrolment:
    """Exit (death, move, no longer eligible). Periods starting on or after ``on`` are no longer
    paid; payments already generated for them in a draft batch must be removed by regenerating."""
    today = today or timezone.localdate()
    if reason not in Enrolment.ExitReason.values:
        raise ValidationError({"exit_reason": gettext("Choose why the enrolment ends.")})
    if on is None or on > today:
        raise ValidationError(
            {"exit_on": gettext("The exit date %(date)s is missing or in the future.") % {"date": on}}
        )
    if reason == Enrolment.ExitReason.OTHER and not (note or "").strip():
        raise ValidationError({"exit_note": gettext("Say why the enrolment ends.")})
    return ENROLMENT_MACHINE.transition(
        obj=enrolment,
        user=user,
        name="exit",
        queryset=Enrolment.objects.visible_to(user),
        exit_reason=reason,
        exit_on=on,
        exit_note=(note or "").strip()[:200],
    )


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
    starts_on: datetime.date,
    ends_on: datetime.date,
    enrolments,
    title: str = "",
    body: str = "",
):
    """Post one round of the three-round notice through the publicity app (a masked, immutable
    PublicNotice listing the enrolments) and link the enrolments to it. The enrolments must be
    of ``project``, inside ``division``, and not yet on this round; publicity refuses a notice
    shorter than 7 days."""
    from publicity.models import PublicNotice
    from publicity.services import notice_publish

    require_role(user, *OFFICE_ROLES)
    if round not in NOTICE_ROUNDS:
        raise ValidationError({"round": gettext("Unknown notice round “%(round)s”.") % {"round": round}})
    field, label = NOTICE_ROUNDS[round]
    if not division_in_scope(user, division):
        raise ValidationError(
            {"division": gettext("%(village)s is outside your area.") % {"village": division.name}}
        )
    _project_visible(user=user, project=project)
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
    rows = [
        {
            "name": e.person.name,
            "id_number": e.person.id_number,
            "village": e.village.name,
            "tier": e.tier,
            "persons": e.persons_covered,
        }
        for e in locked
    ]
    notice = notice_publish(
        user=user,
        kind=PublicNotice.Kind.ENROLMENT,
        division=division,
        title=(title or "").strip()
        or gettext("%(division)s %(year)s %(project)s: %(round)s")
        % {"division": division.name, "year": project.year, "project": project.name, "round": label},
        starts_on=starts_on,
        ends_on=ends_on,
        rows=rows,
        columns=NOTICE_COLUMNS,
        source=project,
        stage=str(label),
        body=body,
    )
    for enrolment in locked:
        setattr(enrolment, field, notice)
        enrolment._history_user = user
        enrolment.save(update_fields=[field])
    return notice


# --- subsidy standards ------------------------------------------------------------------------


def _may_manage_project(*, user, project) -> None:
    """Standards and exclusive pairs are set by the office that owns the project."""
    from projects.models import Project

    require_role(user, *OFFICE_ROLES, Role.COUNTY_REVIEWER)
    if not Project.objects.owned_by_scope_of(user).filter(pk=project.pk).exists():
        raise ValidationError(
            {
                "project": gettext("Only the office that runs %(project)s sets its standards.")
                % {"project": project.name}
            }
        )


@transaction.atomic
def standard_set(
    *,
    user,
    project,
    amount,
    effective_from: datetime.date,
    tier: str = "",
    unit: str = SubsidyStandard.Unit.PERSON,
    period: str = SubsidyStandard.Period.YEAR,
    effective_to: datetime.date | None = None,
) -> SubsidyStandard:
    """Add a standard. The dates of two standards of the same project and tier may not
    overlap; an open-ended earlier standard is closed the day before the new one starts."""
    from projects.models import Project

    _may_manage_project(user=user, project=project)
    Project.objects.select_for_update().get(pk=project.pk)  # one standard change per project at a time
    amount = parse_money(amount, field="amount")
    if amount <= 0:
        raise ValidationError({"amount": gettext("The amount must be more than zero.")})
    if unit not in SubsidyStandard.Unit.values:
        raise ValidationError({"unit": gettext("Choose per person or per household.")})
    if period not in SubsidyStandard.Period.values:
        raise ValidationError({"period": gettext("Choose per month, quarter or year.")})
    if effective_from is None:
        raise ValidationError({"effective_from": gettext("Give the date the standard applies from.")})
    if effective_to is not None and effective_to < effective_from:
        raise ValidationError({"effective_to": gettext("The end date is before the start date.")})
    tier = (tier or "").strip()
    same = SubsidyStandard.objects.filter(project=project, tier=tier)
    open_earlier = same.filter(effective_from__lt=effective_from, effective_to__isnull=True).first()
    if open_earlier is not None:
        open_earlier.effective_to = effective_from - datetime.timedelta(days=1)
        open_earlier._history_user = user
        open_earlier.save(update_fields=["effective_to"])
    overlap = same.filter(
        models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=effective_from),
        **({"effective_from__lte": effective_to} if effective_to else {}),
    )
    if overlap.exists():
        other = overlap.first()
        raise ValidationError(
            {
                "effective_from": gettext(
                    "Another standard of this tier applies from %(start)s: the dates may not overlap."
                )
                % {"start": other.effective_from}
            }
        )
    standard = SubsidyStandard(
        project=project,
        tier=tier,
        unit=unit,
        period=period,
        amount=amount,
        effective_from=effective_from,
        effective_to=effective_to,
        created_by=user,
    )
    standard._history_user = user
    standard.save()
    return standard


def standard_amount_for(standard: SubsidyStandard, *, period: str, persons: int) -> Decimal:
    """The amount one enrolment gets for one batch period under ``standard``."""
    months = SubsidyStandard.MONTHS[period]
    per = standard.amount * months / SubsidyStandard.MONTHS[standard.period]
    if standard.unit == SubsidyStandard.Unit.PERSON:
        per *= persons
    return money(per)


@transaction.atomic
def exclusive_pair_add(*, user, first, second, note: str = "") -> ExclusivePair:
    _may_manage_project(user=user, project=first)
    _project_visible(user=user, project=second)
    if first.pk == second.pk:
        raise ValidationError({"second": gettext("Choose two different projects.")})
    if ExclusivePair.objects.filter(
        models.Q(first=first, second=second) | models.Q(first=second, second=first)
    ).exists():
        raise ValidationError({"second": gettext("These two projects are already marked as exclusive.")})
    return ExclusivePair.objects.create(first=first, second=second, note=(note or "").strip()[:200])


# --- payment batches --------------------------------------------------------------------------


def period_end(start: datetime.date, period: str) -> datetime.date:
    months = SubsidyStandard.MONTHS[period]
    month = start.month - 1 + months
    return datetime.date(start.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def _check_period_start(start: datetime.date, period: str) -> None:
    if period not in SubsidyStandard.Period.values:
        raise ValidationError({"period": gettext("Choose month, quarter or year.")})
    starts = {"month": range(1, 13), "quarter": (1, 4, 7, 10), "year": (1,)}[period]
    if start is None or start.day != 1 or start.month not in starts:
        raise ValidationError(
            {
                "period_start": gettext("%(date)s is not the first day of a %(period)s.")
                % {"date": start, "period": period}
            }
        )


def _eligible_enrolments(*, project, division, start: datetime.date, end: datetime.date):
    """Enrolments a period may pay: active (or exited after the period started), paying from
    before its end, and the person living (or deceased/moved after the period started)."""
    return (
        Enrolment.objects.filter(project=project, village__code__startswith=division.code)
        .filter(
            models.Q(status=Enrolment.Status.ACTIVE)
            | models.Q(status=Enrolment.Status.EXITED, exit_on__gt=start, active_from__isnull=False)
        )
        .filter(active_from__lte=end)
        .filter(models.Q(person__status=Person.Status.LIVING) | models.Q(person__status_on__gt=start))
    )


@transaction.atomic
def batch_generate(
    *, user, project, division: Division, period_start: datetime.date, period: str = "month"
) -> PaymentBatch:
    """Make a draft batch for ``project`` in township ``division`` and one period: one payment
    per eligible enrolment not yet paid (or being paid) for the period, at the standard in force
    on its first day; plus re-issues of earlier failed payments of the project in the township
    that no later payment covers. Refuses enrolments without a standard or a bank card (naming
    them), and an empty batch. Payments are written with bulk inserts."""
    from projects.models import Project

    require_role(user, *OFFICE_ROLES)
    if division is None or division.level != Division.Level.TOWNSHIP or not division_in_scope(user, division):
        raise ValidationError({"division": gettext("Choose a township in your area.")})
    _project_visible(user=user, project=project)
    _check_period_start(period_start, period)
    Project.objects.select_for_update().get(pk=project.pk)  # two generations of one project queue up
    end = period_end(period_start, period)
    standards = list(
        SubsidyStandard.objects.filter(project=project, effective_from__lte=period_start).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=period_start)
        )
    )
    by_tier = {s.tier: s for s in standards}
    # NOT EXISTS (an anti-join), not NOT IN: safe with NULLs and fast even on fresh statistics
    paid = Payment.objects.filter(enrolment_id=models.OuterRef("pk"), period_start=period_start).exclude(
        status=Payment.Status.FAILED
    )
    rows = list(
        _eligible_enrolments(project=project, division=division, start=period_start, end=end)
        .exclude(models.Exists(paid))
        .values_list(
            "pk",
            "tier",
            "persons_covered",
            "person__name",
            "person__bank_card_cipher",
            "person__bank_card_index",
            "person__bank_name",
        )
        .order_by("village__code", "pk")
    )
    no_standard = sorted({tier or "—" for _pk, tier, *_rest in rows if tier not in by_tier})
    if no_standard:
        raise ValidationError(
            {
                "standard": gettext("No subsidy standard applies on %(date)s to the tier(s): %(tiers)s.")
                % {"date": period_start, "tiers": "、".join(no_standard)}
            }
        )
    no_card = [name for _pk, _t, _n, name, cipher, *_rest in rows if not cipher]
    if no_card:
        raise ValidationError(
            {
                "bank_card": gettext(
                    "%(count)d beneficiaries have no bank card on record (%(names)s): add the cards first."
                )
                % {"count": len(no_card), "names": "、".join(no_card[:10])}
            }
        )
    # Failed payments of earlier periods not yet paid again (a failure is never paid twice:
    # the unique index allows one live payment per enrolment and period).
    live = Payment.objects.filter(
        enrolment_id=models.OuterRef("enrolment_id"), period_start=models.OuterRef("period_start")
    ).exclude(status=Payment.Status.FAILED)
    failed = _latest_failed(project=project, division=division, before=period_start, live=live)
    if not rows and not failed:
        raise ValidationError(
            gettext("Nothing to pay: every eligible enrolment is already paid for this period.")
        )
    number = (
        PaymentBatch.objects.filter(project=project, division=division, period_start=period_start).aggregate(
            n=models.Max("number")
        )["n"]
        or 0
    ) + 1
    batch = PaymentBatch(
        project=project,
        division=division,
        period_start=period_start,
        period=period,
        number=number,
        prepared_by=user,
    )
    batch._history_user = user
    batch.save()
    payments = []
    for pk, tier, persons, _name, cipher, index, bank in rows:
        standard = by_tier[tier]
        payments.append(
            Payment(
                batch=batch,
                enrolment_id=pk,
                period_start=period_start,
                amount=standard_amount_for(standard, period=period, persons=persons),
                standard=standard,
                bank_card_cipher=cipher,
                bank_card_index=index,
                bank_name=bank,
            )
        )
    for old in failed:
        person = old.enrolment.person
        payments.append(
            Payment(
                batch=batch,
                enrolment_id=old.enrolment_id,
                period_start=old.period_start,
                amount=old.amount,
                standard_id=old.standard_id,
                bank_card_cipher=person.bank_card_cipher or old.bank_card_cipher,
                bank_card_index=person.bank_card_index or old.bank_card_index,
                bank_name=person.bank_name or old.bank_name,
                reissue_of=old,
            )
        )
    insert_with_history(payments, Payment, user=user)  # COPY on PostgreSQL, with audit rows
    analyze(Payment, added=len(payments))
    _batch_totals(batch)
    return batch


def _latest_failed(*, project, division, before, live):
    seen, result = set(), []
    for payment in (
        Payment.objects.filter(
            status=Payment.Status.FAILED,
            batch__project=project,
            batch__division=division,
            period_start__lt=before,
        )
        .exclude(models.Exists(live))
        .exclude(enrolment__status=Enrolment.Status.EXITED, enrolment__exit_on__lte=models.F("period_start"))
        .select_related("enrolment__person")
        .order_by("enrolment_id", "period_start", "-pk")
    ):
        if (payment.enrolment_id, payment.period_start) not in seen:
            seen.add((payment.enrolment_id, payment.period_start))
            result.append(payment)
    return result


def _batch_totals(batch: PaymentBatch) -> None:
    totals = batch.payments.aggregate(count=models.Count("pk"), total=models.Sum("amount"))
    batch.payment_count = totals["count"] or 0
    batch.total_amount = totals["total"] or Decimal("0.00")
    PaymentBatch.objects.filter(pk=batch.pk).update(
        payment_count=batch.payment_count, total_amount=batch.total_amount
    )


def _check_four_eyes(batch, user):
    ensure_four_eyes(prepared_by=batch.prepared_by, acting=user, what=str(batch))


BATCH_MACHINE = StateMachine(
    field="status",
    transitions=[
        Transition(
            "check",
            sources=(PaymentBatch.Status.DRAFT,),
            target=PaymentBatch.Status.CHECKED,
            roles=OFFICE_ROLES,
            label=_("Mark as checked"),
        ),
        Transition(
            "reopen",
            sources=(PaymentBatch.Status.CHECKED,),
            target=PaymentBatch.Status.DRAFT,
            roles=OFFICE_ROLES,
            label=_("Back to draft"),
        ),
        Transition(
            "approve",
            sources=(PaymentBatch.Status.CHECKED,),
            target=PaymentBatch.Status.APPROVED,
            roles=(Role.TOWNSHIP_LEADER,),
            label=_("Approve"),
            check=_check_four_eyes,
        ),
        Transition(
            "export",
            sources=(PaymentBatch.Status.APPROVED,),
            target=PaymentBatch.Status.EXPORTED,
            roles=OFFICE_ROLES,
            label=_("Send to the bank"),
        ),
    ],
)


def batch_check(*, user, batch: PaymentBatch) -> PaymentBatch:
    return BATCH_MACHINE.transition(
        obj=batch, user=user, name="check", queryset=PaymentBatch.objects.visible_to(user), checked_by=user
    )


def batch_reopen(*, user, batch: PaymentBatch) -> PaymentBatch:
    return BATCH_MACHINE.transition(
        obj=batch, user=user, name="reopen", queryset=PaymentBatch.objects.visible_to(user), checked_by=None
    )


def batch_approve(*, user, batch: PaymentBatch) -> PaymentBatch:
    """Approve a checked batch. Refused to whoever prepared it (four-eyes); of two people
    approving at once, the second waits for the row lock and finds it approved."""
    return BATCH_MACHINE.transition(
        obj=batch, user=user, name="approve", queryset=PaymentBatch.objects.visible_to(user), approved_by=user
    )


def batch_mark_exported(*, user, batch: PaymentBatch) -> PaymentBatch:
    """The bank file is handed over: from now on the batch's payments are fixed."""
    return BATCH_MACHINE.transition(
        obj=batch,
        user=user,
        name="export",
        queryset=PaymentBatch.objects.visible_to(user),
        exported_at=timezone.now(),
    )


@transaction.atomic
def batch_delete(*, user, batch: PaymentBatch) -> None:
    """Throw away a draft (to regenerate it after corrections)."""
    require_role(user, *OFFICE_ROLES)
    batch = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatch.Status.DRAFT:
        raise ValidationError({"status": gettext("Only a draft batch can be deleted.")})
    batch.delete()


@transaction.atomic
def payment_add(*, user, batch: PaymentBatch, enrolment: Enrolment) -> Payment:
    """Add one enrolment to a draft batch (a late approval). Refuses an enrolment that is not
    active for the period (exited, deceased, not yet paying), one of another project or
    township, and one already paid for the period (the unique index refuses it too)."""
    require_role(user, *OFFICE_ROLES)
    batch = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatch.Status.DRAFT:
        raise ValidationError({"status": gettext("Payments can be added to a draft batch only.")})
    enrolment = Enrolment.objects.visible_to(user).select_related("person").get(pk=enrolment.pk)
    if enrolment.project_id != batch.project_id or not enrolment.village.code.startswith(batch.division.code):
        raise ValidationError({"enrolment": gettext("The enrolment belongs to another project or township.")})
    end = period_end(batch.period_start, batch.period)
    eligible = _eligible_enrolments(
        project=batch.project, division=batch.division, start=batch.period_start, end=end
    )
    if not eligible.filter(pk=enrolment.pk).exists():
        if enrolment.status == Enrolment.Status.EXITED:
            message = gettext("%(name)s exited on %(date)s (%(reason)s) and is no longer paid.") % {
                "name": enrolment.person.name,
                "date": enrolment.exit_on,
                "reason": enrolment.get_exit_reason_display(),
            }
        elif not enrolment.person.is_living:
            message = gettext("%(name)s is recorded as %(status)s since %(date)s.") % {
                "name": enrolment.person.name,
                "status": enrolment.person.get_status_display(),
                "date": enrolment.person.status_on,
            }
        else:
            message = gettext("%(name)s is not paid for this period (status %(status)s).") % {
                "name": enrolment.person.name,
                "status": enrolment.get_status_display(),
            }
        raise ValidationError({"enrolment": ValidationError(message, code="not_payable")})
    standard = (
        SubsidyStandard.objects.filter(
            project=batch.project, tier=enrolment.tier, effective_from__lte=batch.period_start
        )
        .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=batch.period_start))
        .first()
    )
    if standard is None:
        raise ValidationError({"standard": gettext("No subsidy standard applies to this enrolment's tier.")})
    if not enrolment.person.bank_card_cipher:
        raise ValidationError(
            {"bank_card": gettext("%(name)s has no bank card on record.") % {"name": enrolment.person.name}}
        )
    payment = Payment(
        batch=batch,
        enrolment=enrolment,
        period_start=batch.period_start,
        amount=standard_amount_for(standard, period=batch.period, persons=enrolment.persons_covered),
        standard=standard,
        bank_card_cipher=enrolment.person.bank_card_cipher,
        bank_card_index=enrolment.person.bank_card_index,
        bank_name=enrolment.person.bank_name,
    )
    payment._history_user = user
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        raise ValidationError(
            {
                "enrolment": ValidationError(
                    gettext("This enrolment is already paid (or being paid) for this period."),
                    code="paid_twice",
                )
            }
        ) from None
    _batch_totals(batch)
    return payment


@transaction.atomic
def payment_adjust(*, user, payment: Payment, amount, reason: str) -> Payment:
    """Change one amount in a draft batch, with the reason (an amount above the standard is
    then reported by the anomaly checks)."""
    require_role(user, *OFFICE_ROLES)
    payment = Payment.objects.visible_to(user).select_for_update().select_related("batch").get(pk=payment.pk)
    if payment.batch.status != PaymentBatch.Status.DRAFT:
        raise ValidationError({"amount": gettext("Amounts can be changed in a draft batch only.")})
    amount = parse_money(amount, field="amount")
    if amount <= 0:
        raise ValidationError({"amount": gettext("The amount must be more than zero.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"adjust_reason": gettext("Say why the amount differs from the standard.")})
    payment.amount, payment.adjust_reason = amount, reason[:200]
    payment._history_user = user
    payment.save(update_fields=["amount", "adjust_reason"])
    _batch_totals(payment.batch)
    return payment


RESULT_PAID = "paid"
RESULT_FAILED = "failed"


@transaction.atomic
def batch_reconcile(*, user, batch: PaymentBatch, results: list[dict]) -> PaymentBatch:
    """Apply the bank's result file: ``results`` are dicts with ``row`` (file row number),
    ``reference`` (P0000000123), ``amount``, ``result`` ("paid"/"failed"), ``reason``,
    ``bank_reference``. Every payment of the batch must appear exactly once with its amount; a
    line naming a payment not in the batch, a changed amount, a failure without a reason → a
    RowErrors listing each, and nothing changes. Failed payments can be re-issued in a later
    batch."""
    from common.excel import RowError, RowErrors

    require_role(user, *OFFICE_ROLES)
    batch = PaymentBatch.objects.visible_to(user).select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatch.Status.EXPORTED:
        raise ValidationError(
            {
                "status": gettext("Only a batch sent to the bank can be reconciled (it is %(status)s).")
                % {"status": batch.get_status_display()}
            }
        )
    payments = {p.reference: p for p in batch.payments.all()}
    errors, seen = [], {}

    def refuse(row, column, header, value, message):
        errors.append(RowError(row=row, column=column, header=header, value=value, message=message))

    results = [{**line, "row": line.get("row", line.get("_row", 0))} for line in results]
    for line in results:
        reference = str(line.get("reference") or "").strip()
        payment = payments.get(reference)
        if payment is None:
            refuse(
                line["row"],
                "B",
                "流水号",
                reference,
                gettext("This payment is not in batch %(batch)s.") % {"batch": batch},
            )
            continue
        if reference in seen:
            refuse(
                line["row"],
                "B",
                "流水号",
                reference,
                gettext("Listed twice (also row %(row)s).") % {"row": seen[reference]},
            )
            continue
        seen[reference] = line["row"]
        if line.get("amount") is not None and Decimal(line["amount"]) != payment.amount:
            refuse(
                line["row"],
                "G",
                "金额",
                line["amount"],
                gettext("The bank reports %(bank)s, the batch holds %(ours)s.")
                % {"bank": line["amount"], "ours": payment.amount},
            )
        if line.get("result") not in (RESULT_PAID, RESULT_FAILED):
            refuse(line["row"], "K", "结果", line.get("result"), gettext("The result must be 成功 or 失败."))
        elif line["result"] == RESULT_FAILED and not (line.get("reason") or "").strip():
            refuse(line["row"], "L", "失败原因", "", gettext("A failed payment needs the bank's reason."))
    missing = [ref for ref in payments if ref not in seen]
    for ref in missing[:50]:
        refuse(
            0,
            "",
            "",
            ref,
            gettext("Payment %(reference)s is missing from the result file.") % {"reference": ref},
        )
    if errors:
        raise RowErrors(errors, len(errors) + max(0, len(missing) - 50))
    by_reference = {str(line["reference"]).strip(): line for line in results}
    changed = []
    for reference, payment in payments.items():
        line = by_reference[reference]
        payment.status = Payment.Status.PAID if line["result"] == RESULT_PAID else Payment.Status.FAILED
        payment.failure_reason = (
            (line.get("reason") or "").strip()[:200] if payment.status == Payment.Status.FAILED else ""
        )
        payment.bank_reference = str(line.get("bank_reference") or "")[:60]
        changed.append(payment)
    Payment.objects.bulk_update(changed, ["status", "failure_reason", "bank_reference"], batch_size=5000)
    batch.status = PaymentBatch.Status.RECONCILED
    batch.reconciled_at = timezone.now()
    batch._history_user = user
    batch.save(update_fields=["status", "reconciled_at"])
    return batch


# --- callbacks --------------------------------------------------------------------------------


@transaction.atomic
def callback_record(
    *,
    user,
    enrolment: Enrolment,
    method: str,
    called_on: datetime.date,
    reached: bool,
    knew_policy: bool | None = None,
    received_money: bool | None = None,
    satisfied: bool | None = None,
    notes: str = "",
    today: datetime.date | None = None,
) -> Callback:
    """Record a 回访. When the person was not reached, the three answers stay empty."""
    require_role(user, *ENROL_ROLES)
    today = today or timezone.localdate()
    enrolment = Enrolment.objects.visible_to(user).get(pk=enrolment.pk)
    if method not in Callback.Method.values:
        raise ValidationError({"method": gettext("Choose phone or visit.")})
    if called_on is None or called_on > today:
        raise ValidationError(
            {"called_on": gettext("The date %(date)s is missing or in the future.") % {"date": called_on}}
        )
    if not reached and any(v is not None for v in (knew_policy, received_money, satisfied)):
        raise ValidationError({"reached": gettext("Nobody was reached, so there are no answers to record.")})
    callback = Callback(
        enrolment=enrolment,
        method=method,
        called_on=called_on,
        reached=bool(reached),
        knew_policy=knew_policy if reached else None,
        received_money=received_money if reached else None,
        satisfied=satisfied if reached else None,
        notes=(notes or "").strip()[:500],
        recorded_by=user,
    )
    callback._history_user = user
    callback.save()
    return callback


@transaction.atomic
def user_person_link(*, user, target_user, person: Person) -> UserPerson:
    """Record which registry entry is an org user's own (for the cadre-relatives check)."""
    require_role(user, *OFFICE_ROLES)
    person = Person.objects.visible_to(user).get(pk=person.pk)
    link, _created = UserPerson.objects.update_or_create(user=target_user, defaults={"person": person})
    return link


# --- anomaly checks ---------------------------------------------------------------------------


def anomaly_check_run(*, user=None, rules=None) -> dict:
    """Run the anomaly rules and store what they find. ``user``: an on-demand run by that
    user keeps the findings inside their area (None: the nightly run, everything). A finding
    seen before keeps its row, status and note; only ``last_seen`` moves. Returns counts per
    rule of what was found now and how many of those are new."""
    from beneficiaries.anomalies import RULES

    if user is not None:
        require_role(user, *OFFICE_ROLES, Role.COUNTY_REVIEWER)
    prefix = scope_prefix(user) if user is not None else ""
    if prefix is None:
        raise PermissionDenied(gettext("You have no division to act in."))
    villages = dict(Division.objects.filter(level=Division.Level.VILLAGE).values_list("pk", "code"))
    now = timezone.now()
    summary = {}
    for rule, function in RULES.items():
        if rules and rule not in rules:
            continue
        found = [f for f in function() if villages.get(f.village_id, "").startswith(prefix)]
        with transaction.atomic():
            keys = [f.key for f in found]
            known = set()
            for start in range(0, len(keys), 5000):
                chunk = keys[start : start + 5000]
                known |= set(AnomalyFinding.objects.filter(key__in=chunk).values_list("key", flat=True))
                AnomalyFinding.objects.filter(key__in=chunk).update(last_seen=now)
            new = [
                AnomalyFinding(
                    rule=f.rule,
                    key=f.key,
                    village_id=f.village_id,
                    person_id=f.person_id,
                    enrolment_id=f.enrolment_id,
                    payment_id=f.payment_id,
                    related=f.related,
                    detail=f.detail[:300],
                    last_seen=now,
                )
                for f in found
                if f.key not in known
            ]
            # ignore_conflicts: a run racing this one may have stored the same key first
            AnomalyFinding.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        summary[str(rule)] = {"found": len(found), "new": len(new)}
    return summary


def _anomaly_handle(*, user, finding: AnomalyFinding, status: str, note: str) -> AnomalyFinding:
    require_role(user, *OFFICE_ROLES)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": gettext("Write what was found out.")})
    with transaction.atomic():
        locked = AnomalyFinding.objects.visible_to(user).select_for_update().get(pk=finding.pk)
        locked.status, locked.note, locked.handled_by = status, note[:500], user
        locked._history_user = user
        locked.save(update_fields=["status", "note", "handled_by"])
    return locked


def anomaly_explain(*, user, finding: AnomalyFinding, note: str) -> AnomalyFinding:
    """Close a finding as explained (not a false claim), with the explanation."""
    return _anomaly_handle(user=user, finding=finding, status=AnomalyFinding.Status.EXPLAINED, note=note)


def anomaly_confirm(*, user, finding: AnomalyFinding, note: str) -> AnomalyFinding:
    """Confirm a finding as a real irregularity, with what follows (recovery, exit …)."""
    return _anomaly_handle(user=user, finding=finding, status=AnomalyFinding.Status.CONFIRMED, note=note)
