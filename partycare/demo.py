"""Demo party branches and members (members are registry persons), with care records, a holiday
campaign, aid applications at every step, pairings and a pioneer index.

County profile: about 800 branches and 16,000 members (the county report of seed 002: 813
branches, 15,796 members); small: 2 branches per village, a few hundred members. Idempotent:
ID numbers are deterministic, rows are upserted or skipped when present. Bulk inserts only.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from beneficiaries.models import Person
from core.demo import chinese_name, demo_id_number
from core.idcard import parse_id_number
from core.pinyin import search_key
from org.models import Division, Role, User
from partycare import eligibility
from partycare.models import (
    AidApplication,
    Branch,
    Campaign,
    CampaignTarget,
    CareCase,
    Pairing,
    PairingContact,
    PartyMember,
    PioneerItem,
)

TODAY = datetime.date(2026, 11, 1)
VILLAGE_BRANCHES = {
    "small": ["党支部", "老年党支部"],
    "county": ["党支部", "老年党支部", "流动党员党支部", "产业党支部", "合作社党支部"],
}
TOWNSHIP_BRANCHES = {
    "small": ["机关党总支"],
    "county": [
        "机关党总支",
        "机关第一党支部",
        "机关第二党支部",
        "学校党支部",
        "卫生院党支部",
        "企业党支部",
        "社区党总支",
        "离退休党支部",
        "非公企业联合党支部",
    ],
}
MEMBERS_PER_BRANCH = {"small": 14, "county": 20}
# (share, min age, max age): rural members are older than the population
AGE_BANDS = [(0.22, 70, 92), (0.28, 55, 69), (0.30, 35, 54), (0.20, 22, 34)]
PIONEER_ITEMS = [
    ("base", "参加组织生活和学习培训", "trainings", "5", "20"),
    ("base", "按时交纳党费", "manual", "10", "10"),
    ("base", "履行公开承诺", "commitments", "10", "20"),
    ("bonus", "联系服务群众、走访帮扶", "visits", "2", "20"),
    ("bonus", "解决群众诉求", "concerns", "3", "15"),
    ("bonus", "参与集体公益事项", "manual", "2", "15"),
]


def _age_band(rng):
    roll, total = rng.random(), 0.0
    for share, low, high in AGE_BANDS:
        total += share
        if roll <= total:
            return low, high
    return AGE_BANDS[-1][1:]


@transaction.atomic
def _aid_notices(*, township, staff) -> None:
    """The demo applications past the branch check had their public notice: post it through
    the publicity app (masked), and mark it closed with no objection for those already past
    the township check, so the workflow can go on from any of them.

    Created directly (the applications' earlier steps are too), by the rules the services
    enforce: posted at 09:00 on the day its period starts, NOTICE_MIN_DAYS full days long,
    closed at 09:00 the day after its end (partycare/tests/test_demo.py checks it)."""
    from core import clock
    from partycare.services import AID_NOTICE_COLUMNS
    from publicity.models import PublicNotice
    from publicity.services import notice_earliest_end, notice_snapshot

    S = AidApplication.Status
    later = (S.TOWNSHIP_CHECKED, S.COUNTY_APPROVED, S.PAID)
    applications = AidApplication.objects.filter(
        member__branch__division__code__startswith=township.code,
        status__in=(S.IN_NOTICE, *later),
        notice_id__isnull=True,
    ).select_related("member__person__village", "member__branch__division")
    for application in applications:
        member = application.member
        starts_on = TODAY - datetime.timedelta(days=3 if application.status == S.IN_NOTICE else 30)
        heads, cells = notice_snapshot(
            rows=[
                {
                    "name": member.person.name,
                    "id_number": member.person.id_number,
                    "village": member.person.village.name if member.person.village_id else "",
                    "branch": member.branch.name,
                    "kind": application.get_kind_display(),
                    "cause": application.get_cause_display(),
                    "amount": str(application.amount),
                }
            ],
            columns=AID_NOTICE_COLUMNS,
        )
        cleared = application.status in later
        posted_at = clock.start_of_day(starts_on) + datetime.timedelta(hours=9)
        ends_on = notice_earliest_end(posted_on=starts_on)
        closed_at = clock.start_of_day(ends_on + datetime.timedelta(days=1)) + datetime.timedelta(hours=9)
        notice = PublicNotice.objects.create(
            division=member.branch.division,
            kind=PublicNotice.Kind.AID,
            stage="公示",
            title=f"{member.branch.division.name}{application.year}年党员帮扶救助公示",
            starts_on=starts_on,
            ends_on=ends_on,
            objection_address=f"{township.name}党委组织办",
            columns=heads,
            rows=cells,
            source=application,
            posted_by=staff,
            posted_at=posted_at,
            status=PublicNotice.Status.CLOSED_CLEAR if cleared else PublicNotice.Status.POSTED,
            closed_by=staff if cleared else None,
            closed_at=closed_at if cleared else None,
        )
        AidApplication.objects.filter(pk=application.pk).update(
            notice_id=notice.pk,
            notice_by=staff,
            notice_reference=notice.title[:80],
            notice_starts_on=notice.starts_on,
            notice_ends_on=notice.ends_on,
        )


def seed(*, profile, rng, stdout=None) -> dict:
    county_code = "341226"
    villages = list(
        Division.objects.filter(level="village", code__startswith=county_code).select_related("parent")
    )
    townships = list(Division.objects.filter(level="township", code__startswith=county_code).order_by("code"))
    if not villages:
        return {"branches": 0, "members": 0}
    size = profile.name if profile.name in VILLAGE_BRANCHES else "small"
    first_village = {}
    for village in sorted(villages, key=lambda v: v.code):
        first_village.setdefault(village.parent_id, village)

    branches = [
        Branch(
            division=village,
            name=f"{village.name}{suffix}",
            kind=Branch.Kind.BRANCH,
            secretary=chinese_name(rng),
        )
        for village in villages
        for suffix in VILLAGE_BRANCHES[size]
    ] + [
        Branch(
            division=township,
            name=f"{township.name}{suffix}",
            kind=Branch.Kind.GENERAL_BRANCH if suffix.endswith("总支") else Branch.Kind.BRANCH,
            secretary=chinese_name(rng),
        )
        for township in townships
        for suffix in TOWNSHIP_BRANCHES[size]
    ]
    Branch.objects.bulk_create(branches, ignore_conflicts=True, batch_size=2000)
    all_branches = list(
        Branch.objects.filter(division__code__startswith=county_code)
        .select_related("division")
        .order_by("division__code", "name")
    )

    # Persons first (the registry), then members pointing at them.
    seen, persons, plans, sequence = set(), [], [], 500_000
    for branch in all_branches:
        village = branch.division if branch.division.is_village else first_village.get(branch.division_id)
        if village is None:
            continue
        for _ in range(MEMBERS_PER_BRANCH[size] + rng.randint(-3, 3)):
            low, high = _age_band(rng)
            while True:
                sequence += 1
                number = demo_id_number(rng, sequence=sequence, min_age=low, max_age=high, today=TODAY)
                if number not in seen:
                    seen.add(number)
                    break
            info = parse_id_number(number, today=TODAY)
            name = chinese_name(rng)
            persons.append(
                Person(
                    id_number=number,
                    name=name,
                    name_search=search_key(name),
                    sex=info.sex,
                    birth_date=info.birth_date,
                    village=village,
                    phone=f"13{rng.randint(100000000, 999999999)}",
                )
            )
            plans.append((number, branch, info.birth_date))
    Person.objects.bulk_create(persons, ignore_conflicts=True, batch_size=2000)
    index_of = Person.id_number.index_of
    person_ids = dict(
        Person.objects.filter(id_number_index__in=[index_of(n) for n, _b, _d in plans]).values_list(
            "id_number_index", "pk"
        )
    )

    members = []
    for number, branch, birth in plans:
        person_id = person_ids.get(index_of(number))
        if person_id is None:
            continue
        eighteen = eligibility.add_years(birth, 18)
        latest = min(TODAY, eligibility.add_years(birth, 45))
        span = max((latest - eighteen).days, 1)
        joined = eighteen + datetime.timedelta(days=rng.randint(0, span))
        probationary = (TODAY - joined).days < 365
        age = eligibility.full_years(birth, TODAY)
        members.append(
            PartyMember(
                person_id=person_id,
                branch=branch,
                joined_on=joined,
                full_member_on=None if probationary else eligibility.add_years(joined, 1),
                status=PartyMember.Status.PROBATIONARY if probationary else PartyMember.Status.FULL,
                is_model_worker=rng.random() < 0.04,
                is_former_cadre=age > 50 and rng.random() < 0.08,
                is_retired_village_cadre=age > 55 and rng.random() < 0.05,
                is_entrepreneur=20 < age < 60 and rng.random() < 0.04,
                is_in_hardship=rng.random() < 0.06,
                is_migrant=age < 50 and rng.random() < 0.15,
                is_chronically_ill=age > 60 and rng.random() < 0.15,
                is_housebound=age > 80 and rng.random() < 0.4,
                has_fixed_allowance=rng.random() < 0.25,
            )
        )
    PartyMember.objects.bulk_create(members, ignore_conflicts=True, batch_size=2000)

    staff = (
        User.objects.filter(username="demo-staff").first()
        or User.objects.filter(role=Role.TOWNSHIP_STAFF).first()
    )
    counts = {
        "branches": len(all_branches),
        "members": PartyMember.objects.filter(branch__in=all_branches).count(),
    }
    if staff is None or staff.division is None:
        return counts
    township = staff.division
    local = list(
        PartyMember.objects.filter(branch__division__code__startswith=township.code)
        .select_related("person")
        .order_by("pk")[:400]
    )
    if not CareCase.objects.filter(member__in=local).exists():
        cases = []
        for member in local:
            if rng.random() < 0.6:
                cases.append(
                    CareCase(
                        member=member,
                        kind=CareCase.Kind.TALK,
                        occurred_on=TODAY - datetime.timedelta(days=rng.randint(1, 300)),
                        visitors=chinese_name(rng),
                        notes="谈心谈话，了解思想和生活情况",
                        recorded_by=staff,
                    )
                )
            if member.is_chronically_ill and rng.random() < 0.5:
                cases.append(
                    CareCase(
                        member=member,
                        kind=CareCase.Kind.SICK_VISIT,
                        occurred_on=TODAY - datetime.timedelta(days=rng.randint(1, 200)),
                        visitors=chinese_name(rng),
                        money=Decimal("200.00"),
                        goods="牛奶、水果",
                        recorded_by=staff,
                    )
                )
        CareCase.objects.bulk_create(cases, batch_size=2000)
        counts["care_cases"] = len(cases)

    # A campaign for the coming Spring Festival, partly visited.
    year = TODAY.year + 1
    campaign, created = Campaign.objects.get_or_create(
        division=township,
        holiday=Campaign.Holiday.SPRING_FESTIVAL,
        year=year,
        defaults={"holiday_date": eligibility.spring_festival(year), "created_by": staff},
    )
    if created:
        occasion = eligibility.Occasion("spring_festival", year, campaign.holiday_date)
        due = eligibility.holiday_visit_due(
            PartyMember.objects.filter(branch__division__code__startswith=township.code),
            occasion=occasion,
            today=occasion.window_start,
        ).select_related("person")
        targets = [
            CampaignTarget(
                campaign=campaign,
                member=m,
                rules="、".join(eligibility.holiday_visit_reasons(m, today=occasion.window_start)),
            )
            for m in due
        ]
        CampaignTarget.objects.bulk_create(targets, batch_size=2000)

    if not AidApplication.objects.filter(member__in=local).exists():
        old = [
            m
            for m in local
            if eligibility.full_years(m.person.birth_date, TODAY) >= 70 and not m.has_fixed_allowance
        ][:12]
        statuses = list(AidApplication.Status)[:6]
        AidApplication.objects.bulk_create(
            [
                AidApplication(
                    member=m,
                    kind=AidApplication.Kind.OLD_MEMBER_ALLOWANCE,
                    year=TODAY.year,
                    cause=AidApplication.Cause.AGE,
                    amount=Decimal("200.00"),
                    status=statuses[i % len(statuses)],
                    prepared_by=staff,
                    situation="年满70周岁、党龄30年以上，未享受定补待遇",
                )
                for i, m in enumerate(old)
            ]
        )
        counts["aid"] = len(old)
        _aid_notices(township=township, staff=staff)

    if not Pairing.objects.filter(division__code__startswith=township.code).exists():
        needy = [m for m in local if m.is_in_hardship][:15]
        pairings = [
            Pairing(
                division=m.branch.division,
                helper_kind=Pairing.HelperKind.CADRE,
                helper_name=chinese_name(rng),
                member=m,
                started_on=TODAY - datetime.timedelta(days=rng.randint(30, 400)),
                created_by=staff,
            )
            for m in needy
        ]
        # the township leader helps every fifth: "the ones I help" has something to show
        leader = (
            User.objects.filter(role=Role.TOWNSHIP_LEADER, division=township, is_active=True)
            .order_by("pk")
            .first()
        )
        for pairing in pairings[::5] if leader else []:
            pairing.helper_user, pairing.helper_name = leader, leader.display_name[:40]
        Pairing.objects.bulk_create(pairings)
        contacts = []
        for pairing in Pairing.objects.filter(division__code__startswith=township.code):
            if rng.random() < 0.7:
                day = TODAY - datetime.timedelta(days=rng.randint(1, 150))
                contacts.append(
                    PairingContact(
                        pairing=pairing,
                        occurred_on=day,
                        notes="入户走访，帮助解决生产困难",
                        recorded_by=staff,
                    )
                )
                Pairing.objects.filter(pk=pairing.pk).update(last_contact_on=day)
        PairingContact.objects.bulk_create(contacts)

    PioneerItem.objects.bulk_create(
        [
            PioneerItem(
                division=township,
                year=TODAY.year,
                section=section,
                name=name,
                source=source,
                points_per_unit=Decimal(per),
                max_points=Decimal(cap),
                order=i,
            )
            for i, (section, name, source, per, cap) in enumerate(PIONEER_ITEMS)
        ],
        ignore_conflicts=True,
    )
    from django.db import connection
    from django.utils import timezone

    from partycare.services import due_items_refresh

    if connection.vendor == "postgresql":
        # Fresh bulk rows inside this transaction: without statistics the planner joins 16,000
        # members to the registry by nested loops (minutes instead of a second).
        with connection.cursor() as cursor:
            for table in (
                "beneficiaries_person",
                "partycare_partymember",
                "partycare_carecase",
                "partycare_aidapplication",
            ):
                cursor.execute(f"ANALYZE {table}")

    counts["due_items"] = due_items_refresh(today=timezone.localdate())
    return counts
