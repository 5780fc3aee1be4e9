"""Demo home visits and concerns: the county profile about 20,000 visits and 5,000
concerns in every state of the pipeline, the small profile a few hundred visits (``visits`` and
``concerns`` override the profile's numbers: the tests run the same code scaled down).
Idempotent: each visit's client id is derived from its village and number (uuid5), so a second
run adds nothing; concerns, their log and the callbacks of callback visits (one beneficiaries
Callback per active enrolment of the household, linked to the visit) are written only for
visits made in this run. Bulk only."""

import datetime
import uuid

from django.db.models import Q
from django.utils import timezone

from beneficiaries.models import Callback, Enrolment, Household
from fieldwork.models import Concern, ConcernEvent, HomeVisit, VisitCallback
from org.models import Department, Role, User
from org.roles import FIELD

SIZES = {"county": (20_000, 5_000), "small": (300, 80)}
NAMESPACE = uuid.UUID("6f1c2f3e-4b5a-4c3d-8e9f-0a1b2c3d4e5f")
DESCRIPTIONS = {
    "infrastructure": ["村道坑洼，雨天难行", "自来水压力小", "路灯坏了没人修"],
    "livelihood": ["低保申请进度咨询", "养老保险缴费问题", "残疾证办理"],
    "health": ["看病报销比例咨询", "家庭医生签约", "老人行动不便需上门体检"],
    "education": ["孩子上学交通不便", "助学金申请"],
    "employment": ["想参加技能培训", "务工信息"],
    "dispute": ["宅基地边界纠纷", "邻里用水纠纷"],
    "environment": ["垃圾清运不及时", "河沟有异味"],
    "other": ["反映其他问题"],
}
S = Concern.Status
STATE_SHARES = [
    (S.COLLECTED, 10),
    (S.IN_VILLAGE, 10),
    (S.ESCALATED, 8),
    (S.DISPATCHED, 14),
    (S.WHISTLED, 5),
    (S.RESOLVED, 13),
    (S.CLOSED, 40),
]


def seed(*, profile, rng, stdout=None) -> dict:
    """seed_demo's entry: the profile's visits and concerns in the demo county."""
    size = profile.name if profile.name in SIZES else "small"
    return seed_visits(size=size, rng=rng, today=timezone.localdate())


