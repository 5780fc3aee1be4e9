"""The publicity sources (landed with main): survey awareness and satisfaction items, the
one-vote veto from real survey responses, the quota item and the report's publicity section,
all hand-computed."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from org.models import Department, Role
from org.scoping import Scope
from publicity.models import InfoSubmission, Survey, SurveyResponse
from publicity.tests.factories import ActivityFactory, SubmissionFactory
from reports import services
from reports.models import Scorecard
from reports.tests.factories import scheme, township_project

SYSTEM = Scope.system("test data")

pytestmark = pytest.mark.django_db


def survey(project, division, village, answers, user):
    made = Survey.objects.create(
        project=project,
        division=division,
        title="测评",
        awareness_question="知道吗",
        satisfaction_question="满意吗",
        created_by=user,
    )
    for aware, satisfaction in answers:
        SurveyResponse.objects.create(
            survey=made,
            division=village,
            method="phone",
            responded_on=datetime.date(2026, 6, 1),
            is_aware=aware,
            satisfaction=satisfaction,
            recorded_by=user,
        )


@pytest.fixture
def surveyed(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    mine = township_project(tree, division=tree.township)
    other = township_project(tree, division=tree.township2)
    survey(
        mine,
        tree.township,
        tree.village,
        [(True, "satisfied"), (True, "basically"), (True, "dissatisfied"), (False, "dissatisfied")],
        staff,
    )
    survey(other, tree.township2, tree.village3, [(True, "satisfied"), (True, "satisfied")], staff)
    return mine, other


def test_survey_items_and_the_veto(tree, users, surveyed):
    made = scheme(
        tree.county, items=[("知晓率", "survey_awareness", "50"), ("满意度", "survey_satisfaction", "50")]
    )
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    mine = Scorecard.objects.get(unit_name="城关镇")
    other = Scorecard.objects.get(unit_name="陡沟镇")
    # awareness 3/4 = 75 % of 50; satisfaction 2/4 = 50 % of 50
    assert {line.item.source: line.points for line in mine.lines.all()} == {
        "survey_awareness": Decimal("37.50"),
        "survey_satisfaction": Decimal("25.00"),
    }
    assert mine.total == Decimal("62.50") and other.total == Decimal("100.00")
    # 城关镇's project is last in the survey (50 %): one-vote veto, ranked last
    assert mine.is_vetoed and not other.is_vetoed and surveyed[0].name in mine.veto_reason
    assert (other.rank, mine.rank) == (1, 2)


def test_quota_item(tree, users):
    office = Department.objects.get(division=tree.township, name="民政所")
    township_project(tree, division=tree.township)  # led by 民政所: one text a month, briefings
    SubmissionFactory(
        department=office,
        kind=InfoSubmission.Kind.WORK_NEWS,
        submitted_at=timezone.make_aware(datetime.datetime(2026, 1, 10, 10)),
    )
    made = scheme(
        tree.township, level="department", period="mid_year", items=[("信息报送", "publicity_quota", "100")]
    )
    services.scorecard_compute(user=users[Role.TOWNSHIP_STAFF], scheme_id=made.pk)
    line = Scorecard.objects.get(unit_name="民政所").lines.get()
    # mid-year: 6 monthly texts + 6 briefings due (one project); 1 text done → 1/12 of 100
    assert line.numbers.get("pieces due") == 12, (line.reason, line.numbers)
    assert line.numbers["pieces due"] == 12 and line.numbers["pieces done (up to what is due)"] == 1
    assert line.points == Decimal("8.33")


def test_publicity_section_of_the_month(tree, users):
    office = Department.objects.get(division=tree.township, name="民政所")
    SubmissionFactory(
        department=office, submitted_at=timezone.make_aware(datetime.datetime(2026, 10, 31, 23, 30))
    )
    SubmissionFactory(
        department=office, submitted_at=timezone.make_aware(datetime.datetime(2026, 11, 1, 0, 30))
    )
    SubmissionFactory(department=office, status=InfoSubmission.Status.DRAFT, submitted_at=None)
    ActivityFactory(
        division=tree.township, held_on=datetime.date(2026, 10, 5), audience_estimate=150, materials_count=80
    )
    report = services.monthly_report_generate(
        user=SYSTEM, township_id=tree.township.pk, month=datetime.date(2026, 10, 1)
    )
    section = next(s for s in report.sections if s["key"] == "publicity")
    assert section["available"]
    counts = [r["count"] for r in section["rows"]]
    assert sum(counts) == 2  # one submission (31 October, Shanghai time) + one activity
    activity = next(r for r in section["rows"] if r.get("audience"))
    assert (activity["audience"], activity["materials"]) == (150, 80)
