"""Demo data of the reports app (called last by seed_demo): the last three months' monthly
reports of every township in various states, and the county's and the first township's
scorecard configurations, with typed-in scores and a computed ranking. Idempotent."""

import datetime
from decimal import Decimal

from django.utils import timezone

from org.models import Division, User
from org.scoping import Scope
from reports import services
from reports.models import ManualScore, MonthlyReport, ScorecardItem, ScorecardScheme

COUNTY_ITEMS = [
    ("目标任务完成率", "completion", "30"),
    ("资金到位率", "fund_received", "10"),
    ("资金拨付率", "fund_allocated", "10"),
    ("资金支出率", "fund_spent", "10"),
    ("宣传信息报送", "publicity_quota", "10"),
    ("群众满意度测评", "survey_satisfaction", "10"),
    ("日常检查", "manual", "10"),
    ("自查自评", "manual", "10"),
]
VILLAGE_ITEMS = [("目标任务完成率", "completion", "60"), ("入户走访", "manual", "40")]
SUMMARY = "本月各项民生工程按计划推进，资金拨付及时，受益对象公示无异议。下月将加快工程类项目建设进度。"


def _months(today: datetime.date) -> list[datetime.date]:
    months, month = [], services.previous_month(today)
    for _ in range(3):
        if month.year == today.year:
            months.append(month)
        month = services.previous_month(month)
    return sorted(months)


def _walk(report: MonthlyReport, *, staff, leader, reviewer, outcome: str) -> MonthlyReport:
    """Take a draft to ``outcome`` through the services (each step only once)."""
    if report.status == "draft" and outcome != "draft":
        services.monthly_report_summary_set(user=staff, report_id=report.pk, summary=SUMMARY)
        report = services.monthly_report_transition(user=staff, report_id=report.pk, name="request_approval")
    if report.status == "awaiting_approval" and outcome in {"submitted", "accepted", "returned"}:
        report = services.monthly_report_transition(user=leader, report_id=report.pk, name="submit")
    if report.status == "submitted" and outcome == "accepted":
        report = services.monthly_report_transition(user=reviewer, report_id=report.pk, name="accept")
    if report.status == "submitted" and outcome == "returned":
        report = services.monthly_report_transition(
            user=reviewer,
            report_id=report.pk,
            name="return",
            comment="资金支出率偏低，请补充说明原因后重新报送。",
        )
    return report


def _scheme(*, division, year, period, level, name, items):
    scheme, _ = ScorecardScheme.objects.get_or_create(
        division=division, year=year, period=period, level=level, defaults={"name": name}
    )
    for order, (item_name, source, weight) in enumerate(items):
        ScorecardItem.objects.update_or_create(
            scheme=scheme,
            name=item_name,
            defaults={"order": order, "source": source, "weight": Decimal(weight)},
        )
    return scheme


def seed(*, profile, rng, stdout=None) -> dict:
    today = timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    staff, leader, reviewer = users["demo-staff"], users["demo-leader"], users["demo-reviewer"]
    county = reviewer.division
    townships = list(Division.objects.filter(parent=county, level="township").order_by("code"))
    first = staff.division
    months = _months(today)
    made = 0
    for township in townships:
        for index, month in enumerate(months):
            report = services.monthly_report_generate(
                township_id=township.pk, month=month, user=Scope.system("demo data: monthly reports")
            )
            made += 1
            if township.pk != first.pk:
                # Other townships have no demo leader: their states are set directly (demo only).
                if report.status == "draft" and report.version == 1:
                    state = rng.choice(["draft", "submitted", "accepted", "accepted"])
                    if index < len(months) - 1:
                        state = "accepted"
                    MonthlyReport.objects.filter(pk=report.pk).update(
                        status=state,
                        summary=SUMMARY if state != "draft" else "",
                        is_late=state != "draft" and rng.random() < 0.25,
                        submitted_at=timezone.now() if state != "draft" else None,
                    )
                continue
            if index == 0:
                _walk(report, staff=staff, leader=leader, reviewer=reviewer, outcome="accepted")
            elif index == 1 and report.version == 1 and report.status == "draft":
                report = _walk(report, staff=staff, leader=leader, reviewer=reviewer, outcome="returned")
                if report.status == "returned" and report.is_current:
                    report = services.monthly_report_regenerate(user=staff, report_id=report.pk)
                _walk(report, staff=staff, leader=leader, reviewer=reviewer, outcome="submitted")
            # the latest month stays a draft for staff to review
    year = today.year
    county_scheme = _scheme(
        division=county,
        year=year,
        period="mid_year",
        level="township",
        name=f"{year}年民生工程年中考评",
        items=COUNTY_ITEMS,
    )
    _scheme(
        division=county,
        year=year,
        period="year_end",
        level="township",
        name=f"{year}年民生工程年终考评",
        items=COUNTY_ITEMS,
    )
    village_scheme = _scheme(
        division=first,
        year=year,
        period="mid_year",
        level="village",
        name=f"{year}年{first.name}村级年中考评",
        items=VILLAGE_ITEMS,
    )
    for scheme, user, units in (
        (county_scheme, reviewer, townships),
        (village_scheme, staff, list(Division.objects.filter(parent=first).order_by("code"))),
    ):
        for item in scheme.items.filter(source="manual"):
            for unit in units:
                if not ManualScore.objects.filter(item=item, unit_key=f"division:{unit.pk}").exists():
                    services.manual_score_set(
                        user=user,
                        item_id=item.pk,
                        unit_key=f"division:{unit.pk}",
                        percent=rng.randint(70, 100),
                    )
        services.scorecard_compute(user=user, scheme_id=scheme.pk)
    return {"monthly_reports": made, "schemes": ScorecardScheme.objects.count()}
