"""Pages that write (activities with photos, supervisors, notices by hand) and the scoped admin."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from org.models import Role
from publicity.models import Activity, ActivityPhoto, PublicNotice, Supervisor, SupervisorVisit
from publicity.tests.factories import (
    ActivityFactory,
    NoticeFactory,
    SubmissionFactory,
    SupervisorFactory,
    png_bytes,
)


def test_cadre_records_an_activity_with_a_photo(client, users, tree):
    cadre = users[Role.VILLAGE_CADRE]
    client.force_login(cadre)
    response = client.post(
        reverse("publicity:activity-create"),
        {
            "division": tree.village.pk,
            "kind": Activity.Kind.DOOR_TO_DOOR,
            "title": "包保入户宣传",
            "held_on": timezone.localdate().isoformat(),
            "place": "东庄村一组",
            "audience_estimate": 35,
            "materials_count": 40,
            "photo-image": SimpleUploadedFile("入户.png", png_bytes(), content_type="image/png"),
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    activity = Activity.objects.get()
    assert activity.division == tree.village and activity.photos.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert activity.photos.get().image.url in detail


def test_cadre_cannot_record_for_another_village(client, users, tree):
    client.force_login(users[Role.VILLAGE_CADRE])
    response = client.post(
        reverse("publicity:activity-create"),
        {
            "division": tree.village2.pk,
            "kind": "square",
            "title": "x",
            "held_on": "2026-06-01",
            "place": "x",
            "audience_estimate": 1,
            "materials_count": 0,
        },
    )
    assert response.status_code == 200 and "division" in response.context["form"].errors
    assert Activity.objects.count() == 0


def test_twenty_megabyte_photo_on_the_activity_page_is_refused(client, users, tree, settings):
    staff = users[Role.TOWNSHIP_STAFF]
    activity = ActivityFactory(division=tree.village, created_by=staff)
    client.force_login(staff)
    settings.PHOTO_MAX_BYTES = 1024  # the same check as 10 MB, without sending 20 MB through the test client
    response = client.post(
        reverse("publicity:activity-detail", args=[activity.pk]),
        {
            "image": SimpleUploadedFile(
                "big.png", png_bytes(size=(300, 300)) + b"0" * 2048, content_type="image/png"
            )
        },
    )
    assert response.status_code == 200
    assert "big.png" in str(response.context["photo_form"].errors)
    assert ActivityPhoto.objects.count() == 0


def test_staff_posts_a_notice_by_hand_with_masked_table(client, users, tree):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    today = timezone.localdate()
    response = client.post(
        reverse("publicity:notice-create"),
        {
            "kind": "aid",
            "division": tree.village.pk,
            "title": "临时救助对象公示",
            "ends_on": (today + datetime.timedelta(days=7)).isoformat(),
            "table": "姓名,身份证号,救助金额\n王小二,341226199001011234,2000\n",
        },
    )
    assert response.status_code == 302
    notice = PublicNotice.objects.get()
    assert notice.starts_on == today and notice.days == 7
    assert notice.rows == [["王**", "3412**********1234", "2000"]]
    assert notice.objection_address  # the township's livelihood office by default


def test_record_and_answer_objection_on_the_notice_page(client, users, tree):
    staff = users[Role.TOWNSHIP_STAFF]
    notice = NoticeFactory(division=tree.village, posted_by=staff)
    client.force_login(staff)
    url = reverse("publicity:notice-action", args=[notice.pk, "objection"])
    client.post(
        url,
        {
            "channel": "paper",
            "contact": "东庄村二组",
            "text": "第一户有公职人员",
            "received_at": "2026-01-05T09:30",
        },
    )
    objection = notice.objections.get()
    assert objection.recorded_by == staff and objection.channel == "paper"
    client.post(
        reverse("publicity:objection-answer", args=[objection.pk]),
        {"answer": "经核实无公职人员", "outcome": "dismissed"},
    )
    objection.refresh_from_db()
    assert objection.status == "answered" and objection.answered_by == staff


def test_close_too_early_shows_the_reason(client, users, tree):
    staff = users[Role.TOWNSHIP_STAFF]
    notice = NoticeFactory(division=tree.village, posted_by=staff)
    client.force_login(staff)
    response = client.post(
        reverse("publicity:notice-action", args=[notice.pk, "close"]), {"upheld": "0"}, follow=True
    )
    assert notice.ends_on.isoformat() in response.content.decode()
    assert PublicNotice.objects.get(pk=notice.pk).status == "posted"


def test_supervisor_and_visit_pages(client, users, tree):
    client.force_login(users[Role.TOWNSHIP_LEADER])
    response = client.post(
        reverse("publicity:supervisor-create"),
        {
            "division": tree.township.pk,
            "name": "周监督",
            "phone": "13955556666",
            "work_unit": "人大代表",
            "is_active": "on",
        },
    )
    supervisor = Supervisor.objects.get()
    assert response.status_code == 302
    response = client.post(
        reverse("publicity:supervisor-detail", args=[supervisor.pk]),
        {
            "visited_on": timezone.localdate().isoformat(),
            "place": "道路建设点",
            "opinion": "<b>建议</b>增设警示牌",
        },
    )
    assert response.status_code == 302
    assert SupervisorVisit.objects.get().opinion == "<b>建议</b>增设警示牌"
    body = client.get(reverse("publicity:supervisor-detail", args=[supervisor.pk])).content.decode()
    assert "&lt;b&gt;建议&lt;/b&gt;" in body


# --- admin --------------------------------------------------------------------------------

ADMIN_MODELS = [
    "infosubmission",
    "activity",
    "publicnotice",
    "objection",
    "supervisor",
    "supervisorvisit",
    "quotareminder",
    "activityphoto",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_lists_are_scoped(client, users, tree, model):
    staff = users[Role.TOWNSHIP_STAFF]
    SubmissionFactory(department=tree.township.departments.get(), created_by=staff)
    SubmissionFactory(department=tree.other_township.departments.get(), created_by=staff)
    for village in (tree.village, tree.other_village):
        activity = ActivityFactory(division=village, created_by=staff)
        ActivityPhoto.objects.create(activity=activity, image="publicity/x.png", uploaded_by=staff)
        notice = NoticeFactory(division=village, posted_by=staff)
        notice.objections.create(channel="online", contact="1", text="异议内容")
    for township in (tree.township, tree.other_township):
        supervisor = SupervisorFactory(division=township)
        supervisor.visits.create(visited_on=timezone.localdate(), place="x", recorded_by=staff)
        from publicity.models import QuotaReminder

        QuotaReminder.objects.create(
            division=township, department=township.departments.get(), year=2026, month=5
        )
    client.force_login(staff)
    response = client.get(f"/admin/publicity/{model}/")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1


def test_notice_admin_is_read_only_and_auditor_writes_nothing(client, users, tree):
    staff = users[Role.TOWNSHIP_STAFF]
    notice = NoticeFactory(division=tree.village, posted_by=staff)
    activity = ActivityFactory(division=tree.village, created_by=staff)
    client.force_login(staff)
    assert client.get("/admin/publicity/publicnotice/add/").status_code == 403
    response = client.post(f"/admin/publicity/publicnotice/{notice.pk}/change/", {"title": "改"})
    assert response.status_code == 403
    assert PublicNotice.objects.get(pk=notice.pk).title == notice.title
    client.force_login(users[Role.COUNTY_AUDITOR])
    assert client.get(f"/admin/publicity/activity/{activity.pk}/change/").status_code == 200  # view only
    response = client.post(f"/admin/publicity/activity/{activity.pk}/change/", {"title": "改"})
    assert response.status_code == 403
    assert Activity.objects.get(pk=activity.pk).title == activity.title
