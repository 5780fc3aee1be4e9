"""Every transition of every state machine × every role × who prepared the record (issue 14).

For each case the record is put into each source state of the step, prepared either by the
acting user ("preparer") or by another user of the same scope ("other"; for the batch approval
also "checker": the acting user checked it), and then:

- the step is offered (in scope, and ``machine.available(record, user)`` lists it) exactly when
  the service that takes it succeeds: a page never shows a button that the service refuses, and
  never hides one the service would allow;
- on a four-eyes step the preparer (and on the batch approval the checker) is refused.

Each case runs inside a savepoint that is rolled back, so every case starts from the same record.
A machine added to the portal without a row here fails ``test_every_machine_is_in_the_matrix``.
"""

import datetime
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from common.states import StateMachine, in_scope
from org.models import Department, Role
from org.scoping import Scope
from org.tests.factories import UserFactory

ROLES = (
    Role.TOWNSHIP_STAFF,
    Role.TOWNSHIP_LEADER,
    Role.VILLAGE_CADRE,
    Role.COUNTY_REVIEWER,
    Role.COUNTY_AUDITOR,
    # issue 17: above the county, reading only (conftest's upper_users, over both counties)
    Role.CITY_REVIEWER,
    Role.CITY_AUDITOR,
    Role.PROVINCE_REVIEWER,
    Role.PROVINCE_AUDITOR,
    "admin",
)
OUTSIDERS = ("outsider_staff", "outsider_leader")  # same county, the other township


def _today():
    return timezone.localdate()


@dataclass
class World:
    tree: object
    users: dict  # role → the acting user
    twins: dict  # role → another user of the same role and scope
    third: object  # a third township staff member (the batch's checker when the actor approves)


@dataclass
class Spec:
    machine: StateMachine
    build: Callable  # (world) → the record, prepared by another user of the scope
    setup: Callable  # (record, state, step, preparer, others, world) → None: .update() the row
    call: Callable  # (user, record, step, world) → the service call taking ``step``
    people: tuple = ()  # fields naming who took the earlier steps
    four_eyes: dict = field(default_factory=dict)  # step → the field whose person may not take it
    model: type = None


def _set(record, **values):
    type(record).objects.filter(pk=record.pk).update(**values)


def _people(spec, step, preparer, others):
    """The earlier steps' people: the four-eyes field of ``step`` is ``preparer``, the rest
    another user of the scope."""
    values = dict.fromkeys(spec.people, others)
    if step in spec.four_eyes:
        values[spec.four_eyes[step]] = preparer
    elif spec.people:
        values[spec.people[0]] = preparer  # who created it
    return values


# --- payment batches -------------------------------------------------------------------------


def _batch_build(world):
    from beneficiaries.models import PaymentBatch
    from projects.tests.factories import ProjectFactory

    project = ProjectFactory(division=world.tree.township, code="MX")
    return PaymentBatch.objects.create(
        project=project,
        division=world.tree.township,
        period_start=datetime.date(2026, 3, 1),
        prepared_by=world.twins[Role.TOWNSHIP_STAFF],
    )


def _batch_setup(record, state, step, preparer, others, world, kind):
    values = {"status": state, "prepared_by": preparer, "checked_by": world.third}
    if step == "export":  # marked sent only after its bank file (permissions.batch_export_guard)
        values["bank_file_at"] = timezone.now()
    if kind == "checker":
        values.update(prepared_by=others, checked_by=preparer)
    elif kind == "other":
        values["prepared_by"] = others
    _set(record, **values)


def _batch_call(user, record, step, world):
    from beneficiaries import services

    return {
        "check": services.batch_check,
        "reopen": services.batch_reopen,
        "approve": services.batch_approve,
        "export": services.batch_mark_exported,
    }[step](user=user, batch=record)


# --- enrolments --------------------------------------------------------------------------------


def _closed_notice(world, division, *, ago=20):
    """A round posted ``ago`` days ago, run 10 full days and closed with no objection the
    morning after (the rounds follow each other: post each after the previous one closed)."""
    from core import clock
    from publicity.models import PublicNotice
    from publicity.tests.factories import NoticeFactory

    starts_on = _today() - datetime.timedelta(days=ago)
    return NoticeFactory(
        division=division,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=10),
        status=PublicNotice.Status.CLOSED_CLEAR,
        closed_at=clock.start_of_day(starts_on + datetime.timedelta(days=11)) + datetime.timedelta(hours=8),
        posted_by=world.twins[Role.TOWNSHIP_STAFF],
    )


