"""A notice's window is the server's: it starts when the notice is posted (core.clock, Asia/
Shanghai), runs NOTICE_MIN_DAYS full days after the day of posting, and cannot be closed (with
no objection or upheld) before 00:00 of the day after it ends — through the service, the page,
the API or the admin. Issue 15: "三榜公示 can be backdated"."""

import datetime
import inspect
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from core import clock
from publicity import selectors, services
from publicity.models import Objection, PublicNotice
from publicity.tests.factories import NoticeFactory

UTC = datetime.UTC
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
COLUMNS = [("name", "姓名", "name")]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _post(user, division, *, at, **extra):
    with clock.travel(at):
        return services.notice_publish(
            user=user,
            kind=PublicNotice.Kind.ENROLMENT,
            division=division,
            title="城乡低保公示",
            rows=[{"name": "张三"}],
            columns=COLUMNS,
            **extra,
        )


def _shanghai(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


# --- the clock --------------------------------------------------------------------------------


def test_the_clock_travels_only_with_an_aware_moment_and_says_the_shanghai_date():
    with clock.travel(datetime.datetime(2026, 3, 1, 15, 59, tzinfo=UTC)):
        assert clock.today() == datetime.date(2026, 3, 1)  # 23:59 in Shanghai
    with clock.travel(datetime.datetime(2026, 3, 1, 16, 0, tzinfo=UTC)):
        assert clock.today() == datetime.date(2026, 3, 2)  # 00:00 in Shanghai
        with clock.travel(_shanghai(2020, 1, 1, 8)):
            assert clock.today() == datetime.date(2020, 1, 1)
        assert clock.now() == datetime.datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # back
    with pytest.raises(ValueError), clock.travel(datetime.datetime(2026, 3, 1, 12)):
        pass


# --- the boundary, in Asia/Shanghai ------------------------------------------------------------

# (posted at, the day the period starts, its earliest last day, the last moment closing is
#  refused, the first moment it is allowed) — NOTICE_MIN_DAYS = 7.
BOUNDARY = [
    pytest.param(
        _shanghai(2026, 3, 1, 23, 59),  # 15:59 UTC: a partial day that does not count
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 8),
        datetime.datetime(2026, 3, 8, 15, 59, 59, tzinfo=UTC),  # 03-08 23:59:59 Shanghai
        datetime.datetime(2026, 3, 8, 16, 0, tzinfo=UTC),  # 03-09 00:00 Shanghai
        id="posted-23:59",
    ),
    pytest.param(
        _shanghai(2026, 3, 1, 0, 0),  # 02-28 16:00 UTC: already March 1st in the county
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 8),
        _shanghai(2026, 3, 8, 23, 59, 59),
        _shanghai(2026, 3, 9, 0, 0),
        id="posted-00:00",
    ),
    pytest.param(
        datetime.datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC),  # 02-28 23:59:59 Shanghai
        datetime.date(2026, 2, 28),
        datetime.date(2026, 3, 7),
        _shanghai(2026, 3, 7, 23, 59, 59),
        _shanghai(2026, 3, 8, 0, 0),
        id="posted-one-second-before-midnight",
    ),
]


@pytest.mark.parametrize("posted_at, starts_on, earliest, refused_at, allowed_at", BOUNDARY)
def test_period_starts_on_the_posting_day_and_closes_from_midnight_after_it(
    tree, staff, posted_at, starts_on, earliest, refused_at, allowed_at
):
    notice = _post(staff, tree.village, at=posted_at)
    assert notice.posted_at == posted_at and notice.starts_on == starts_on
    assert notice.ends_on == earliest and notice.days == 7
    with clock.travel(refused_at), pytest.raises(ValidationError) as excinfo:
        services.notice_close(user=staff, notice=notice)
    closable = (earliest + datetime.timedelta(days=1)).isoformat()
    assert closable in excinfo.value.messages[0] and earliest.isoformat() in excinfo.value.messages[0]
    assert PublicNotice.objects.get(pk=notice.pk).status == PublicNotice.Status.POSTED
    with clock.travel(allowed_at):
        closed = services.notice_close(user=staff, notice=notice)
    assert closed.status == PublicNotice.Status.CLOSED_CLEAR and closed.closed_at == allowed_at
    assert selectors.notice_is_clear(notice=closed)


@pytest.mark.parametrize("posted_at, starts_on, earliest, refused_at, allowed_at", BOUNDARY)
def test_an_upheld_close_waits_for_the_end_too(
    tree, staff, posted_at, starts_on, earliest, refused_at, allowed_at
):
    notice = _post(staff, tree.village, at=posted_at)
    with clock.travel(posted_at + datetime.timedelta(hours=1)):
        objection = services.objection_record(
            user=staff, notice=notice, channel="visit", name="", contact="村民", text="此人已去世多年。"
        )
        services.objection_answer(user=staff, objection=objection, answer="属实。", outcome="upheld")
    with clock.travel(refused_at), pytest.raises(ValidationError, match=r"can be closed from"):
        services.notice_close(user=staff, notice=notice, upheld=True)
    with clock.travel(allowed_at):
        closed = services.notice_close(user=staff, notice=notice, upheld=True)
    assert closed.status == PublicNotice.Status.CLOSED_UPHELD


def test_a_later_end_may_be_chosen_an_earlier_one_never(tree, staff):
    posted_at = _shanghai(2026, 3, 1, 10)
    with pytest.raises(ValidationError) as excinfo:
        _post(staff, tree.village, at=posted_at, ends_on=datetime.date(2026, 3, 7))
    assert excinfo.value.message_dict["ends_on"] == [
        "A notice must stay up at least 7 full days after the day it is posted: posted on 2026-03-01, it "
        "ends on 2026-03-08 at the earliest, not 2026-03-07."
    ]
    with pytest.raises(ValidationError):  # a past end, as a backdated notice would have
        _post(staff, tree.village, at=posted_at, ends_on=datetime.date(2026, 2, 20))
    assert PublicNotice.objects.count() == 0
    later = _post(staff, tree.village, at=posted_at, ends_on=datetime.date(2026, 3, 20))
    assert (later.starts_on, later.ends_on, later.days) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 20),
        19,
    )


