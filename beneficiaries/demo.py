"""Demo persons and households: about 60 per village (small) or 200 (county), with valid,
fictional ID numbers (region 99xxxx), pinyin search keys and encrypted bank cards.
Idempotent: IDs are deterministic, and rows already present are kept."""

import datetime

from django.db import transaction

from beneficiaries.models import Household, Person
from common.demo import chinese_name, demo_id_number
from common.idcard import parse_id_number
from common.pinyin import search_key
from org.models import Division

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
    return {"households": len(households), "persons": len(persons)}
