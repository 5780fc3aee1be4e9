"""Demo data of the projects app, modelled on the county year-end summary at the end of seed 004
(民生工程工作总结): the county's projects by category with the money allocated, the people served
and the spending rates; funds by source in the summary's proportions (planned 18.12 亿: central
and provincial 11.84, municipal/county 4.73, self-raised 1.55; received 18.42 亿: 12.26 / 4.41 /
1.75; allocated = received).

- small: six projects of the one township, targets split over its villages;
- county: 33 county-wide projects with targets county → townships (→ villages), progress for the
  months of this year up to October, dated fund movements and construction sites.

Idempotent: projects, targets, progress and fund lines are upserted on their unique keys; fund
movements, sites and their controls are created only for projects that have none yet. Bulk
inserts write no audit history (these are demo rows, not anyone's work).
"""

import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from org.demo import COUNTY_CODE
from org.models import Department, Division
from projects.models import FundLine, FundMovement, ProgressReport, Project, Site, SiteControl, Target

E, J, INS, S, H = "education_culture", "employment", "social_insurance", "social_service", "health"
SUB, CON, SER = "subsidy", "construction", "service"

# name, kind, category, unit, county target, allocated 万元, spent/allocated, depth, county department
PROJECTS = [
    ("城乡义务教育经费保障机制改革", SUB, E, "人", 106235, "13766.18", "1.00", "village", "县教育局"),
    ("家庭经济困难学生资助", SUB, E, "人", 6031, "784.32", "0.958", "township", "县教育局"),
    ("乡镇公办幼儿园", CON, E, "所", 27, "1139.00", "0.878", "township", "县教育局"),
    ("公共文化服务信息化建设", CON, E, "所", 1, "5.00", "1.00", "county", "县文广新局"),
    ("农村文化建设专项补助", SER, E, "例", 2202, "367.00", "1.00", "township", "县文广新局"),
    ("公共文化场馆开放", SER, E, "人", 20000, "167.50", "1.00", "county", "县文广新局"),
    ("新型农民培训工程", SER, J, "人", 7100, "289.80", "1.00", "village", "县农委"),
    ("就业技能培训", SER, J, "人", 5500, "340.28", "1.00", "township", "县人社局"),
    ("新型农村合作医疗", SUB, INS, "人", 1331900, "45499.73", "0.939", "village", "县卫健委"),
    ("城乡居民养老保险", SUB, INS, "人", 802200, "69706.87", "0.740", "village", "县人社局"),
    ("城镇居民基本医疗保险", SUB, INS, "人", 140000, "5306.00", "0.506", "township", "县人社局"),
    ("农村居民最低生活保障", SUB, S, "户", 34312, "8405.46", "1.00", "village", "县民政局"),
    ("城乡养老服务体系建设", CON, S, "所", 9, "1450.00", "1.00", "township", "县民政局"),
    ("计划生育家庭奖励扶助", SUB, S, "人", 2670, "286.52", "1.00", "village", "县计生委"),
    ("贫困残疾人生活特别救助", SUB, S, "人", 11573, "758.84", "1.00", "village", "县民政局"),
    ("生活无着人员社会救助", SUB, S, "人", 1177, "625.16", "1.00", "township", "县民政局"),
    ("城乡医疗救助", SUB, S, "人", 97334, "1500.00", "0.9997", "village", "县民政局"),
    ("县级公立医院药品零差率补助", SUB, H, "万元", 611, "611.30", "0.8822", "county", "县卫健委"),
    ("基本公共卫生服务", SER, H, "人", 185000, "9671.00", "0.242", "village", "县卫健委"),
    ("重大传染病病人医疗救治", SUB, H, "例", 157, "19.95", "1.00", "township", "县卫健委"),
    ("贫困残疾人康复工程", SER, H, "例", 1700, "100.00", "1.00", "township", "县卫健委"),
    ("提高妇女儿童健康水平", SER, H, "人", 18718, "801.72", "1.00", "village", "县卫健委"),
    ("农村危房改造", CON, S, "户", 1200, "1800.00", "0.90", "village", "县住建局"),
    ("农村饮水安全工程", CON, H, "人", 80000, "2600.00", "0.85", "township", "县住建局"),
    ("农村道路畅通工程", CON, S, "平方米", 350000, "5200.00", "0.80", "township", "县住建局"),
    ("农村电影放映", SER, E, "例", 4404, "120.00", "1.00", "township", "县文广新局"),
    ("农家书屋", SER, E, "所", 139, "150.00", "1.00", "village", "县文广新局"),
    ("小额担保贷款创业扶持", SUB, J, "人", 600, "300.00", "1.00", "township", "县人社局"),
    ("公益性岗位开发", SUB, J, "人", 800, "960.00", "1.00", "township", "县人社局"),
    ("被征地农民养老保障", SUB, INS, "人", 3000, "1200.00", "0.90", "township", "县人社局"),
    ("农村五保供养", SUB, S, "人", 8307, "2530.04", "1.00", "village", "县民政局"),
    ("孤儿基本生活保障", SUB, S, "人", 530, "359.16", "1.00", "township", "县民政局"),
    ("免费婚前医学检查", SER, H, "例", 13718, "330.00", "1.00", "township", "县卫健委"),
]
# The township's own projects in the small profile: index into PROJECTS, township department.
SMALL = [
    (11, "民政所"),
    (13, "计生办"),
    (14, "民政所"),
    (2, "教育办"),
    (6, "农业综合服务站"),
    (22, "建设办"),
    (30, "民政所"),  # 农村五保供养: the registry demo enrols its 特困 persons
]