def test_the_start_cannot_be_typed_into_the_service():
    assert "starts_on" not in inspect.signature(services.notice_publish).parameters
    assert "posted_at" not in inspect.signature(services.notice_publish).parameters


def test_withdraw_stays_allowed_at_any_time(tree, staff):
    posted_at = _shanghai(2026, 3, 1, 10)
    notice = _post(staff, tree.village, at=posted_at)
    with clock.travel(posted_at + datetime.timedelta(minutes=5)):
        withdrawn = services.notice_withdraw(user=staff, notice=notice, reason="身份证号录入错误")
    assert withdrawn.status == PublicNotice.Status.WITHDRAWN


# --- a notice whose own record shows no full window clears nothing ------------------------------


def test_a_backdated_or_early_closed_notice_from_before_the_fix_does_not_clear(tree, staff):
    """Rows written before posting took the server's clock: dated in the past, closed minutes
    after posting. They stay readable but clear nothing (the enrolment and aid approvals ask
    publicity.selectors.notice_blocking_reason)."""
    today = clock.today()
    posted = clock.start_of_day(today) + datetime.timedelta(hours=9)
    backdated = NoticeFactory(
        division=tree.village,
        posted_by=staff,
        starts_on=today - datetime.timedelta(days=20),
        posted_at=posted,
        status=PublicNotice.Status.CLOSED_CLEAR,
        closed_at=posted + datetime.timedelta(minutes=3),
    )
    reason = selectors.notice_blocking_reason(notice=backdated)
    assert reason and "was posted on" in reason and today.isoformat() in reason
    early = NoticeFactory(
        division=tree.village,
        posted_by=staff,
        starts_on=today - datetime.timedelta(days=3),
        status=PublicNotice.Status.CLOSED_CLEAR,
        closed_at=clock.start_of_day(today) + datetime.timedelta(hours=9),
    )
    reason = selectors.notice_blocking_reason(notice=early)
    assert reason and "before its period ended" in reason
    fair = NoticeFactory(
        division=tree.village,
        posted_by=staff,
        starts_on=today - datetime.timedelta(days=10),
        status=PublicNotice.Status.CLOSED_CLEAR,
        closed_at=clock.start_of_day(today - datetime.timedelta(days=2)),
    )
    assert selectors.notice_blocking_reason(notice=fair) is None


# --- page, API, admin -------------------------------------------------------------------------


def test_the_page_and_the_api_refuse_an_early_close_and_name_the_date(client, tree, staff):
    notice = _post(staff, tree.village, at=clock.start_of_day(clock.today()) + datetime.timedelta(minutes=1))
    closable = notice.closable_on.isoformat()
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("publicity:notice-action", args=[notice.pk, "close"]), {"upheld": "0"}, follow=True
    )
    assert any(closable in str(m) for m in response.context["messages"])
    page = client.get(reverse("publicity:notice-detail", args=[notice.pk]))
    assert closable in page.content.decode()
    api = APIClient()
    api.force_authenticate(staff)
    for upheld in (False, True):
        response = api.post(
            f"/api/v1/publicity/notices/{notice.pk}/close/",
            {"upheld": upheld},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400 and closable in str(response.json())
    assert PublicNotice.objects.get(pk=notice.pk).status == PublicNotice.Status.POSTED
    assert Objection.objects.count() == 0


def test_the_api_returns_the_start_read_only_and_takes_no_typed_start(tree, staff):
    api = APIClient()
    api.force_authenticate(staff)
    today = clock.today()
    payload = {
        "kind": "aid",
        "division": tree.village.pk,
        "title": "临时救助公示",
        "columns": [{"key": "n", "header": "姓名", "mask": "name"}],
        "rows": [{"n": "李四"}],
    }
    for typed in ({"starts_on": "2026-01-01"}, {"posted_at": "2026-01-01T09:00:00+08:00"}):
        response = api.post("/api/v1/publicity/notices/", {**payload, **typed}, format="json")
        assert response.status_code == 400 and set(typed) <= set(response.json())
    assert not PublicNotice.objects.exists()
    response = api.post("/api/v1/publicity/notices/", payload, format="json")  # no end: the earliest
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["starts_on"] == today.isoformat()
    assert body["ends_on"] == (today + datetime.timedelta(days=7)).isoformat()


def test_the_admin_cannot_change_the_start_even_for_the_superuser(client, tree, users, staff):
    notice = _post(staff, tree.village, at=clock.start_of_day(clock.today()) + datetime.timedelta(hours=8))
    url = f"/admin/publicity/publicnotice/{notice.pk}/change/"
    past = (notice.starts_on - datetime.timedelta(days=20)).isoformat()
    for user in (users["admin"], staff):
        client.force_login(user)
        response = client.post(url, {"starts_on": past, "ends_on": past, "posted_at_0": past, "title": "改"})
        assert response.status_code == 403
    fresh = PublicNotice.objects.get(pk=notice.pk)
    assert (fresh.starts_on, fresh.ends_on, fresh.posted_at) == (
        notice.starts_on,
        notice.ends_on,
        notice.posted_at,
    )
    client.force_login(users["admin"])
    form = client.get(url).context["adminform"].form
    assert not {"starts_on", "ends_on", "posted_at"} & set(form.fields)  # shown read-only, never a field