def _enrolment_build(world):
    from beneficiaries.tests.factories import active_enrolment
    from projects.tests.factories import ProjectFactory

    project = ProjectFactory(division=world.tree.township, code="MXE")
    enrolment = active_enrolment(project=project, village=world.tree.village)
    _set(
        enrolment,
        created_by=world.twins[Role.VILLAGE_CADRE],
        village_notice=_closed_notice(world, world.tree.village, ago=50),
        township_notice=_closed_notice(world, world.tree.township, ago=35),
        final_notice=_closed_notice(world, world.tree.township, ago=20),
    )
    return enrolment


def _enrolment_setup(record, state, step, preparer, others, world, kind):
    _set(record, status=state, created_by=preparer if kind == "preparer" else others)


def _enrolment_call(user, record, step, world):
    from beneficiaries import services

    today = _today()
    calls = {
        "review": lambda: services.enrolment_review(user=user, enrolment=record),
        "notice": lambda: services.enrolment_put_on_notice(user=user, enrolment=record),
        "approve": lambda: services.enrolment_approve(user=user, enrolment=record),
        "activate": lambda: services.enrolment_activate(user=user, enrolment=record, active_from=today),
        "exit": lambda: services.enrolment_exit(
            user=user, enrolment=record, reason="moved", on=today, today=today
        ),
    }
    return calls[step]()


# --- party members and campaigns ---------------------------------------------------------------


def _member_build(world):
    from partycare.tests.factories import branch, member

    return member(branch=branch(division=world.tree.village), village=world.tree.village)


def _member_setup(record, state, step, preparer, others, world, kind):
    _set(record, status=state)


def _member_call(user, record, step, world):
    from partycare import services

    return services.member_set_status(user=user, member=record, action=step, on=_today())


def _campaign_build(world):
    from partycare.models import Campaign

    return Campaign.objects.create(
        division=world.tree.township,
        holiday=Campaign.Holiday.SPRING_FESTIVAL,
        year=2027,
        holiday_date=datetime.date(2027, 2, 6),
        created_by=world.twins[Role.TOWNSHIP_STAFF],
    )


def _campaign_setup(record, state, step, preparer, others, world, kind):
    _set(record, status=state, created_by=preparer if kind == "preparer" else others)


def _campaign_call(user, record, step, world):
    from partycare import services
    from partycare.models import Campaign
    from partycare.states import CAMPAIGN

    if step == "close":
        return services.campaign_close(user=user, campaign=record)
    # no service reopens a campaign yet: the machine's own transition, through the user's scope
    return CAMPAIGN.transition(obj=record, user=user, name=step, queryset=Campaign.objects.visible_to(user))


# --- hardship aid ------------------------------------------------------------------------------

AID_PEOPLE = ("prepared_by", "branch_checked_by", "notice_by", "township_checked_by", "county_approved_by")


def _aid_build(world):
    from partycare.models import AidApplication
    from partycare.tests.factories import branch, member

    someone = member(branch=branch(division=world.tree.village), village=world.tree.village, name="李困难")
    notice = _closed_notice(world, world.tree.village)
    return AidApplication.objects.create(
        member=someone,
        kind=AidApplication.Kind.ONE_OFF,
        year=2026,
        cause=AidApplication.Cause.ILLNESS,
        amount=200,
        prepared_by=world.twins[Role.VILLAGE_CADRE],
        notice_id=notice.pk,
    )


def _aid_call(user, record, step, world):
    from partycare import services

    today = _today()
    calls = {
        "branch_check": lambda: services.aid_branch_check(user=user, application=record),
        "notice": lambda: services.aid_notice_post(user=user, application=record),
        "township_check": lambda: services.aid_township_check(user=user, application=record),
        "county_approve": lambda: services.aid_county_approve(user=user, application=record),
        "pay": lambda: services.aid_pay(user=user, application=record, paid_on=today),
        "reject": lambda: services.aid_reject(user=user, application=record, reason="不符合条件"),
    }
    return calls[step]()


# --- concerns ----------------------------------------------------------------------------------


def _concern_build(world):
    from fieldwork.models import Concern

    return Concern.objects.create(
        village=world.tree.village,
        category=Concern.Category.values[0],
        description="路灯不亮",
        created_by=world.twins[Role.VILLAGE_CADRE],
    )


def _concern_setup(record, state, step, preparer, others, world, kind):
    _set(
        record,
        status=state,
        created_by=preparer if kind == "preparer" else others,
        resolved_on=_today() if state == "resolved" else None,
    )


def _concern_call(user, record, step, world):
    from fieldwork import services
    from fieldwork.models import Concern

    today = _today()
    departments = list(Department.objects.filter(division=world.tree.township))
    triage = {"triage_village": "village", "triage_escalate": "escalate", "triage_explain": "explain"}
    if step in triage:
        return services.concern_triage(user=user, concern=record, decision=triage[step], explanation="已解释")
    if step == "dispatch":
        return services.concern_dispatch(
            user=user, concern=record, departments=departments, deadline=today + datetime.timedelta(days=7)
        )
    if step == "whistle":
        return services.concern_whistle(user=user, concern=record, departments=departments)
    if step == "resolve":
        return services.concern_resolve(user=user, concern=record, resolution="已修复")
    return services.concern_feedback(
        user=user,
        concern=record,
        how=Concern.FeedbackHow.PHONE,
        given_on=today,
        is_satisfied=step == "close",
    )


