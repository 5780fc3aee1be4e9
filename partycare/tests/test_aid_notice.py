"""Hardship aid's public notice goes through the publicity app (kind "aid", source = the
application, personal data masked); the township check waits for a clear notice; the aid page
offers each step only to who may take it and says why to the others; the big exports are jobs."""

import contextlib
import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common.jobs import job_enqueue, job_run
from common.models import Job
from core import clock
from org.models import Role
from org.tests.factories import UserFactory
from partycare import selectors, services
from partycare.models import AidApplication, Campaign
from partycare.tests.factories import branch, member
from publicity import services as publicity
from publicity.models import Objection, PublicNotice

DAY = datetime.timedelta(days=1)


@pytest.fixture
def second_staff(tree):
    return UserFactory(username="staff2", role=Role.TOWNSHIP_STAFF, division=tree.township)


@pytest.fixture
def checked(tree, users):
    """An application prepared by the cadre and checked by the branch (township staff)."""
    m = member(branch=branch(division=tree.village), name="孙秀英")
    application = services.aid_apply(
        user=users[Role.VILLAGE_CADRE],
        member=m,
        kind="one_off",
        year=timezone.localdate().year,
        amount="300",
        cause="illness",
    )
    return services.aid_branch_check(user=users[Role.TOWNSHIP_STAFF], application=application)


def _post(application, user, *, at=None, ends_on=None):
    """Post the notice now, or at the aware moment ``at`` (core.clock.travel)."""
    with clock.travel(at) if at is not None else contextlib.nullcontext():
        return services.aid_notice_post(user=user, application=application, ends_on=ends_on)


def _days_ago(days):
    """09:00 Asia/Shanghai ``days`` days ago."""
    return clock.start_of_day(clock.today() - days * DAY) + datetime.timedelta(hours=9)


def test_the_notice_is_a_publicity_notice_with_masked_personal_data(checked, second_staff):
    today = timezone.localdate()
    application = _post(checked, second_staff)
    notice = PublicNotice.objects.get(pk=application.notice_id)
    assert (notice.starts_on, notice.ends_on) == (today, today + 7 * DAY)
    assert notice.kind == PublicNotice.Kind.AID and notice.source == application
    assert application.status == "in_notice" and application.notice_by == second_staff
    person = application.member.person
    row = dict(zip([c["key"] for c in notice.columns], notice.rows[0], strict=True))
    assert row["name"] == person.masked_name and row["name"] != person.name
    assert row["id_number"] == person.masked_id_number and person.id_number not in str(notice.rows)
    assert row["amount"] == "300.00" and person.name not in notice.title
    # the public column shows it while it runs
    assert notice in PublicNotice.objects.open_on(today)


def test_township_check_waits_for_a_clear_notice(checked, users, second_staff):
    leader, staff = users[Role.TOWNSHIP_LEADER], users[Role.TOWNSHIP_STAFF]
    today = timezone.localdate()
    application = _post(checked, second_staff, at=_days_ago(9))  # ends 2 days ago
    with clock.travel(_days_ago(4)), pytest.raises(ValidationError) as excinfo:  # still running
        services.aid_township_check(user=leader, application=application)
    assert "notice" in excinfo.value.message_dict
    assert (today - 2 * DAY).isoformat() in excinfo.value.messages[0]
    notice = PublicNotice.objects.get()
    objection = publicity.objection_record(
        user=staff, notice=notice, channel="visit", name="邻居", contact="13800000000", text="她家有两套房。"
    )
    with pytest.raises(ValidationError) as excinfo:  # an objection without an answer
        services.aid_township_check(user=leader, application=application)
    assert "objection" in excinfo.value.messages[0]
    assert AidApplication.objects.get(pk=application.pk).status == "in_notice"
    publicity.objection_answer(
        user=staff, objection=objection, answer="经核实只有一套房。", outcome="dismissed"
    )
    publicity.notice_close(user=staff, notice=notice)
    application = services.aid_township_check(user=leader, application=application)
    assert application.status == "township_checked"