def seed_visits(
    *,
    size: str,
    rng,
    today: datetime.date,
    county_code: str = "341226",
    visits: int | None = None,
    concerns: int | None = None,
) -> dict:
    visits_wanted, concerns_wanted = SIZES.get(size, SIZES["small"])
    visits_wanted = visits_wanted if visits is None else visits
    concerns_wanted = concerns_wanted if concerns is None else concerns
    households = list(
        Household.objects.filter(village__code__startswith=county_code).values_list(
            "pk", "village_id", "head_id"
        )
    )
    if not households:
        return {"visits": 0, "concerns": 0, "callbacks": 0}
    users = list(
        User.objects.filter(
            division__code__startswith=county_code,
            role__in=FIELD,
            is_active=True,
        ).select_related("division")
    )
    cadres = {u.division_id: u for u in users if u.role == Role.VILLAGE_CADRE}
    township_users = {}
    for u in users:
        if u.role != Role.VILLAGE_CADRE:
            township_users.setdefault(u.division.code, []).append(u)
    fallback = users[0] if users else User.objects.filter(is_superuser=True).first()
    if fallback is None:
        return {"visits": 0, "concerns": 0, "callbacks": 0}
    from org.models import Division

    village_codes = dict(
        Division.objects.filter(pk__in={v for _, v, _ in households}).values_list("pk", "code")
    )
    planned = []
    for n in range(visits_wanted):
        household_id, village_id, _head = households[n % len(households)]
        code = village_codes[village_id]
        leaders = township_users.get(code[:9], [])
        visitor = rng.choice(leaders) if leaders and rng.random() < 0.15 else cadres.get(village_id, fallback)
        planned.append(
            HomeVisit(
                client_id=uuid.uuid5(NAMESPACE, f"{code}-{n}"),
                household_id=household_id,
                village_id=village_id,
                visited_on=today - datetime.timedelta(days=rng.randint(0, 330)),
                purpose=rng.choice(HomeVisit.Purpose.values),
                notes=rng.choice(["家中情况稳定", "老人独居，身体尚可", "宣传医保政策", "了解务工收入情况"]),
                visitor=visitor,
            )
        )
    existing = set(
        HomeVisit.objects.filter(client_id__in=[v.client_id for v in planned]).values_list(
            "client_id", flat=True
        )
    )
    new = [v for v in planned if v.client_id not in existing]
    HomeVisit.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    if not new:
        return {"visits": 0, "concerns": 0, "callbacks": 0}
    stored = list(
        HomeVisit.objects.filter(client_id__in=[v.client_id for v in new])
        .order_by("pk")
        .values_list("pk", "village_id", "household__head_id", "visited_on", "visitor_id")
    )
    callbacks = _seed_callbacks(new=new, rng=rng)
    departments = {}
    for d in Department.objects.filter(division__code__startswith=county_code, is_active=True):
        departments.setdefault(d.division_id, []).append(d)
    township_of = dict(Division.objects.filter(pk__in=village_codes).values_list("pk", "parent_id"))
    share = concerns_wanted / max(len(planned), 1)
    states = [state for state, weight in STATE_SHARES for _ in range(weight)]
    made, dispatch = [], []
    for pk, village_id, head_id, visited_on, visitor_id in stored:
        if rng.random() >= share:
            continue
        category = rng.choice(list(DESCRIPTIONS))
        state = rng.choice(states)
        c = Concern(
            village_id=village_id,
            category=category,
            description=rng.choice(DESCRIPTIONS[category]),
            resident_id=head_id,
            visit_id=pk,
            is_common=rng.random() < 0.15,
            status=state,
            created_by_id=visitor_id,
        )
        c.collected_on = visited_on
        if state == S.IN_VILLAGE:
            c.decision = Concern.Decision.VILLAGE
        elif state != S.COLLECTED:
            c.decision = Concern.Decision.ESCALATE
        if state in (S.DISPATCHED, S.WHISTLED, S.RESOLVED) or (state == S.CLOSED and rng.random() < 0.7):
            c.deadline = visited_on + datetime.timedelta(days=rng.randint(5, 30))
            dispatch.append((c, departments.get(township_of[village_id], [])))
        if state == S.CLOSED and c.deadline is None:
            c.decision, c.explanation = Concern.Decision.EXPLAIN, "已按政策向群众解释"
        if state in (S.DISPATCHED, S.WHISTLED) and c.deadline < today:
            c.is_overdue, c.overdue_since = True, c.deadline + datetime.timedelta(days=1)
        if state in (S.RESOLVED, S.CLOSED) and c.decision != Concern.Decision.EXPLAIN:
            c.resolution = "已协调解决"
            c.resolved_on = min(today, visited_on + datetime.timedelta(days=rng.randint(2, 40)))
        if state == S.CLOSED and c.resolved_on:
            c.feedback_how, c.feedback_on, c.is_satisfied = "visit", c.resolved_on, True
        made.append(c)
    concerns = made
    Concern.objects.bulk_create(concerns, batch_size=2000)
    # collected on the day of the visit, not on the day the demo was seeded (the monthly report
    # and the weekly list count concerns by when they were collected)
    zone = timezone.get_current_timezone()
    for c in concerns:
        c.created_at = datetime.datetime.combine(c.collected_on, datetime.time(10), tzinfo=zone)
    Concern.objects.bulk_update(concerns, ["created_at"], batch_size=2000)
    through = Concern.departments.through
    through.objects.bulk_create(
        [through(concern_id=c.pk, department_id=d.pk) for c, ds in dispatch for d in ds[:2]],
        batch_size=2000,
        ignore_conflicts=True,
    )
    ConcernEvent.objects.bulk_create(
        [
            ConcernEvent(
                concern_id=c.pk, action="collect", to_status=S.COLLECTED, by_id=c.created_by_id, note="演示"
            )
            for c in concerns
        ]
        + [
            ConcernEvent(
                concern_id=c.pk,
                action="demo",
                from_status=S.COLLECTED,
                to_status=c.status,
                by_id=c.created_by_id,
            )
            for c in concerns
            if c.status != S.COLLECTED
        ],
        batch_size=2000,
    )
    return {"visits": len(new), "concerns": len(concerns), "callbacks": callbacks}


def _seed_callbacks(*, new, rng) -> int:
    """The callbacks of this run's callback visits: one per enrolment of the household active
    on the visit date, reached nine times in ten (as beneficiaries' callback_record would)."""
    wanted = [v for v in new if v.purpose == HomeVisit.Purpose.CALLBACK]
    if not wanted:
        return 0
    households = {v.household_id for v in wanted}
    enrolments = {}
    for pk, household_id, person_household_id, active_from, exit_on in (
        Enrolment.objects.filter(Q(household_id__in=households) | Q(person__household_id__in=households))
        .filter(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.EXITED])
        .values_list("pk", "household_id", "person__household_id", "active_from", "exit_on")
    ):
        for household_id_ in {household_id, person_household_id} & households:
            enrolments.setdefault(household_id_, []).append((pk, active_from, exit_on))
    visit_pks = dict(
        HomeVisit.objects.filter(client_id__in=[v.client_id for v in wanted]).values_list("client_id", "pk")
    )
    planned = []
    for visit in wanted:
        for enrolment_id, active_from, exit_on in enrolments.get(visit.household_id, []):
            if (active_from and active_from > visit.visited_on) or (exit_on and exit_on < visit.visited_on):
                continue
            reached = rng.random() < 0.9
            answer = (lambda share: rng.random() < share) if reached else (lambda share: None)
            planned.append(
                (
                    visit_pks[visit.client_id],
                    Callback(
                        enrolment_id=enrolment_id,
                        method=Callback.Method.VISIT,
                        called_on=visit.visited_on,
                        reached=reached,
                        knew_policy=answer(0.85),
                        received_money=answer(0.95),
                        satisfied=answer(0.9),
                        recorded_by_id=visit.visitor_id,
                    ),
                )
            )
    Callback.objects.bulk_create([callback for _, callback in planned], batch_size=2000)
    VisitCallback.objects.bulk_create(
        [
            VisitCallback(visit_id=visit_id, callback_id=callback.pk, enrolment_id=callback.enrolment_id)
            for visit_id, callback in planned
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(planned)