PLANNED_SHARES = {  # of the planned total, from the summary's 11.84 / 4.73 / 1.55 亿
    "central": Decimal("0.3920"),
    "provincial": Decimal("0.2614"),
    "municipal_county": Decimal("0.2610"),
    "self_raised": Decimal("0.0856"),
}
RECEIVED_SHARES = {  # of the received total, from 12.26 / 4.41 / 1.75 亿
    "central": Decimal("0.3993"),
    "provincial": Decimal("0.2663"),
    "municipal_county": Decimal("0.2394"),
    "self_raised": Decimal("0.0950"),
}
RECEIVED_OVER_PLANNED = Decimal("1.0166")
MONTHS = 10
CENT = Decimal("0.01")
WAN = Decimal(10000)


def _split(total: int, parts: int, rng) -> list[int]:
    """``total`` as ``parts`` non-negative integers that add up exactly."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


def _months(today: datetime.date) -> list[datetime.date]:
    return [datetime.date(today.year, m, 1) for m in range(1, min(MONTHS, today.month) + 1)]


def _upsert_targets(rows: list[Target]) -> None:
    Target.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["project", "division"],
        update_fields=["quantity", "unit", "parent"],
    )


def _demo_document() -> str:
    name = "projects/demo/六制资料示例.pdf"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(b"%PDF-1.4\n% demo document\n"))
    return name


@transaction.atomic
def seed(*, profile, rng, stdout=None) -> dict:
    today = timezone.localdate()
    year = today.year
    county = Division.objects.get(code=COUNTY_CODE)
    townships = list(Division.objects.filter(parent=county, level="township").order_by("code"))
    villages_of = {t.pk: [] for t in townships}
    for village in Division.objects.filter(parent__in=townships).order_by("code"):
        villages_of[village.parent_id].append(village)

    if profile.name == "small":
        township = townships[0]
        departments = {d.name: d for d in Department.objects.filter(division=township)}
        plans = [
            (
                PROJECTS[index],
                township,
                departments[dept],
                f"{township.code[-3:]}-{n + 1:02d}",
                Decimal(1) / 11,
            )
            for n, (index, dept) in enumerate(SMALL)
        ]
    else:
        county_departments = sorted({row[-1] for row in PROJECTS})
        Department.objects.bulk_create(
            [Department(division=county, name=name) for name in county_departments],
            update_conflicts=True,
            unique_fields=["division", "name"],
            update_fields=["is_active"],
        )
        departments = {d.name: d for d in Department.objects.filter(division=county)}
        plans = [
            (row, county, departments[row[-1]], f"MS{n + 1:02d}", Decimal(1))
            for n, row in enumerate(PROJECTS)
        ]

    Project.objects.bulk_create(
        [
            Project(
                year=year,
                code=code,
                name=row[0],
                kind=row[1],
                category=row[2],
                division=owner,
                lead_department=department,
                responsible_person=f"{department.name}负责人",
                policy=f"{row[0]}：按省、市实施办法执行，资金按规定打卡发放或报账支出。",
            )
            for row, owner, department, code, _scale in plans
        ],
        update_conflicts=True,
        unique_fields=["division", "year", "code"],
        update_fields=["name", "kind", "category", "lead_department", "responsible_person", "policy"],
    )
    projects = {
        (p.division_id, p.code): p
        for p in Project.objects.filter(year=year, division__in={p[1] for p in plans})
    }

    # Targets, level by level (a share needs its parent's id).
    top_rows, quantities = [], {}
    for row, owner, _department, code, scale in plans:
        project = projects[(owner.pk, code)]
        quantity = max(1, int(row[4] * scale))
        quantities[project.pk] = quantity
        top_rows.append(Target(project=project, division=owner, quantity=Decimal(quantity), unit=row[3]))
    _upsert_targets(top_rows)
    tops = {
        t.project_id: t for t in Target.objects.filter(project__in=projects.values(), parent__isnull=True)
    }

    middle_rows = []
    for row, owner, _department, code, _scale in plans:
        project = projects[(owner.pk, code)]
        depth = row[7]
        if owner.level == Division.Level.COUNTY and depth in ("township", "village"):
            for township, share in zip(
                townships, _split(quantities[project.pk], len(townships), rng), strict=True
            ):
                middle_rows.append(
                    Target(
                        project=project,
                        division=township,
                        parent=tops[project.pk],
                        quantity=share,
                        unit=row[3],
                    )
                )
        elif owner.level == Division.Level.TOWNSHIP:
            villages = villages_of[owner.pk]
            for village, share in zip(
                villages, _split(quantities[project.pk], len(villages), rng), strict=True
            ):
                middle_rows.append(
                    Target(
                        project=project,
                        division=village,
                        parent=tops[project.pk],
                        quantity=share,
                        unit=row[3],
                    )
                )
    _upsert_targets(middle_rows)

    village_rows = []
    depth_of = {projects[(owner.pk, code)].pk: row[7] for row, owner, _d, code, _s in plans}
    if profile.name != "small":
        for target in Target.objects.filter(project__in=projects.values(), division__level="township"):
            if depth_of[target.project_id] != "village":
                continue
            villages = villages_of[target.division_id]
            for village, share in zip(
                villages, _split(int(target.quantity), len(villages), rng), strict=True
            ):
                village_rows.append(
                    Target(
                        project_id=target.project_id,
                        division=village,
                        parent=target,
                        quantity=share,
                        unit=target.unit,
                    )
                )
        _upsert_targets(village_rows)

    # Progress on the leaves: a steady climb towards a per-project final completion; a few
    # projects fall behind the year so the lagging flags have something to show.
    months = _months(today)
    finals = {pk: Decimal(str(round(rng.uniform(0.78, 1.08), 3))) for pk in quantities}
    leaves = Target.objects.filter(project__in=projects.values()).exclude(children__isnull=False)
    progress = []
    for target in leaves:
        final = finals[target.project_id]
        for index, month in enumerate(months, 1):
            actual = (target.quantity * final * index / MONTHS).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            progress.append(ProgressReport(target=target, month=month, actual=actual))
    ProgressReport.objects.bulk_create(
        progress,
        update_conflicts=True,
        unique_fields=["target", "month"],
        update_fields=["actual"],
        batch_size=2000,
    )

    # Funds: planned per source, then dated movements month by month (received on the 10th,
    # allocated on the 20th, spent on the 28th), cumulative so spent ≤ allocated ≤ received holds.
    lines = []
    received_total = {}
    for row, owner, _department, code, scale in plans:
        project = projects[(owner.pk, code)]
        received = (Decimal(row[5]) * WAN * scale).quantize(CENT)
        received_total[project.pk] = (received, Decimal(row[6]))
        planned = received / RECEIVED_OVER_PLANNED
        for source, share in PLANNED_SHARES.items():
            lines.append(FundLine(project=project, source=source, planned=(planned * share).quantize(CENT)))
    FundLine.objects.bulk_create(
        lines, update_conflicts=True, unique_fields=["project", "source"], update_fields=["planned"]
    )
    movements = []
    fresh_lines = FundLine.objects.filter(project__in=projects.values(), movements__isnull=True).distinct()
    for line in fresh_lines:
        received, spent_ratio = received_total[line.project_id]
        line_received = (received * RECEIVED_SHARES[line.source]).quantize(CENT)
        done = {"received": Decimal(0), "allocated": Decimal(0), "spent": Decimal(0)}
        for index, month in enumerate(months, 1):
            share = Decimal(index) / Decimal(len(months))
            targets = {
                "received": (line_received * share).quantize(CENT),
                "allocated": (line_received * share).quantize(CENT),
                "spent": (line_received * share * spent_ratio).quantize(CENT, rounding=ROUND_DOWN),
            }
            for kind, day in (("received", 10), ("allocated", 20), ("spent", 28)):
                amount = targets[kind] - done[kind]
                date = month.replace(day=min(day, today.day) if month.month == today.month else day)
                if amount > 0:
                    movements.append(
                        FundMovement(
                            fund_line=line,
                            kind=kind,
                            date=date,
                            amount=amount,
                            reference=f"DEMO-{month:%Y%m}-{kind[:3].upper()}",
                        )
                    )
                    done[kind] = targets[kind]
    FundMovement.objects.bulk_create(movements, batch_size=2000)

    # Sites of construction projects: one per township share (county) or per village (small).
    sites = []
    document = _demo_document()
    for project in projects.values():
        if project.kind != Project.Kind.CONSTRUCTION or project.sites.exists():
            continue
        if project.division.level != Division.Level.COUNTY:
            places = villages_of[project.division_id][:3]
        else:
            places = townships if depth_of[project.pk] != "county" else townships[:1]
        investment = (received_total[project.pk][0] / len(places)).quantize(CENT)
        for n, place in enumerate(places):
            start = datetime.date(year, 3, 1) + datetime.timedelta(days=n * 3)
            sites.append(
                Site(
                    project=project,
                    division=place,
                    name=f"{place.name}{project.name}建设点",
                    location=f"{place.name}政府驻地",
                    builder=rng.choice(
                        ["安徽民安建设有限公司", "民安县城乡建筑公司", "阜阳华润建设工程公司"]
                    ),
                    supervisor_unit="民安县工程监理公司",
                    investment=investment,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=180),
                )
            )
    Site.objects.bulk_create(sites)
    controls = []
    for site in Site.objects.filter(project__in=projects.values(), controls__isnull=True):
        for n, control in enumerate(SiteControl.Control.values[:5]):
            done_on = site.start_date - datetime.timedelta(days=30 - n * 7)
            if done_on <= today:
                controls.append(SiteControl(site=site, control=control, done_on=done_on, document=document))
    SiteControl.objects.bulk_create(controls)
    return {
        "projects": len(plans),
        "targets": len(top_rows) + len(middle_rows) + len(village_rows),
        "progress": len(progress),
        "fund_movements": len(movements),
        "sites": len(sites),
    }
