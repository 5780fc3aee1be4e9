"""Info submissions (lifecycle, uploads, escaping) and the quota arithmetic of each rule."""

import datetime
import io
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from org.models import Role
from publicity import selectors, services
from publicity.models import InfoSubmission, QuotaReminder
from publicity.selectors import Rule, briefing_due
from publicity.tasks import QUOTA_PERIODIC_NAME, ensure_periodic_task, quota_remind_task
from publicity.tests.factories import SubmissionFactory, photo_upload

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
K = InfoSubmission.Kind


def at(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# --- lifecycle ----------------------------------------------------------------------------


def test_draft_submit_adopt_publish(tree, staff, leader, civil, office, client):
    submission = services.submission_create(
        user=staff, department=civil, kind=K.WORK_NEWS, title="动态", body="正文"
    )
    assert submission.status == InfoSubmission.Status.DRAFT and submission.division == tree.township
    submission = services.submission_submit(user=staff, submission=submission)
    assert submission.submitted_at is not None
    submission = services.submission_adopt(user=leader, submission=submission)
    assert submission.status == InfoSubmission.Status.ADOPTED and submission.decided_by == leader
    assert client.get(reverse("column:submission", args=[submission.pk])).status_code == 404
    submission = services.submission_publish(user=staff, submission=submission)
    assert client.get(reverse("column:submission", args=[submission.pk])).status_code == 200
    assert submission.title in client.get("/").content.decode()
    statuses = [h.status for h in submission.history.order_by("history_date")]
    assert statuses == ["draft", "submitted", "adopted", "published"]


def test_return_needs_a_comment_and_allows_rework(tree, staff, civil):
    submission = services.submission_submit(
        user=staff,
        submission=services.submission_create(
            user=staff, department=civil, kind=K.BRIEFING, title="简报", body="x"
        ),
    )
    with pytest.raises(ValidationError):
        services.submission_return(user=staff, submission=submission, comment="  ")
    submission = services.submission_return(user=staff, submission=submission, comment="数据需核实")
    assert submission.status == InfoSubmission.Status.RETURNED and submission.return_comment == "数据需核实"
    submission = services.submission_update(user=staff, submission=submission, body="核实后的正文")
    assert (
        services.submission_submit(user=staff, submission=submission).status
        == InfoSubmission.Status.SUBMITTED
    )


def test_only_the_livelihood_office_decides(tree, civil_clerk, civil, office, staff):
    submission = SubmissionFactory(department=civil, created_by=civil_clerk)
    with pytest.raises(ValidationError) as excinfo:
        services.submission_adopt(user=civil_clerk, submission=submission)
    assert "民政所" in str(excinfo.value)
    office_clerk = staff
    office_clerk.department = office
    office_clerk.save()
    assert services.submission_adopt(user=office_clerk, submission=submission).status == "adopted"


@pytest.mark.parametrize("role", [Role.VILLAGE_CADRE, Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR])
def test_other_roles_cannot_create_or_decide(tree, users, civil, role):
    with pytest.raises(PermissionDenied):
        services.submission_create(user=users[role], department=civil, kind=K.WORK_NEWS, title="x", body="y")
    submission = SubmissionFactory(department=civil)
    with pytest.raises(PermissionDenied):
        services.submission_adopt(user=users[role], submission=submission)
    assert InfoSubmission.objects.get(pk=submission.pk).status == "submitted"


def test_submission_for_a_unit_outside_scope_is_refused(tree, staff):
    other = tree.township2.departments.get()
    with pytest.raises(ValidationError):
        services.submission_create(user=staff, department=other, kind=K.WORK_NEWS, title="x", body="y")


def test_photo_story_needs_the_after_photo_and_keeps_both(tree, staff, civil):
    with pytest.raises(ValidationError):
        services.submission_create(user=staff, department=civil, kind=K.PHOTO_STORY, title="图说")
    submission = services.submission_create(
        user=staff,
        department=civil,
        kind=K.PHOTO_STORY,
        title="图说",
        photo_before=photo_upload("a.png"),
        photo_after=photo_upload("b.jpg"),
    )
    assert submission.photo_before.name.startswith("publicity/infosubmission/")
    assert submission.photo_after.name.endswith(".jpg")


def test_twenty_megabyte_photo_is_refused_with_the_size(tree, staff, civil):
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (20 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as excinfo:
        services.submission_create(
            user=staff, department=civil, kind=K.PHOTO_STORY, title="图说", photo_after=big
        )
    assert "20" in str(excinfo.value) and "big.png" in str(excinfo.value)
    assert InfoSubmission.objects.count() == 0


@pytest.mark.parametrize(
    "name, content", [("virus.jpg", b"MZ\x90\x00 not an image"), ("notes.png", b"<html>")]
)
def test_non_image_is_refused_by_content_not_extension(tree, staff, civil, name, content):
    with pytest.raises(ValidationError) as excinfo:
        services.submission_create(
            user=staff,
            department=civil,
            kind=K.PHOTO_STORY,
            title="图说",
            photo_after=SimpleUploadedFile(name, content, content_type="image/jpeg"),
        )
    assert name in str(excinfo.value)


def test_upload_form_refuses_non_image_with_a_message(tree, staff, civil, client):
    client.force_login(staff)
    response = client.post(
        reverse("publicity:submission-create"),
        {
            "department": civil.pk,
            "kind": K.PHOTO_STORY,
            "title": "图说",
            "photo_after": io.BytesIO(b"plain text"),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["photo_after"]
    assert InfoSubmission.objects.count() == 0


def test_html_in_text_fields_is_shown_escaped(tree, staff, civil, client):
    submission = services.submission_create(
        user=staff,
        department=civil,
        kind=K.WORK_NEWS,
        title="<script>alert('t')</script>",
        body="<img src=x onerror=alert(1)>",
    )
    client.force_login(staff)
    body = client.get(reverse("publicity:submission-detail", args=[submission.pk])).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in body


def test_page_actions_go_through_the_services(tree, staff, civil, client):
    client.force_login(staff)
    response = client.post(
        reverse("publicity:submission-create"),
        {"department": civil.pk, "kind": K.WORK_NEWS, "title": "入户宣传", "body": "正文"},
    )
    submission = InfoSubmission.objects.get()
    assert response.status_code == 302
    client.post(reverse("publicity:submission-action", args=[submission.pk, "submit"]))
    client.post(
        reverse("publicity:submission-action", args=[submission.pk, "return"]), {"comment": "补充照片"}
    )
    submission.refresh_from_db()
    assert submission.status == "returned" and submission.return_comment == "补充照片"


# --- quota arithmetic ---------------------------------------------------------------------


@pytest.fixture
def no_projects(monkeypatch):
    """Project counts as the projects app would give them: {department id: {...}}."""
    counts = {}
    monkeypatch.setattr(selectors, "project_counts", lambda *, year, department_ids: counts)
    return counts


def _rows(user, year, month):
    return {
        row.department.name: {line.rule: line for line in row.lines}
        for row in selectors.quota_status(user=user, year=year, month=month)
    }


@pytest.mark.parametrize("count, due", [(0, 0), (1, 6), (2, 12), (3, 15), (7, 15)])
def test_briefing_due_by_project_count(count, due):
    assert briefing_due(count) == due


def test_monthly_text_counts_in_its_month_shanghai_time(tree, staff, civil, no_projects):
    no_projects[civil.pk] = {"total": 1, "construction": 0}
    # 31 Jan 23:59 Shanghai is still January (15:59 UTC); 1 Feb 00:00 Shanghai is February.
    SubmissionFactory(department=civil, kind=K.WORK_NEWS, submitted_at=at(2026, 1, 31, 23, 59))
    SubmissionFactory(department=civil, kind=K.MASSES_VOICE, submitted_at=at(2026, 2, 1, 0, 0))
    SubmissionFactory(department=civil, kind=K.PHOTO_STORY, submitted_at=at(2026, 3, 5))  # not a text
    SubmissionFactory(department=civil, kind=K.WORK_NEWS, submitted_at=at(2026, 4, 5), status="draft")
    SubmissionFactory(
        department=civil, kind=K.WORK_NEWS, submitted_at=at(2026, 4, 6), status="returned", return_comment="x"
    )
    SubmissionFactory(department=civil, kind=K.WORK_NEWS, submitted_at=at(2025, 12, 31, 23, 59))  # last year
    jan = _rows(staff, 2026, 1)["民政所"][Rule.MONTHLY_TEXT]
    assert (jan.month_due, jan.month_done, jan.month_missing) == (1, 1, 0)
    assert (jan.year_due, jan.year_done, jan.year_missing) == (1, 1, 0)
    feb = _rows(staff, 2026, 2)["民政所"][Rule.MONTHLY_TEXT]
    assert (feb.month_done, feb.year_due, feb.year_done) == (1, 2, 2)
    apr = _rows(staff, 2026, 4)["民政所"][Rule.MONTHLY_TEXT]
    assert (apr.month_done, apr.month_missing) == (0, 1)  # drafts and returned pieces do not count
    assert (apr.year_due, apr.year_done, apr.year_missing) == (4, 2, 2)
    dec = _rows(staff, 2026, 12)["民政所"][Rule.MONTHLY_TEXT]
    assert (dec.year_due, dec.year_done, dec.year_missing) == (12, 2, 10)


def test_two_texts_in_one_month_do_not_cover_another(tree, staff, civil, no_projects):
    no_projects[civil.pk] = {"total": 2, "construction": 0}
    SubmissionFactory(department=civil, kind=K.WORK_NEWS, submitted_at=at(2026, 3, 1))
    SubmissionFactory(department=civil, kind=K.WORK_NEWS, submitted_at=at(2026, 3, 31, 23, 0))
    line = _rows(staff, 2026, 4)["民政所"][Rule.MONTHLY_TEXT]
    assert (line.year_due, line.year_done, line.month_missing) == (4, 1, 1)


def test_construction_unit_owes_one_photo_story_a_year(tree, staff, civil, no_projects):
    no_projects[civil.pk] = {"total": 1, "construction": 1}
    rows = _rows(staff, 2026, 6)["民政所"]
    assert rows[Rule.PHOTO_STORY].year_missing == 1 and rows[Rule.PHOTO_STORY].month_due is None
    SubmissionFactory(department=civil, kind=K.PHOTO_STORY, submitted_at=at(2026, 12, 31, 23, 59))
    assert _rows(staff, 2026, 12)["民政所"][Rule.PHOTO_STORY].year_missing == 0
    assert _rows(staff, 2027, 1)["民政所"][Rule.PHOTO_STORY].year_done == 0  # a new year starts at zero


def test_unit_without_construction_owes_no_photo_story(tree, staff, civil, no_projects):
    no_projects[civil.pk] = {"total": 3, "construction": 0}
    assert Rule.PHOTO_STORY not in _rows(staff, 2026, 6)["民政所"]


def test_livelihood_office_owes_two_masses_voice_a_year(tree, staff, office, no_projects):
    SubmissionFactory(department=office, kind=K.MASSES_VOICE, submitted_at=at(2026, 1, 1, 0, 0))
    rows = _rows(staff, 2026, 6)
    line = rows["民生办"][Rule.MASSES_VOICE]
    assert (line.year_due, line.year_done, line.year_missing) == (2, 1, 1)
    assert Rule.MONTHLY_TEXT not in rows["民生办"]  # the office leads no project here
    SubmissionFactory(department=office, kind=K.MASSES_VOICE, submitted_at=at(2026, 11, 30))
    SubmissionFactory(department=office, kind=K.MASSES_VOICE, submitted_at=at(2026, 12, 1))
    assert (
        _rows(staff, 2026, 12)["民生办"][Rule.MASSES_VOICE].year_missing == 0
    )  # more than due: none missing


@pytest.mark.parametrize("projects, due", [(1, 6), (2, 12), (3, 15), (5, 15)])
def test_briefings_by_number_of_projects(tree, staff, civil, no_projects, projects, due):
    no_projects[civil.pk] = {"total": projects, "construction": 0}
    for month in range(1, 6):
        SubmissionFactory(department=civil, kind=K.BRIEFING, submitted_at=at(2026, month, 15))
    line = _rows(staff, 2026, 12)["民政所"][Rule.BRIEFING]
    assert (line.year_due, line.year_done, line.year_missing) == (due, 5, due - 5)


def test_unit_with_no_project_and_not_the_office_has_no_quota(tree, staff, civil, no_projects):
    assert "民政所" not in _rows(staff, 2026, 6)


def test_quota_scope(tree, users, civil, no_projects):
    other = tree.township2.departments.get()
    no_projects.update({civil.pk: {"total": 1, "construction": 0}, other.pk: {"total": 1, "construction": 0}})
    staff_rows = selectors.quota_status(user=users[Role.TOWNSHIP_STAFF], year=2026, month=5)
    assert [r.department.pk for r in staff_rows] == [civil.pk]
    county_rows = selectors.quota_status(user=users[Role.COUNTY_REVIEWER], year=2026, month=5)
    assert {r.department.pk for r in county_rows} == {civil.pk, other.pk}
    assert selectors.quota_status(user=users[Role.VILLAGE_CADRE], year=2026, month=5) == []


def test_reminders_for_units_behind_idempotent_and_on_the_home_page(
    tree, staff, civil, office, no_projects, client
):
    no_projects[civil.pk] = {"total": 1, "construction": 1}
    SubmissionFactory(department=office, kind=K.MASSES_VOICE, submitted_at=at(2026, 2, 1))
    SubmissionFactory(department=office, kind=K.MASSES_VOICE, submitted_at=at(2026, 3, 1))
    assert quota_remind_task(year=2026, month=6) == 1  # 民政所 is behind; the office is not
    assert quota_remind_task(year=2026, month=6) == 0  # a second run adds nothing
    reminder = QuotaReminder.objects.get()
    assert reminder.department == civil
    assert {item["rule"] for item in reminder.missing} == {Rule.MONTHLY_TEXT, Rule.PHOTO_STORY, Rule.BRIEFING}
    QuotaReminder.objects.update(year=datetime.date.today().year)
    client.force_login(staff)
    body = client.get(reverse("home")).content.decode()
    assert 'id="panel-publicity-quota"' in body and "民政所" in body


def test_periodic_task_is_created_once(db):
    from django_celery_beat.models import PeriodicTask

    ensure_periodic_task()
    ensure_periodic_task()
    task = PeriodicTask.objects.get(name=QUOTA_PERIODIC_NAME)
    assert task.task == "publicity.tasks.quota_remind_task" and task.crontab.day_of_month == "25"
    assert PeriodicTask.objects.filter(name=QUOTA_PERIODIC_NAME).count() == 1


def test_project_counts_come_from_the_projects_app(tree, staff, civil, office):
    from projects.models import Project
    from projects.tests.factories import ProjectFactory

    ProjectFactory(division=tree.township, lead_department=civil, kind=Project.Kind.CONSTRUCTION)
    ProjectFactory(division=tree.township, lead_department=civil, kind=Project.Kind.SUBSIDY)
    ProjectFactory(division=tree.township, lead_department=civil, year=2025)
    rows = {row.department.name: row for row in selectors.quota_status(user=staff, year=2026, month=3)}
    assert (rows["民政所"].projects, rows["民政所"].construction_projects) == (2, 1)
    assert {line.rule for line in rows["民政所"].lines} == {
        Rule.MONTHLY_TEXT,
        Rule.PHOTO_STORY,
        Rule.BRIEFING,
    }
    assert rows["民政所"].lines[-1].year_due == 12  # two projects: 12 briefings
    assert {line.rule for line in rows["民生办"].lines} == {Rule.MASSES_VOICE}


def test_quota_page_and_export(tree, staff, civil, no_projects, client):
    no_projects[civil.pk] = {"total": 1, "construction": 0}
    client.force_login(staff)
    body = client.get(reverse("publicity:quota"), {"year": 2026, "month": 3}).content.decode()
    assert 'data-rule="monthly_text"' in body and "民政所" in body
    response = client.get(reverse("publicity:quota-export"), {"year": 2026, "month": 3})
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_export_escapes_formulas(tree, staff, civil, client):
    import openpyxl

    SubmissionFactory(department=civil, title='=HYPERLINK("http://evil")', created_by=staff)
    SubmissionFactory(department=civil, title="@SUM(A1)", created_by=staff)
    client.force_login(staff)
    response = client.get(reverse("publicity:submission-export"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    titles = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {'\'=HYPERLINK("http://evil")', "'@SUM(A1)"}
