"""Demo data of the publicity app: submissions, activities, current notices with objections,
invited supervisors with visits, and the month's quota reminders.

Idempotent: a township that already has demo submissions is left as it is, so a second run
keeps every row once. Bulk inserts throughout (the county profile has 11 townships).
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.demo import chinese_name, demo_id_number
from org.demo import COUNTY_CODE
from org.models import Department, Division, User
from publicity.models import (
    Activity,
    InfoSubmission,
    Objection,
    PublicNotice,
    Supervisor,
    SupervisorVisit,
    Survey,
    SurveyResponse,
)
from publicity.services import notice_earliest_end, notice_snapshot, quota_reminders_create

K = InfoSubmission.Kind
S = InfoSubmission.Status
TOPICS = [
    "城乡低保提标",
    "农村危房改造",
    "困难残疾人生活补贴",
    "家庭经济困难学生资助",
    "农村道路畅通",
    "智慧健康建设",
]
ACTIVITY_PLACES = ["镇文化广场", "集市路口", "村党群服务中心", "中心学校", "卫生院门口"]


def _aware(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@transaction.atomic
def seed(*, profile, rng, stdout=None) -> dict:
    today = timezone.localdate()
    author = User.objects.filter(username="demo-staff").first()
    if author is None:
        return {"skipped": "no demo users"}
    townships = list(Division.objects.filter(level="township", code__startswith=COUNTY_CODE).order_by("code"))
    done = set(
        InfoSubmission.objects.filter(division__in=townships).values_list("division_id", flat=True).distinct()
    )
    departments = {}
    for department in Department.objects.filter(division__in=townships, is_active=True):
        departments.setdefault(department.division_id, []).append(department)
    villages = {}
    for village in Division.objects.filter(level="village", parent__in=townships).order_by("code"):
        villages.setdefault(village.parent_id, []).append(village)

    submissions, activities, notices, supervisors = [], [], [], []
    for township in townships:
        if township.pk in done:
            continue
        for department in departments.get(township.pk, []):
            office = department.is_livelihood_office
            for month in range(1, today.month + 1):
                if office or rng.random() < 0.2:  # some units miss a month
                    continue
                day = datetime.date(today.year, month, min(28, rng.randint(3, 28)))
                if day > today:
                    continue
                status = rng.choice(
                    [S.SUBMITTED, S.ADOPTED, S.ADOPTED, S.PUBLISHED]
                    if month < today.month
                    else [S.SUBMITTED, S.DRAFT]
                )
                topic = rng.choice(TOPICS)
                submissions.append(
                    InfoSubmission(
                        division=township,
                        department=department,
                        kind=rng.choice([K.WORK_NEWS, K.WORK_NEWS, K.BRIEFING, K.GRASSROOTS_VOICE]),
                        title=f"{township.name}{department.name}扎实推进{topic}({month}月)",
                        body=f"{month}月,{department.name}围绕{topic}开展政策宣传和入户走访,群众知晓率进一步提高。",
                        status=status,
                        submitted_at=None if status == S.DRAFT else _aware(day, 10),
                        decided_at=_aware(day, 16) if status in (S.ADOPTED, S.PUBLISHED) else None,
                        published_at=_aware(day, 17) if status == S.PUBLISHED else None,
                        decided_by=author if status in (S.ADOPTED, S.PUBLISHED) else None,
                        created_by=author,
                    )
                )
            if office:
                day = today - datetime.timedelta(days=rng.randint(20, 200))
                submissions.append(
                    InfoSubmission(
                        division=township,
                        department=department,
                        kind=K.MASSES_VOICE,
                        title=f"“低保金按时到账,心里踏实”——{township.name}群众话民生",
                        body="村民说:政策好,干部跑得勤,补助一分不少按时打到卡上。",
                        status=S.PUBLISHED,
                        submitted_at=_aware(day, 9) if day.year == today.year else _aware(today, 9),
                        decided_at=_aware(today, 10),
                        published_at=_aware(today, 11),
                        decided_by=author,
                        created_by=author,
                    )
                )
        for village in villages.get(township.pk, [])[:4]:
            for month in sorted({6, 11, rng.randint(1, 12)}):
                held = datetime.date(today.year, month, rng.randint(1, 28))
                if held > today:
                    held = held.replace(year=today.year - 1)
                kind = (
                    Activity.Kind.PUBLICITY_MONTH
                    if month in (6, 11)
                    else rng.choice(list(Activity.Kind)[1:7])
                )
                activities.append(
                    Activity(
                        division=village,
                        kind=kind,
                        title=f"{village.name}民生工程{Activity.Kind(kind).label}",
                        held_on=held,
                        place=rng.choice(ACTIVITY_PLACES),
                        organisers=f"{township.name}民生办、{village.name}村委会",
                        audience_estimate=rng.randint(40, 600),
                        materials_count=rng.randint(50, 800),
                        materials_description="政策明白纸、宣传手册",
                        created_by=author,
                    )
                )
        for _ in range(3):
            supervisors.append(
                Supervisor(
                    division=township,
                    name=chinese_name(rng),
                    phone=f"139{rng.randint(10000000, 99999999)}",
                    work_unit=rng.choice(["人大代表", "政协委员", "退休教师", "村民代表"]),
                    appointed_on=datetime.date(today.year, 1, 10),
                )
            )
        township_villages = villages.get(township.pk, [])
        for index, village in enumerate(township_villages[:2]):
            people = [
                {
                    "name": chinese_name(rng),
                    "id": demo_id_number(rng, sequence=n, min_age=30),
                    "persons": str(rng.randint(1, 5)),
                }
                for n in range(rng.randint(3, 8))
            ]
            heads, cells = notice_snapshot(
                rows=people,
                columns=[
                    ("name", "户主姓名", "name"),
                    ("id", "身份证号", "id_number"),
                    ("persons", "保障人数", ""),
                ],
            )
            starts = today - datetime.timedelta(days=2 + index)
            notices.append(
                PublicNotice(
                    division=village,
                    kind=PublicNotice.Kind.ENROLMENT,
                    stage="村级评议榜",
                    title=f"{village.name}{today.year}年城乡低保新增对象公示",
                    body="经村民代表评议,拟将下列家庭纳入城乡低保,现予公示。",
                    # posted that morning: the period starts on the day of posting (a notice is
                    # posted through publicity.services.notice_publish; bulk-inserted here with
                    # the same dates, NOTICE_MIN_DAYS full days long)
                    starts_on=starts,
                    ends_on=notice_earliest_end(posted_on=starts),
                    posted_at=_aware(starts, 9),
                    objection_address=f"{township.name}民生办(镇政府一楼),工作日 8:30–17:30",
                    contact_phone="0558-1234567",
                    columns=heads,
                    rows=cells,
                    posted_by=author,
                )
            )

    InfoSubmission.objects.bulk_create(submissions, batch_size=1000)
    Activity.objects.bulk_create(activities, batch_size=1000)
    Supervisor.objects.bulk_create(supervisors, batch_size=1000)
    created_notices = PublicNotice.objects.bulk_create(notices, batch_size=1000)
    objections, visits = [], []
    for position, notice in enumerate(created_notices):
        objections.append(
            Objection(
                notice=notice,
                channel=Objection.Channel.ONLINE if position % 2 == 0 else Objection.Channel.PAPER,
                contact=f"137{rng.randint(10000000, 99999999)}",
                text="名单中第二户家中有小轿车,是否符合条件?",
                recorded_by=None if position % 2 == 0 else author,
            )
        )
        if position % 3 == 0:
            objections.append(
                Objection(
                    notice=notice,
                    channel=Objection.Channel.PHONE,
                    contact="本村三组",
                    text="第一户已在外地落户。",
                    recorded_by=author,
                    status=Objection.Status.ANSWERED,
                    outcome=Objection.Outcome.DISMISSED,
                    answer="经入户核实,该户户籍仍在本村,符合条件,已电话告知。",
                    answered_by=author,
                    answered_at=timezone.now(),
                )
            )
    Objection.objects.bulk_create(objections, batch_size=1000)
    for supervisor in supervisors:
        visits.append(
            SupervisorVisit(
                supervisor=supervisor,
                visited_on=today - datetime.timedelta(days=rng.randint(5, 120)),
                place=rng.choice(["农村道路建设点", "卫生院窗口", "敬老院"]),
                opinion="标识牌信息齐全,建议增加夜间警示标志。",
                recorded_by=author,
            )
        )
    SupervisorVisit.objects.bulk_create(visits, batch_size=1000)
    surveys = _seed_surveys(rng=rng, author=author, townships=townships, villages=villages, today=today)
    reminders = quota_reminders_create(year=today.year, month=today.month)
    return {
        "submissions": len(submissions),
        "activities": len(activities),
        "notices": len(created_notices),
        "objections": len(objections),
        "supervisors": len(supervisors),
        "surveys": surveys,
        "reminders": reminders,
    }


def _seed_surveys(*, rng, author, townships, villages, today) -> int:
    """One survey of each of a township's first three projects of the year, with 8–20 answers
    per village; skipped where the survey exists already."""
    from projects.models import Project

    surveys = []
    existing = set(Survey.objects.filter(division__in=townships).values_list("project_id", "division_id"))
    for township in townships:
        projects = (
            Project.objects.filter(year=today.year)
            .filter(Q(division=township) | Q(targets__division=township))
            .distinct()
            .order_by("code")[:3]
        )
        for project in projects:
            if (project.pk, township.pk) in existing:
                continue
            surveys.append(
                Survey(
                    project=project,
                    division=township,
                    title=f"{today.year}年{project.name}知晓率满意度调查",
                    awareness_question=str(Survey.DEFAULT_AWARENESS),
                    satisfaction_question=str(Survey.DEFAULT_SATISFACTION),
                    created_by=author,
                )
            )
    created = Survey.objects.bulk_create(surveys, batch_size=500)
    responses = []
    for survey in created:
        for village in villages.get(survey.division_id, [])[:5]:
            for _ in range(rng.randint(8, 20)):
                responses.append(
                    SurveyResponse(
                        survey=survey,
                        division=village,
                        method=rng.choice(["phone", "visit"]),
                        responded_on=today - datetime.timedelta(days=rng.randint(0, 60)),
                        respondent_name=chinese_name(rng),
                        is_aware=rng.random() < 0.9,
                        satisfaction=rng.choices(
                            ["satisfied", "basically", "dissatisfied"], weights=[7, 2, 1]
                        )[0],
                        recorded_by=author,
                    )
                )
    SurveyResponse.objects.bulk_create(responses, batch_size=2000)
    return len(created)