# --- publicity ---------------------------------------------------------------------------------


def _submission_build(world):
    from publicity.tests.factories import SubmissionFactory

    department = Department.objects.filter(division=world.tree.township).first()
    return SubmissionFactory(department=department, created_by=world.twins[Role.TOWNSHIP_STAFF])


def _submission_setup(record, state, step, preparer, others, world, kind):
    _set(
        record,
        status=state,
        created_by=preparer if kind == "preparer" else others,
        return_comment="请补充照片" if state == "returned" else "",
    )


def _submission_call(user, record, step, world):
    from publicity import services

    if step == "return":
        return services.submission_return(user=user, submission=record, comment="请补充照片")
    return getattr(services, f"submission_{step}")(user=user, submission=record)


def _notice_build(world):
    from publicity.tests.factories import NoticeFactory

    return NoticeFactory(
        division=world.tree.township,
        starts_on=_today() - datetime.timedelta(days=20),
        ends_on=_today() - datetime.timedelta(days=10),
        posted_by=world.twins[Role.TOWNSHIP_STAFF],
    )


def _notice_setup(record, state, step, preparer, others, world, kind):
    from common.tests.db import guards_off
    from publicity.models import Objection
    from publicity.tests.factories import ObjectionFactory

    with guards_off():  # a posted notice is frozen; who posted it is part of the case
        _set(record, status=state, posted_by=preparer if kind == "preparer" else others)
    if step == "close_upheld":  # an objection that was upheld: the notice closes as "upheld"
        ObjectionFactory(
            notice=record, status=Objection.Status.ANSWERED, outcome=Objection.Outcome.UPHELD, answer="属实"
        )


def _notice_call(user, record, step, world):
    from publicity import services

    if step == "withdraw":
        return services.notice_withdraw(user=user, notice=record, reason="名单有误")
    return services.notice_close(user=user, notice=record, upheld=step == "close_upheld")


def _objection_build(world):
    from publicity.tests.factories import ObjectionFactory

    return ObjectionFactory(notice=_notice_build(world))


def _objection_setup(record, state, step, preparer, others, world, kind):
    _set(record, status=state, recorded_by=preparer if kind == "preparer" else others)


def _objection_call(user, record, step, world):
    from publicity import services

    return services.objection_answer(user=user, objection=record, answer="已核实", outcome="dismissed")


# --- monthly reports ---------------------------------------------------------------------------


def _report_build(world):
    from reports.services import monthly_report_generate

    return monthly_report_generate(
        township_id=world.tree.township.pk, month=datetime.date(2026, 10, 1), user=Scope.system("test data")
    )


def _report_setup(record, state, step, preparer, others, world, kind):
    _set(
        record,
        status=state,
        summary="本月民生工程进展顺利。",
        prepared_by=preparer if kind == "preparer" else others,
    )


def _report_call(user, record, step, world):
    from reports import services

    return services.monthly_report_transition(user=user, report_id=record.pk, name=step, comment="数据有误")


def _specs() -> dict[str, Spec]:
    from beneficiaries.services import BATCH_MACHINE, ENROLMENT_MACHINE
    from fieldwork.states import CONCERN
    from partycare.states import AID, CAMPAIGN, MEMBER
    from publicity.states import NOTICE, OBJECTION, SUBMISSION
    from reports.services import REPORT_FLOW

    def aid_setup(record, state, step, preparer, others, world, kind):
        _set(
            record,
            status=state,
            **_people(specs["aid"], step, preparer if kind == "preparer" else others, others),
        )

    specs = {
        "batch": Spec(
            BATCH_MACHINE,
            _batch_build,
            _batch_setup,
            _batch_call,
            people=("prepared_by", "checked_by"),
            four_eyes={"check": "prepared_by", "approve": "prepared_by"},
        ),
        "enrolment": Spec(
            ENROLMENT_MACHINE,
            _enrolment_build,
            _enrolment_setup,
            _enrolment_call,
            people=("created_by",),
            four_eyes={"approve": "created_by"},
        ),
        "member": Spec(MEMBER, _member_build, _member_setup, _member_call),
        "campaign": Spec(CAMPAIGN, _campaign_build, _campaign_setup, _campaign_call, people=("created_by",)),
        "aid": Spec(
            AID,
            _aid_build,
            aid_setup,
            _aid_call,
            people=AID_PEOPLE,
            four_eyes={
                "branch_check": "prepared_by",
                "notice": "branch_checked_by",
                "township_check": "notice_by",
                "county_approve": "township_checked_by",
                "pay": "county_approved_by",
            },
        ),
        "concern": Spec(CONCERN, _concern_build, _concern_setup, _concern_call, people=("created_by",)),
        "submission": Spec(
            SUBMISSION, _submission_build, _submission_setup, _submission_call, people=("created_by",)
        ),
        "notice": Spec(NOTICE, _notice_build, _notice_setup, _notice_call, people=("posted_by",)),
        "objection": Spec(
            OBJECTION, _objection_build, _objection_setup, _objection_call, people=("recorded_by",)
        ),
        "report": Spec(
            REPORT_FLOW,
            _report_build,
            _report_setup,
            _report_call,
            people=("prepared_by",),
            four_eyes={"submit": "prepared_by"},
        ),
    }
    return specs


