"""Demo persons and households: about 60 per village (small) or 200 (county), with valid,
fictional ID numbers (region 99xxxx), pinyin search keys and encrypted bank cards.
Idempotent: IDs are deterministic, and rows already present are kept."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from beneficiaries.models import Household, Person
from core import clock
from core.crypto import blind_index
from core.demo import chinese_name, demo_id_number
from core.idcard import parse_id_number
from core.pinyin import search_key
from org.models import Division
from org.scoping import Scope

PER_VILLAGE = {"small": 60, "county": 200}
BANKS = [("6228", "中国农业银行"), ("6217", "中国邮政储蓄银行"), ("6230", "农村商业银行")]
RELATIONS = [
    Person.Relation.HEAD,
    Person.Relation.SPOUSE,
    Person.Relation.CHILD,
    Person.Relation.CHILD,
    Person.Relation.PARENT,
]


@transaction.atomic
def seed(*, profile, rng, stdout=None) -> dict:
    villages = list(
        Division.objects.filter(level=Division.Level.VILLAGE, code__startswith="341226").order_by("code")
    )
    per_village = PER_VILLAGE.get(profile.name, 60)
    today = datetime.date(2026, 11, 1)
    households = []
    for village in villages:
        for number in range(1, per_village // 3 + 1):
            households.append(
                Household(
                    village=village,
                    number=f"{number:04d}",
                    address=f"{village.name}{rng.randint(1, 12)}组{rng.randint(1, 60)}号",
                    phone=f"139{rng.randint(10000000, 99999999)}",
                )
            )
    Household.objects.bulk_create(households, ignore_conflicts=True, batch_size=2000)
    by_village = {}
    for household in Household.objects.filter(village__in=villages).only("id", "village_id", "number"):
        by_village.setdefault(household.village_id, []).append(household)

    seen, persons, sequence = set(), [], 0
    for village in villages:
        homes = sorted(by_village.get(village.pk, []), key=lambda h: h.number)
        for index in range(per_village):
            household = homes[index // 3 % len(homes)] if homes else None
            relation = RELATIONS[index % 3] if household else ""
            while True:
                sequence += 1
                number = demo_id_number(rng, sequence=sequence, min_age=1, max_age=92, today=today)
                if number not in seen:
                    seen.add(number)
                    break
            info = parse_id_number(number, today=today)
            name = chinese_name(rng)
            prefix, bank = rng.choice(BANKS)
            status, status_on = Person.Status.LIVING, None
            if rng.random() < 0.01:
                status, status_on = (
                    Person.Status.DECEASED,
                    today - datetime.timedelta(days=rng.randint(10, 300)),
                )
            persons.append(
                Person(
                    id_number=number,
                    name=name,
                    name_search=search_key(name),
                    sex=info.sex,
                    birth_date=info.birth_date,
                    village=village,
                    household=household,
                    relation=relation,
                    phone=f"13{rng.randint(100000000, 999999999)}",
                    status=status,
                    status_on=status_on,
                    bank_card=f"{prefix}{rng.randint(10**14, 10**15 - 1)}",
                    bank_name=bank,
                )
            )
    Person.objects.bulk_create(persons, ignore_conflicts=True, batch_size=2000)
    heads = Person.objects.filter(village__in=villages, relation=Person.Relation.HEAD).values_list(
        "household_id", "pk"
    )
    head_of = dict(heads)
    to_update = [h for homes in by_village.values() for h in homes if head_of.get(h.pk)]
    for household in to_update:
        household.head_id = head_of[household.pk]
    Household.objects.bulk_update(to_update, ["head"], batch_size=2000)
    result = {"households": len(households), "persons": len(persons)}
    own = {blind_index(number, purpose="id") for number in seen}
    result.update(seed_subsidies(villages=villages, rng=rng, today=today, own=own))
    return result


# --- enrolments, standards, eight months of payments, callbacks, planted anomalies -----------
#
# Proportions after the county's year-end summary (seeds/004): 低保 34,312 households, 五保
# 8,307 persons, disability allowances for 11,573 persons (9,350 at 726 元 a year, 2,223 at
# 360 元). In the demo that is about 12 : 3 : 4 per hundred registered persons; 五保 pays
# 1,400 元 a year (dispersed) or 1,500 元 (in a home); 低保 per person and month by class.
LOW_INCOME = "农村居民最低生活保障"
FIVE_GUARANTEES = "农村五保供养"
DISABILITY = "贫困残疾人生活特别救助"
SHARES = {LOW_INCOME: 0.12, FIVE_GUARANTEES: 0.03, DISABILITY: 0.04}
STANDARDS = {
    LOW_INCOME: [
        ("一类", "person", "month", "240.00"),
        ("二类", "person", "month", "180.00"),
        ("三类", "person", "month", "120.00"),
    ],
    FIVE_GUARANTEES: [("分散供养", "person", "year", "1400.00"), ("集中供养", "person", "year", "1500.00")],
    DISABILITY: [("二级以上重度", "person", "year", "726.00"), ("三级", "person", "year", "360.00")],
}
TIER_WEIGHTS = {
    LOW_INCOME: [0.3, 0.45, 0.25],
    FIVE_GUARANTEES: [0.85, 0.15],
    DISABILITY: [9350 / 11573, 2223 / 11573],
}
PAID_MONTHS = [datetime.date(2026, m, 1) for m in range(3, 11)]  # March (paid from) – October 2026
FAILURE_RATE = 0.004


def _subsidy_projects(villages, year):
    """The subsidy projects of projects/demo.py by name (the small profile's township runs 低保,
    五保 and the disability allowance too)."""
    from projects.models import Project

    found = {}
    codes = {v.parent.code for v in villages} | {v.parent.parent.code for v in villages}
    for name in SHARES:
        project = (
            Project.objects.filter(year=year, name=name, division__code__in=codes)
            .order_by("division__code")
            .first()
        )
        if project is not None:
            found[name] = project
    return found


def notice_schedule(year: int) -> dict:
    """When the demo's three rounds were posted and closed, by the rules the services enforce
    (publicity.services.notice_publish, notice_close, beneficiaries' round order): each round
    posted at 09:00 Asia/Shanghai (so its period starts that day), ending NOTICE_MIN_DAYS full
    days later, closed at 09:00 the day after its end, the next round posted the day after that.
    ``{round: (posted_at, ends_on, closed_at)}``."""
    from publicity.services import notice_earliest_end

    schedule, day = {}, datetime.date(year, 1, 10)
    for kind in ("village", "township", "final"):
        posted_at = clock.start_of_day(day) + datetime.timedelta(hours=9)
        ends_on = notice_earliest_end(posted_on=day)
        closed_at = clock.start_of_day(ends_on + datetime.timedelta(days=1)) + datetime.timedelta(hours=9)
        schedule[kind] = (posted_at, ends_on, closed_at)
        day = ends_on + datetime.timedelta(days=2)
    return schedule


def _post_notices(enrolments, *, year) -> None:
    """The three rounds of 三榜公示 for the paying demo enrolments, as the publicity app's
    PublicNotices (masked snapshots), posted from January 10th one after the other and closed
    with no objection (``notice_schedule``). Keyed by title, so a rerun finds them.

    Created directly rather than through enrolment_notice_post under clock.travel: the service
    locks and audits every enrolment of a round one by one, too slow for the county profile's
    thousands, and these enrolments are bulk-inserted after. The rows obey the same rules: the
    period starts on the day of posting, lasts NOTICE_MIN_DAYS full days, is closed after its
    end, and each round is posted after the previous one closed
    (beneficiaries/tests/test_demo.py checks it)."""
    from beneficiaries.services import NOTICE_COLUMNS, NOTICE_ROUNDS
    from org.models import Role, User
    from publicity.models import PublicNotice
    from publicity.services import notice_snapshot

    paying = [e for e in enrolments if e.active_from is not None]
    if not paying:
        return
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in={e.person_id for e in paying}).only(
            "pk", "name", "id_number_cipher"
        )
    }
    groups: dict[tuple, list] = {}
    for e in paying:
        for kind, division in (
            ("village", e.village),
            ("township", e.village.parent),
            ("final", e.village.parent),
        ):
            groups.setdefault((e.project, kind, division), []).append(e)
    schedule = notice_schedule(year)
    for (project, kind, division), members in groups.items():
        field, label = NOTICE_ROUNDS[kind]
        township = division if division.level == "township" else division.parent
        poster = (
            User.objects.filter(role=Role.TOWNSHIP_STAFF, division=township, is_active=True)
            .order_by("pk")
            .first()
        )
        if poster is None:
            continue
        rows = [
            {
                "name": people[e.person_id].name,
                "id_number": people[e.person_id].id_number,
                "village": e.village.name,
                "tier": e.tier,
                "persons": e.persons_covered,
            }
            for e in members
        ]
        heads, cells = notice_snapshot(rows=rows, columns=NOTICE_COLUMNS)
        notice, _created = PublicNotice.objects.get_or_create(
            division=division,
            kind=PublicNotice.Kind.ENROLMENT,
            title=f"{division.name}{year}年{project.name}{label}",
            defaults={
                "stage": str(label),
                "starts_on": clock.local_day(schedule[kind][0]),
                "ends_on": schedule[kind][1],
                "objection_address": f"{township.name}民生办",
                "columns": heads,
                "rows": cells,
                "posted_by": poster,
                "posted_at": schedule[kind][0],
                "status": PublicNotice.Status.CLOSED_CLEAR,
                "closed_by": poster,
                "closed_at": schedule[kind][2],
                "close_note": "公示期满无异议",
            },
        )
        for e in members:
            setattr(e, field, notice)


def _batch_officers(township):
    """Three different people of the township for a batch's four-eyes steps (DESIGN 打卡发放):
    a staff member prepares, another person checks, a leader who is neither approves. In the
    small profile they are demo-staff, demo-checker and demo-leader; townships of the
    county profile have one officer each, so the demo adds a checker and a leader there (no
    usable password, like the other officers)."""
    from django.contrib.auth.hashers import make_password

    from org.models import Role, User

    def officers(role):
        return list(
            User.objects.filter(role=role, division=township, is_active=True).order_by("username")[:2]
        )

    staff, leaders = officers(Role.TOWNSHIP_STAFF), officers(Role.TOWNSHIP_LEADER)
    added = {
        "checker": (Role.TOWNSHIP_STAFF, f"{township.name}复核员"),
        "leader": (Role.TOWNSHIP_LEADER, f"{township.name}分管领导"),
    }
    for key, wanted in (("checker", staff), ("leader", leaders)):
        while len(wanted) < (2 if key == "checker" else 1):
            role, name = added[key]
            user, _created = User.objects.get_or_create(
                username=f"{key}-{township.code}",
                defaults={
                    "full_name": name,
                    "role": role,
                    "division": township,
                    "is_staff": True,
                    "password": make_password(None),
                },
            )
            wanted.append(user)
    # demo-staff prepares and demo-checker checks where both exist (the small profile's logins).
    staff.sort(key=lambda user: {"demo-staff": 0, "demo-checker": 1}.get(user.username, 2))
    return staff[0], staff[1], leaders[0]


def _settle(batch, *, officers, month: datetime.date, rng, keep=None):
    """Take a generated batch the way the office does (DESIGN 打卡发放): checked by a second
    staff member, approved by a leader, sent to the bank, the bank's result applied (a few
    payments failed, never ``keep``: the planted amount). Every step is the service's; only
    the times are then set back into the month paid (its bank file made on the 19th, sent on the 20th, the result
    back on the 25th), the one thing the services cannot do in the past. The one place that knows the
    steps after generation: a new step (a bank file before sending) goes here."""
    from beneficiaries.models import Payment, PaymentBatch
    from beneficiaries.services import (
        RESULT_FAILED,
        RESULT_PAID,
        batch_approve,
        batch_bank_file_record,
        batch_check,
        batch_mark_exported,
        batch_reconcile,
    )

    preparer, checker, approver = officers
    batch = batch_check(user=checker, batch=batch)
    batch = batch_approve(user=approver, batch=batch)
    batch_bank_file_record(user=preparer, batch=batch)  # what the bank file job records
    batch = batch_mark_exported(user=preparer, batch=batch)
    results = []
    for row, (pk, amount) in enumerate(batch.payments.order_by("pk").values_list("pk", "amount"), start=2):
        failed = pk != keep and rng.random() < FAILURE_RATE
        results.append(
            {
                "row": row,
                "reference": Payment(pk=pk).reference,
                "amount": amount,
                "result": RESULT_FAILED if failed else RESULT_PAID,
                # re-issued by the next batch to the same card: a reason that is not a closed account
                "reason": "户名不符" if failed else "",
            }
        )
    batch_reconcile(user=preparer, batch=batch, results=results)
    zone = timezone.get_current_timezone()
    PaymentBatch.objects.filter(pk=batch.pk).update(
        bank_file_at=datetime.datetime.combine(month.replace(day=19), datetime.time(15), tzinfo=zone),
        exported_at=datetime.datetime.combine(month.replace(day=20), datetime.time(9), tzinfo=zone),
        reconciled_at=datetime.datetime.combine(month.replace(day=25), datetime.time(16), tzinfo=zone),
    )


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def seed_subsidies(*, villages, rng, today, own: set) -> dict:
    """``own``: the ID indexes of the persons this demo registered; later apps' demos (party
    members) add persons to the same villages, and they must not change what is drawn here."""
    from beneficiaries.models import (
        AnomalyFinding,
        Callback,
        Enrolment,
        ExclusivePair,
        Payment,
        PaymentBatch,
        SubsidyStandard,
        UserPerson,
    )
    from beneficiaries.services import anomaly_check_run, batch_generate, payment_adjust
    from org.models import Role, User

    year = today.year
    projects = _subsidy_projects(villages, year)
    if not projects:
        return {}
    # Standards, from January 1st.
    for name, project in projects.items():
        for tier, unit, period, amount in STANDARDS[name]:
            SubsidyStandard.objects.get_or_create(
                project=project,
                tier=tier,
                effective_from=datetime.date(year, 1, 1),
                defaults={"unit": unit, "period": period, "amount": Decimal(amount)},
            )
    low, five = projects.get(LOW_INCOME), projects.get(FIVE_GUARANTEES)
    if low and five:
        ExclusivePair.objects.get_or_create(
            first=five, second=low, defaults={"note": "特困供养与低保不得重复享受"}
        )

    # Enrolments: deterministic choice of persons per project.
    # Every registered person is drawn for (the same draws on every run, so reruns add
    # nothing); the dead are skipped after the draw.
    persons = list(
        Person.objects.filter(village__in=villages, id_number_index__in=own)
        .order_by("village__code", "pk")
        .values_list("pk", "village_id", "household_id", "relation", "status")
    )
    village_of = {v.pk: v for v in villages}
    # who entered each application: the village's cadre (the approving leader is another person)
    entered_by = {
        user.division_id: user
        for user in User.objects.filter(role=Role.VILLAGE_CADRE, division__in=villages).order_by("-username")
    }
    # approved once the final round closed with no objection (February 20th with the usual 7 days)
    final_closed = clock.local_day(notice_schedule(year)["final"][2])
    approved_on = max(datetime.date(year, 2, 20), final_closed)
    new = []
    for name, project in projects.items():
        tiers = [t for t, *_r in STANDARDS[name]]
        chosen = [p for p in persons if rng.random() < SHARES[name]]
        if name == LOW_INCOME:  # a household benefit: the head applies for the household
            chosen = [p for p in persons if p[3] == Person.Relation.HEAD and rng.random() < SHARES[name] * 3]
        for index, (pk, village_id, household_id, _relation, status) in enumerate(chosen):
            tier = rng.choices(tiers, TIER_WEIGHTS[name])[0]
            covered = rng.choice([1, 2, 2, 3]) if name == LOW_INCOME else 1
            if status != Person.Status.LIVING:
                continue
            village = village_of[village_id]
            status, exit_on, exit_reason = Enrolment.Status.ACTIVE, None, ""
            if index % 97 == 5:
                status = Enrolment.Status.APPLIED
            elif index % 89 == 7:
                status, exit_on, exit_reason = (
                    Enrolment.Status.EXITED,
                    datetime.date(year, 8, 31),
                    "not_eligible",
                )
            paying = status in (Enrolment.Status.ACTIVE, Enrolment.Status.EXITED)
            new.append(
                Enrolment(
                    project=project,
                    person_id=pk,
                    household_id=household_id if name == LOW_INCOME else None,
                    village=village,
                    tier=tier,
                    persons_covered=covered,
                    status=status,
                    applied_on=datetime.date(year, 1, 5),
                    approved_on=approved_on if paying else None,
                    active_from=datetime.date(year, 3, 1) if paying else None,
                    exit_on=exit_on,
                    exit_reason=exit_reason,
                    created_by=entered_by.get(village.pk),
                )
            )
    _post_notices(new, year=year)
    Enrolment.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    enrolments = list(
        Enrolment.objects.filter(project__in=projects.values(), village__in=villages).select_related(
            "person", "village"
        )
    )

    # Planted anomalies (idempotent: fixed picks, updates not inserts).
    active = [e for e in enrolments if e.status == Enrolment.Status.ACTIVE]
    by_project = {}
    for e in active:
        by_project.setdefault(e.project_id, []).append(e)
    planted = 0
    if low and five and by_project.get(low.pk) and len(by_project.get(five.pk, [])) > 1:
        person_id = by_project[low.pk][0].person_id
        Enrolment.objects.get_or_create(
            project=five,
            person_id=person_id,
            defaults={
                "village": by_project[low.pk][0].village,
                "tier": "分散供养",
                "status": Enrolment.Status.APPLIED,
                "applied_on": datetime.date(year, 6, 1),
                "created_by": entered_by.get(by_project[low.pk][0].village_id),
            },
        )
        planted += 1
    disability = projects.get(DISABILITY)
    if disability and by_project.get(disability.pk) and len(villages) > 1:
        # the same ID enrolled in another village: a 低保 person added to disability elsewhere
        e = by_project[low.pk][1] if low and len(by_project.get(low.pk, [])) > 1 else None
        if e is not None:
            other = next(v for v in villages if v.pk != e.village_id)
            Enrolment.objects.get_or_create(
                project=disability,
                person_id=e.person_id,
                defaults={
                    "village": other,
                    "tier": "三级",
                    "status": Enrolment.Status.NOTICE,
                    "applied_on": datetime.date(year, 7, 1),
                    "created_by": entered_by.get(other.pk),
                },
            )
            planted += 1
    sharers = [e.person for e in active if e.person.household_id][:40]
    pair = next(((a, b) for a in sharers for b in sharers if a.household_id != b.household_id), None)
    if pair:
        Person.objects.filter(pk=pair[1].pk).update(
            bank_card_cipher=pair[0].bank_card_cipher, bank_card_index=pair[0].bank_card_index
        )
        planted += 1
    cadre = User.objects.filter(role=Role.VILLAGE_CADRE, division__in=villages).order_by("username").first()
    if cadre is not None:
        relative = next(
            (e for e in active if e.village_id == cadre.division_id and e.person.household_id), None
        )
        if relative is not None:
            own = (
                Person.objects.filter(household_id=relative.person.household_id)
                .exclude(pk=relative.person_id)
                .first()
            )
            if own is not None:
                UserPerson.objects.get_or_create(user=cadre, defaults={"person": own})
                planted += 1
    deceased = active[3] if len(active) > 3 else None

    # A monthly batch per project and township from March (when the enrolments are paid from)
    # to October, each made, checked, approved, sent to the bank and reconciled through the
    # services, so the demo's money obeys the portal's rules: only days not yet paid, pro-rated
    # by the standard, four-eyes. A few payments fail at the bank, each re-issued by the next
    # month's batch.
    townships = sorted({v.parent for v in villages}, key=lambda t: t.code)
    paid = set(
        PaymentBatch.objects.filter(project__in=projects.values(), division__in=townships).values_list(
            "project_id", "division_id"
        )
    )
    # planted once: one amount above the standard, changed in a draft with a reason
    adjusted = (
        Payment.objects.filter(batch__project__in=projects.values(), batch__division__in=townships)
        .exclude(adjust_reason="")
        .values_list("pk", flat=True)
        .first()
    )
    for township in townships:
        officers = _batch_officers(township)
        for project in projects.values():
            if (project.pk, township.pk) in paid:
                continue  # a rerun: this township's batches are in place
            for month in PAID_MONTHS:
                try:
                    batch = batch_generate(
                        user=officers[0], project=project, division=township, period_start=month
                    )
                except ValidationError:
                    continue  # nobody in this township is paid by the project
                if adjusted is None:
                    first = batch.payments.order_by("pk").first()
                    payment_adjust(
                        user=officers[0],
                        payment=first,
                        amount=first.amount + 100,
                        reason="补发上年差额（待核）",
                    )
                    adjusted = first.pk
                _settle(batch, officers=officers, month=month, rng=rng, keep=adjusted)
    # planted: one death the batches did not notice (recorded after September and October were paid)
    if deceased is not None and deceased.person.is_living:
        Person.objects.filter(pk=deceased.person_id).update(
            status=Person.Status.DECEASED, status_on=datetime.date(year, 8, 15)
        )
    batches = PaymentBatch.objects.filter(project__in=projects.values(), division__in=townships)

    # Callbacks for about a third of the active enrolments.
    callbacks = []
    already_called = Callback.objects.filter(enrolment__in=active).exists()
    for e in [] if already_called else active:
        if rng.random() > 0.33:
            continue
        reached = rng.random() < 0.9
        callbacks.append(
            Callback(
                enrolment=e,
                method=rng.choice([Callback.Method.PHONE, Callback.Method.VISIT]),
                called_on=datetime.date(year, rng.randint(6, 10), rng.randint(1, 28)),
                reached=reached,
                knew_policy=(rng.random() < 0.93) if reached else None,
                received_money=(rng.random() < 0.98) if reached else None,
                satisfied=(rng.random() < 0.95) if reached else None,
                notes="",
            )
        )
    Callback.objects.bulk_create(callbacks, batch_size=2000)
    anomaly_check_run(user=Scope.system("demo data: the first anomaly run"))
    return {
        "enrolments": Enrolment.objects.filter(project__in=projects.values()).count(),
        "payments": Payment.objects.filter(batch__in=batches).count(),
        "callbacks": len(callbacks),
        "planted anomalies": planted,
        "anomalies": AnomalyFinding.objects.count(),
    }