def test_withdrawn_or_upheld_notice_never_clears(checked, users, second_staff):
    application = _post(checked, second_staff)
    publicity.notice_withdraw(
        user=users[Role.TOWNSHIP_STAFF], notice=PublicNotice.objects.get(), reason="名单有误"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.aid_township_check(user=users[Role.TOWNSHIP_LEADER], application=application)
    assert "withdrawn" in excinfo.value.messages[0]
    assert Objection.objects.count() == 0


def test_aid_page_offers_each_step_only_to_who_may_take_it(client, checked, users, second_staff):
    url = reverse("partycare:aid-detail", args=[checked.pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the reasons are read in English
    # the staff member who did the branch check: the notice is not offered, with the reason
    client.force_login(users[Role.TOWNSHIP_STAFF])
    page = client.get(url)
    assert [a["name"] for a in page.context["actions"]] == []
    refused = {s["name"]: s["reason"] for s in page.context["refused"]}
    assert "You did the previous step (the branch check)" in refused["notice"]
    assert 'data-refused="notice"' in page.content.decode()
    assert reverse("partycare:aid-action", args=[checked.pk, "notice"]) not in page.content.decode()
    # another staff member: the notice form is offered; rejecting is the leader's
    client.force_login(second_staff)
    page = client.get(url)
    assert [a["name"] for a in page.context["actions"]] == ["notice"]
    assert "Township leader" in {s["name"]: s["reason"] for s in page.context["refused"]}["reject"]
    today = timezone.localdate()
    response = client.post(
        reverse("partycare:aid-action", args=[checked.pk, "notice"]),
        # a typed "posted from" in the past is not a field: the notice starts today
        {"starts_on": (today - 30 * DAY).isoformat(), "ends_on": (today + 7 * DAY).isoformat()},
    )
    assert response.status_code == 302 and AidApplication.objects.get(pk=checked.pk).status == "in_notice"
    assert PublicNotice.objects.get().starts_on == today
    # the leader sees the township check refused while the notice runs, with the reason
    client.force_login(users[Role.TOWNSHIP_LEADER])
    page = client.get(url)
    steps = {
        s["name"]: s
        for s in selectors.aid_steps(
            user=users[Role.TOWNSHIP_LEADER], application=page.context["application"]
        )
    }
    assert not steps["township_check"]["allowed"] and "runs until" in steps["township_check"]["reason"]
    assert [a["name"] for a in page.context["actions"]] == ["reject"]
    assert page.context["notice_reason"] and "data-notice-reason" in page.content.decode()
    # the auditor reads and is offered nothing
    client.force_login(users[Role.COUNTY_AUDITOR])
    assert client.get(url).context["actions"] == []


def test_aid_page_refusal_of_a_short_notice_names_the_field(client, checked, second_staff):
    client.force_login(second_staff)
    today = timezone.localdate()
    response = client.post(
        reverse("partycare:aid-action", args=[checked.pk, "notice"]),
        {"ends_on": (today + 3 * DAY).isoformat()},
        follow=True,
    )
    assert any(str(m).startswith("ends_on:") for m in response.context["messages"])
    assert (
        PublicNotice.objects.count() == 0
        and AidApplication.objects.get(pk=checked.pk).status == "branch_checked"
    )


def test_aid_detail_query_count_is_flat(client, checked, users, second_staff, django_assert_max_num_queries):
    client.force_login(users[Role.TOWNSHIP_LEADER])
    application = _post(checked, second_staff)
    url = reverse("partycare:aid-detail", args=[application.pk])
    with django_assert_max_num_queries(20) as first:
        client.get(url)
    for _ in range(5):
        publicity.objection_record(
            user=users[Role.TOWNSHIP_STAFF],
            notice=PublicNotice.objects.get(),
            channel="phone",
            name="村民",
            contact="13800000000",
            text="请核实情况。",
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_export_jobs_follow_the_scope(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    elsewhere = Campaign.objects.create(
        division=tree.township2,
        holiday="spring_festival",
        year=2027,
        holiday_date=datetime.date(2027, 2, 6),
        created_by=users["admin"],
    )
    with transaction.atomic():
        job = job_enqueue(
            user=staff, kind="partycare.export_campaign_coverage", params={"campaign": elsewhere.pk}
        )
    assert job_run(job_id=job.pk) == Job.Status.FAILED
    assert Job.objects.get(pk=job.pk).result.name in ("", None)
    with transaction.atomic():
        job = job_enqueue(
            user=users[Role.COUNTY_AUDITOR], kind="partycare.export_aid_payments", params={"year": 2026}
        )
    assert job_run(job_id=job.pk) == Job.Status.DONE
    assert Job.objects.get(pk=job.pk).result_name == "帮扶救助发放表2026.xlsx"


def test_export_buttons_start_jobs_for_every_role_that_reads(client, tree, users):
    client.force_login(users[Role.COUNTY_AUDITOR])
    response = client.post(reverse("partycare:old-member-roster"), {"format": "pdf"})
    job = Job.objects.get()
    assert (
        response.status_code == 302
        and job.kind == "partycare.export_old_members"
        and job.params == {"format": "pdf"}
    )
    assert client.get(reverse("partycare:old-member-roster")).status_code == 405


def test_aid_notice_cannot_be_backdated_through_the_api_nor_closed_early(checked, users, second_staff):
    """Issue 15: the aid notice starts when it is posted; a typed start is refused; the notice
    and so the township check wait for the whole period (closable from 00:00 after its end)."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(second_staff)
    url = f"/api/v1/aid-applications/{checked.pk}/act/"
    today = clock.today()
    backdated = {"action": "notice", "starts_on": (today - 30 * DAY).isoformat()}
    response = api.post(url, backdated, format="json")
    assert response.status_code == 400 and "starts_on" in response.json()
    assert not PublicNotice.objects.exists()
    posted_at = clock.start_of_day(today) + datetime.timedelta(minutes=1)
    with clock.travel(posted_at):
        assert api.post(url, {"action": "notice"}, format="json").status_code == 200
    notice = PublicNotice.objects.get()
    assert (notice.starts_on, notice.ends_on, notice.posted_at) == (today, today + 7 * DAY, posted_at)
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    last_second = clock.start_of_day(today + 8 * DAY) - datetime.timedelta(seconds=1)
    with clock.travel(last_second), pytest.raises(ValidationError, match=(today + 8 * DAY).isoformat()):
        publicity.notice_close(user=staff, notice=notice)
    with clock.travel(last_second), pytest.raises(ValidationError):
        services.aid_township_check(user=leader, application=AidApplication.objects.get(pk=checked.pk))
    with clock.travel(clock.start_of_day(today + 8 * DAY)):
        publicity.notice_close(user=staff, notice=notice)
        application = services.aid_township_check(
            user=leader, application=AidApplication.objects.get(pk=checked.pk)
        )
    assert application.status == "township_checked"
