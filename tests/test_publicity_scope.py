"""Publicity scope matrix: each role × own / other scope, list and detail, page and API;
writes refused to roles that may not write (the county auditor never writes) with nothing
changed; flat query counts on the list pages."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import Role
from publicity.models import Activity, InfoSubmission, Objection, PublicNotice, Supervisor
from publicity.tests.factories import (
    ActivityFactory,
    NoticeFactory,
    ObjectionFactory,
    SubmissionFactory,
    SupervisorFactory,
)

ROLES = [
    Role.TOWNSHIP_STAFF,
    Role.TOWNSHIP_LEADER,
    Role.VILLAGE_CADRE,
    Role.COUNTY_REVIEWER,
    Role.COUNTY_AUDITOR,
    "admin",
]
# Which of the objects (placed at these divisions) each role sees.
PLACES = ["village", "village2", "village3", "other_village"]
VISIBLE = {
    Role.TOWNSHIP_STAFF: {"village", "village2"},
    Role.TOWNSHIP_LEADER: {"village", "village2"},
    Role.VILLAGE_CADRE: {"village"},
    Role.COUNTY_REVIEWER: {"village", "village2", "village3"},
    Role.COUNTY_AUDITOR: {"village", "village2", "village3"},
    "admin": set(PLACES),
}
TOWNSHIP_OF = {
    "village": "township",
    "village2": "township",
    "village3": "township2",
    "other_village": "other_township",
}
# Township-level things (submissions, supervisors): the cadre sees none.
VISIBLE_TOWNSHIP_LEVEL = {
    role: (set() if role == Role.VILLAGE_CADRE else places) for role, places in VISIBLE.items()
}


@pytest.fixture
def world(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    objects = {"activity": {}, "notice": {}, "objection": {}, "submission": {}, "supervisor": {}}
    for place in PLACES:
        village = getattr(tree, place)
        township = getattr(tree, TOWNSHIP_OF[place])
        objects["activity"][place] = ActivityFactory(
            division=village, created_by=staff, title=f"活动-{place}"
        )
        notice = NoticeFactory(division=village, posted_by=staff, title=f"公示-{place}")
        objects["notice"][place] = notice
        objects["objection"][place] = ObjectionFactory(notice=notice, text=f"异议-{place}")
        department = township.departments.get()
        objects["submission"][place] = SubmissionFactory(
            department=department, created_by=staff, title=f"信息-{place}-{department.pk}"
        )
        objects["supervisor"][place] = SupervisorFactory(division=township, name=f"监督员-{place}")
    return objects


PAGES = {
    # kind: (list url name, detail url name, visibility table)
    "activity": ("publicity:activity-list", "publicity:activity-detail", VISIBLE),
    "notice": ("publicity:notice-list", "publicity:notice-detail", VISIBLE),
    "submission": ("publicity:submission-list", "publicity:submission-detail", VISIBLE_TOWNSHIP_LEVEL),
    "supervisor": ("publicity:supervisor-list", "publicity:supervisor-detail", VISIBLE_TOWNSHIP_LEVEL),
}
API = {
    "activity": "/api/v1/publicity/activities/",
    "notice": "/api/v1/publicity/notices/",
    "objection": "/api/v1/publicity/objections/",
    "submission": "/api/v1/publicity/submissions/",
    "supervisor": "/api/v1/publicity/supervisors/",
}
API_VISIBLE = {**{k: v[2] for k, v in PAGES.items()}, "objection": VISIBLE}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(PAGES))
def test_pages_list_and_detail_follow_the_scope(client, users, world, role, kind):
    list_name, detail_name, table = PAGES[kind]
    client.force_login(users[role])
    response = client.get(reverse(list_name))
    expected = {world[kind][p].pk for p in table[role]}
    if kind == "submission" and role == Role.VILLAGE_CADRE:
        assert response.status_code == 403  # cadres do not handle information submissions
    else:
        assert response.status_code == 200
        assert {obj.pk for obj in response.context["page"].object_list} == expected
    for place in PLACES:
        obj = world[kind][place]
        status = client.get(reverse(detail_name, args=[obj.pk])).status_code
        assert status == (200 if obj.pk in expected else 404), (kind, place, status)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(API))
def test_api_list_and_detail_follow_the_scope(users, world, role, kind):
    api = APIClient()
    api.force_authenticate(users[role])
    expected = {world[kind][p].pk for p in API_VISIBLE[kind][role]}
    response = api.get(API[kind], {"page_size": 100})
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == expected
    for place in PLACES:
        obj = world[kind][place]
        status = api.get(f"{API[kind]}{obj.pk}/").status_code
        assert status == (200 if obj.pk in expected else 404)


def test_api_filters_cannot_widen_the_scope(users, world, tree):
    api = APIClient()
    api.force_authenticate(users[Role.TOWNSHIP_STAFF])
    response = api.get(API["activity"], {"division": tree.other_village.pk})
    assert response.json()["results"] == []


@pytest.mark.parametrize("role", [Role.COUNTY_AUDITOR, Role.COUNTY_REVIEWER])
def test_county_roles_never_write_pages_or_api(client, users, world, tree, role):
    user = users[role]
    client.force_login(user)
    notice = world["notice"]["village"]
    submission = world["submission"]["village"]
    objection = world["objection"]["village"]
    before = (
        Activity.objects.count(),
        PublicNotice.objects.count(),
        InfoSubmission.objects.count(),
        Objection.objects.count(),
        Supervisor.objects.count(),
    )
    assert client.get(reverse("publicity:submission-create")).status_code == 403
    assert client.get(reverse("publicity:notice-create")).status_code == 403
    assert client.get(reverse("publicity:activity-create")).status_code == 403
    client.post(reverse("publicity:submission-action", args=[submission.pk, "adopt"]))
    client.post(reverse("publicity:notice-action", args=[notice.pk, "withdraw"]), {"reason": "x"})
    client.post(
        reverse("publicity:notice-action", args=[notice.pk, "objection"]),
        {"channel": "paper", "contact": "1", "text": "纸质异议内容", "received_at": "2026-01-01T10:00"},
    )
    client.post(
        reverse("publicity:objection-answer", args=[objection.pk]), {"answer": "x", "outcome": "upheld"}
    )
    api = APIClient()
    api.force_authenticate(user)
    today = timezone.localdate()
    writes = [
        (
            "post",
            API["activity"],
            {"division": tree.village.pk, "kind": "square", "title": "x", "held_on": today, "place": "x"},
        ),
        ("patch", f"{API['activity']}{world['activity']['village'].pk}/", {"title": "改"}),
        ("post", API["notice"], {}),
        ("post", f"{API['notice']}{notice.pk}/withdraw/", {"reason": "x"}),
        ("post", f"{API['submission']}{submission.pk}/adopt/", {}),
        ("post", f"{API['objection']}{objection.pk}/answer/", {"answer": "x", "outcome": "upheld"}),
        ("post", API["supervisor"], {"division": tree.township.pk, "name": "x", "phone": "1"}),
        ("put", f"{API['notice']}{notice.pk}/", {}),
        ("delete", f"{API['notice']}{notice.pk}/", {}),
    ]
    for method, url, data in writes:
        assert getattr(api, method)(url, data, format="json").status_code in (403, 405), url
    after = (
        Activity.objects.count(),
        PublicNotice.objects.count(),
        InfoSubmission.objects.count(),
        Objection.objects.count(),
        Supervisor.objects.count(),
    )
    assert after == before
    assert PublicNotice.objects.get(pk=notice.pk).status == "posted"
    assert InfoSubmission.objects.get(pk=submission.pk).status == "submitted"
    assert Objection.objects.get(pk=objection.pk).status == "open"
    assert Activity.objects.get(pk=world["activity"]["village"].pk).title == "活动-village"


def test_cadre_records_activity_for_own_village_only(users, world, tree):
    api = APIClient()
    api.force_authenticate(users[Role.VILLAGE_CADRE])
    today = timezone.localdate().isoformat()
    data = {
        "kind": "door_to_door",
        "title": "入户宣传",
        "held_on": today,
        "place": "一组",
        "audience_estimate": 30,
    }
    assert api.post(API["activity"], {**data, "division": tree.village.pk}, format="json").status_code == 201
    assert api.post(API["activity"], {**data, "division": tree.village2.pk}, format="json").status_code == 400
    assert Activity.objects.filter(title="入户宣传").count() == 1


def test_notice_has_no_update_endpoint(users, world):
    api = APIClient()
    api.force_authenticate(users[Role.TOWNSHIP_STAFF])
    notice = world["notice"]["village"]
    for method in ("put", "patch", "delete"):
        assert (
            getattr(api, method)(f"{API['notice']}{notice.pk}/", {"title": "改"}, format="json").status_code
            == 405
        )
    assert PublicNotice.objects.get(pk=notice.pk).title == "公示-village"


def test_staff_posts_a_notice_through_the_api_masked(users, tree):
    api = APIClient()
    api.force_authenticate(users[Role.TOWNSHIP_STAFF])
    today = timezone.localdate()
    payload = {
        "kind": "aid",
        "division": tree.village.pk,
        "title": "临时救助公示",
        "ends_on": (today + datetime.timedelta(days=7)).isoformat(),
        "columns": [
            {"key": "n", "header": "姓名", "mask": "name"},
            {"key": "i", "header": "身份证号", "mask": "id_number"},
        ],
        "rows": [{"n": "李四", "i": "341226198001011111"}],
    }
    # a typed start (in the past) is refused: the server sets it when the notice is posted
    backdated = {**payload, "starts_on": (today - datetime.timedelta(days=30)).isoformat()}
    response = api.post(API["notice"], backdated, format="json")
    assert response.status_code == 400 and "starts_on" in response.json()
    assert not PublicNotice.objects.exists()
    response = api.post(API["notice"], payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["rows"] == [["李*", "3412**********1111"]]
    assert response.json()["starts_on"] == today.isoformat()
    short = {**payload, "ends_on": (today + datetime.timedelta(days=6)).isoformat()}
    response = api.post(API["notice"], short, format="json")
    assert response.status_code == 400 and "ends_on" in response.json()


def test_notice_form_refuses_a_short_period(client, users, tree):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    today = timezone.localdate()
    response = client.post(
        reverse("publicity:notice-create"),
        {
            "kind": "fund_use",
            "division": tree.township.pk,
            "title": "资金使用公示",
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=3)).isoformat(),
            "table": "项目,金额\n道路硬化,120000",
        },
    )
    assert response.status_code == 200 and "ends_on" in response.context["form"].errors
    assert PublicNotice.objects.count() == 0


# --- query counts -------------------------------------------------------------------------

# One query for the year's projects (projects app).
PROJECT_QUERIES = 1

# Every list page: session, user, user's division (scope), count, page of rows (joined and
# annotated). The session is renewed at most once a minute: a page view writes nothing.
LIST_QUERIES = 5


@pytest.mark.parametrize(
    "url_name",
    [
        "publicity:activity-list",
        "publicity:notice-list",
        "publicity:submission-list",
        "publicity:supervisor-list",
    ],
)
def test_list_pages_make_a_fixed_number_of_queries(client, users, world, django_assert_num_queries, url_name):
    client.force_login(users[Role.COUNTY_REVIEWER])
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse(url_name))
    call_command("seed_demo", profile="small", verbosity=0)
    for place in ("village", "village2", "village3"):
        ActivityFactory.create_batch(
            5, division=getattr_tree(world, place), created_by=users[Role.TOWNSHIP_STAFF]
        )
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse(url_name))


def getattr_tree(world, place):
    return world["activity"][place].division


def test_quota_page_query_count_is_flat(client, users, world, django_assert_num_queries):
    client.force_login(users[Role.COUNTY_REVIEWER])
    # session, user, scope division, departments (division joined), submission counts
    # (unit × kind × month), [project counts]
    with django_assert_num_queries(5 + PROJECT_QUERIES):
        client.get(reverse("publicity:quota"), {"year": 2026, "month": 5})
    call_command("seed_demo", profile="small", verbosity=0)
    with django_assert_num_queries(5 + PROJECT_QUERIES):
        client.get(reverse("publicity:quota"), {"year": 2026, "month": 5})


def test_public_column_query_count_is_flat(client, world, django_assert_num_queries):
    # current notices (division joined), published submissions (unit joined), [projects]
    with django_assert_num_queries(2 + PROJECT_QUERIES):
        client.get("/")
    call_command("seed_demo", profile="small", verbosity=0)
    with django_assert_num_queries(2 + PROJECT_QUERIES):
        client.get("/")
