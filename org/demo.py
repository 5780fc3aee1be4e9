"""Demo data of the org app: the administrative tree, departments and one user per role.

Idempotent: running it again updates names and keeps every row once. Later apps add a
``demo.py`` of their own with a ``seed(*, profile, rng, stdout)``; ``seed_demo`` runs them in
dependency order.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from core.demo import chinese_name
from org.models import Department, Division, Role, User


@dataclass(frozen=True)
class Profile:
    name: str
    townships: int
    villages: int


PROFILES = {
    # small: what make run shows; county: 11 townships and 139 villages as in the seeds' county report.
    "small": Profile("small", townships=1, villages=10),
    "county": Profile("county", townships=11, villages=139),
}

# The levels above the demo county: its code 341226 starts with Anhui's 34 and Fuyang's 3412.
PROVINCE_CODE, PROVINCE_NAME = "34", "安徽省"
CITY_CODE, CITY_NAME = "3412", "阜阳市"
COUNTY_CODE, COUNTY_NAME = "341226", "民安县"
TOWNSHIP_NAMES = [
    "城关镇",
    "陡沟镇",
    "新集镇",
    "杨湖镇",
    "江口镇",
    "谢桥镇",
    "南照镇",
    "王岗镇",
    "古城镇",
    "润河镇",
    "关屯乡",
]
VILLAGE_WORDS = "东西南北前后新老大小高李王张刘陈杨黄赵周吴徐孙马朱胡郭林何罗郑梁宋谢唐许韩冯邓曹彭"
VILLAGE_SUFFIX = "庄湖集岗圩桥楼店营郢寨沟洼塘"
DEPARTMENTS = [
    "民生办",
    "民政所",
    "财政所",
    "卫生院",
    "计生办",
    "教育办",
    "农业综合服务站",
    "人社所",
    "建设办",
]

DEMO_USERS = [
    # username, full name, role, where: "province" / "city" / "county" / "township" / "village"
    ("demo-staff", "李明", Role.TOWNSHIP_STAFF, "township"),
    # A second officer of the township: a batch prepared by demo-staff is checked by another
    # person before demo-leader approves it (four-eyes, three people).
    ("demo-checker", "赵敏", Role.TOWNSHIP_STAFF, "township"),
    ("demo-leader", "王建国", Role.TOWNSHIP_LEADER, "township"),
    ("demo-cadre", "张秀英", Role.VILLAGE_CADRE, "village"),
    ("demo-reviewer", "陈志强", Role.COUNTY_REVIEWER, "county"),
    ("demo-auditor", "刘芳", Role.COUNTY_AUDITOR, "county"),
    ("demo-city-reviewer", "孙立新", Role.CITY_REVIEWER, "city"),
    ("demo-city-auditor", "周静", Role.CITY_AUDITOR, "city"),
    ("demo-province-reviewer", "吴国平", Role.PROVINCE_REVIEWER, "province"),
    ("demo-province-auditor", "郑慧", Role.PROVINCE_AUDITOR, "province"),
]


def village_counts(profile: Profile) -> list[int]:
    base, extra = divmod(profile.villages, profile.townships)
    return [base + (1 if i < extra else 0) for i in range(profile.townships)]


def village_name(township_index: int, village_index: int) -> str:
    word = VILLAGE_WORDS[(township_index * 7 + village_index) % len(VILLAGE_WORDS)]
    suffix = VILLAGE_SUFFIX[(township_index + village_index * 3) % len(VILLAGE_SUFFIX)]
    kind = "社区" if village_index == 0 else "村"
    return f"{word}{suffix}{kind}"


def _upsert_divisions(rows: list[Division]) -> None:
    Division.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["code"], update_fields=["name", "level", "parent"]
    )


@transaction.atomic
def seed(*, profile: Profile, rng, stdout=None) -> dict:
    _upsert_divisions([Division(code=PROVINCE_CODE, name=PROVINCE_NAME, level=Division.Level.PROVINCE)])
    province = Division.objects.get(code=PROVINCE_CODE)
    _upsert_divisions([Division(code=CITY_CODE, name=CITY_NAME, level=Division.Level.CITY, parent=province)])
    city = Division.objects.get(code=CITY_CODE)
    _upsert_divisions(
        [Division(code=COUNTY_CODE, name=COUNTY_NAME, level=Division.Level.COUNTY, parent=city)]
    )
    county = Division.objects.get(code=COUNTY_CODE)
    townships = [
        Division(
            code=f"{COUNTY_CODE}{100 + i + 1:03d}", name=TOWNSHIP_NAMES[i], level="township", parent=county
        )
        for i in range(profile.townships)
    ]
    _upsert_divisions(townships)
    township_by_code = {d.code: d for d in Division.objects.filter(level="township", parent=county)}
    villages = []
    for t_index, count in enumerate(village_counts(profile)):
        township = township_by_code[f"{COUNTY_CODE}{100 + t_index + 1:03d}"]
        for v_index in range(count):
            villages.append(
                Division(
                    code=f"{township.code}{200 + v_index + 1:03d}",
                    name=village_name(t_index, v_index),
                    level="village",
                    parent=township,
                )
            )
    _upsert_divisions(villages)

    Department.objects.bulk_create(
        [
            Department(division=township, name=name, is_livelihood_office=(name == "民生办"))
            for township in township_by_code.values()
            for name in DEPARTMENTS
        ],
        update_conflicts=True,
        unique_fields=["division", "name"],
        update_fields=["is_livelihood_office"],
    )

    first_township = township_by_code[f"{COUNTY_CODE}101"]
    first_village = Division.objects.get(code=f"{first_township.code}201")
    where = {
        "province": province,
        "city": city,
        "county": county,
        "township": first_township,
        "village": first_village,
    }
    # One hash for all demo users: hashing is deliberately slow, and make run re-seeds each start.
    password_hash = make_password(settings.DEMO_PASSWORD)
    for username, full_name, role, place in DEMO_USERS:
        User.objects.update_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "role": role,
                "division": where[place],
                "is_staff": role != Role.VILLAGE_CADRE,
                "is_superuser": False,
                "is_active": True,
                "password": password_hash,
            },
        )
    User.objects.update_or_create(
        username="demo-admin",
        defaults={
            "full_name": "系统管理员",
            "role": "",
            "division": None,
            "is_staff": True,
            "is_superuser": True,
            "password": password_hash,
        },
    )

    # Ordinary officers for the rest of the county: one staff member per township and one
    # cadre per village. They cannot log in until an administrator sets a password.
    unusable = make_password(None)
    officers = [
        User(
            username=f"staff-{t.code}",
            full_name=chinese_name(rng),
            role=Role.TOWNSHIP_STAFF,
            division=t,
            is_staff=True,
            password=unusable,
        )
        for t in township_by_code.values()
    ] + [
        User(
            username=f"cadre-{v.code}",
            full_name=chinese_name(rng),
            role=Role.VILLAGE_CADRE,
            division=v,
            password=unusable,
        )
        for v in Division.objects.filter(level="village", code__startswith=COUNTY_CODE)
    ]
    User.objects.bulk_create(
        officers, update_conflicts=True, unique_fields=["username"], update_fields=["role", "division"]
    )
    return {"townships": len(townships), "villages": len(villages), "officers": len(officers)}