def _steps():
    return [(key, t.name) for key, spec in _specs().items() for t in spec.machine.transitions]


@pytest.fixture
def world(tree, users, upper_users):
    users = {**users, **upper_users}
    twins = {
        role: UserFactory(username=f"{role}-twin", role=role, division=users[role].division)
        for role in ROLES[:-1]
    }
    twins["admin"] = UserFactory(
        username="admin-twin", role="", division=None, is_staff=True, is_superuser=True
    )
    actors = dict(users)
    actors["outsider_staff"] = UserFactory(
        username="outsider-staff", role=Role.TOWNSHIP_STAFF, division=tree.township2
    )
    actors["outsider_leader"] = UserFactory(
        username="outsider-leader", role=Role.TOWNSHIP_LEADER, division=tree.township2
    )
    third = UserFactory(username="third-staff", role=Role.TOWNSHIP_STAFF, division=tree.township)
    return World(tree=tree, users=actors, twins=twins, third=third)


def _run(spec, record, world, state, step, actor_key, kind):
    """One case in a savepoint: (offered, succeeded, reason)."""
    actor = world.users[actor_key]
    others = world.twins.get(actor_key, world.twins[Role.TOWNSHIP_STAFF])
    preparer = actor if kind in ("preparer", "checker") else others
    sid = transaction.savepoint()
    try:
        spec.setup(record, state, step, preparer, others, world, kind)
        fresh = type(record).objects.get(pk=record.pk)
        offered = in_scope(fresh, actor) and step in {t.name for t in spec.machine.available(fresh, actor)}
        try:
            with transaction.atomic():
                spec.call(actor, fresh, step, world)
            succeeded, reason = True, ""
        except (ValidationError, PermissionDenied, Http404, ObjectDoesNotExist) as error:
            succeeded, reason = False, " ".join(getattr(error, "messages", None) or [repr(error)])
        return offered, succeeded, reason
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.parametrize(("machine", "step"), _steps())
def test_step_is_offered_exactly_when_the_service_takes_it(world, machine, step, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    spec = _specs()[machine]
    record = spec.build(world)
    transition = spec.machine.get(step)
    kinds = ["preparer", "other"] + (["checker"] if (machine, step) == ("batch", "approve") else [])
    outcomes, mismatches = [], []
    for state in transition.sources:
        for actor_key in (*ROLES, *OUTSIDERS):
            for kind in kinds if actor_key in ROLES else ["other"]:
                offered, succeeded, reason = _run(spec, record, world, state, step, actor_key, kind)
                outcomes.append((state, actor_key, kind, succeeded))
                if offered != succeeded:
                    mismatches.append(
                        f"{state} / {actor_key} / {kind}: offered={offered}, service: {reason or 'ok'}"
                    )
                if kind in ("preparer", "checker") and step in spec.four_eyes and succeeded:
                    mismatches.append(f"{state} / {actor_key} / {kind}: four-eyes step taken by the {kind}")
                if actor_key in OUTSIDERS and succeeded:
                    mismatches.append(f"{state} / {actor_key}: taken outside the scope")
    assert not mismatches, f"{machine}.{step}:\n" + "\n".join(mismatches)
    # the matrix is not vacuous: someone in scope takes every step from some state
    assert any(ok for *_rest, ok in outcomes), f"{machine}.{step}: nobody could take it"


def test_every_machine_is_in_the_matrix():
    """A StateMachine anywhere in the portal's code must have its row in ``_specs``."""
    found = {}
    for app in ("org", "common", "projects", "beneficiaries", "publicity", "partycare", "reports"):
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if any(part in info.name for part in (".tests", ".migrations", ".management")):
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if isinstance(value, StateMachine):
                    found.setdefault(id(value), f"{info.name}.{name}")
    covered = {id(spec.machine) for spec in _specs().values()}
    assert not set(found) - covered, sorted(found[key] for key in set(found) - covered)
