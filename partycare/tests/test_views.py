"""Pages and API: scope (each role × own / other village / other township, list and detail,
page and API → 404 outside), the auditor never writes, flat query counts, PDF fonts, Excel."""

import datetime
import io
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from common.jobs import job_run
from common.models import Job
from org.models import AccessLog, Role
from partycare import services
from partycare.models import AidApplication, CareCase
from partycare.tests.factories import branch, member

D = datetime.date
PLACES = ["village", "village2", "village3", "other_village"]
VISIBLE = {
    Role.TOWNSHIP_STAFF: {"village", "village2"},
    Role.TOWNSHIP_LEADER: {"village", "village2"},
    Role.VILLAGE_CADRE: {"village"},
    Role.COUNTY_REVIEWER: {"village", "village2", "village3"},
    Role.COUNTY_AUDITOR: {"village", "village2", "village3"},
    "admin": set(PLACES),
}


@pytest.fixture
def members(tree, users):
    result = {}
    for place in PLACES:
        m = member(branch=branch(division=getattr(tree, place)), name=f"党员{place}", is_model_worker=True)
        AidApplication.objects.create(
            member=m, kind="one_off", year=2026, cause="illness", amount=200, prepared_by=users["admin"]
        )
        result[place] = m
    services.due_items_refresh(today=D(2026, 11, 25))
    return result


@pytest.mark.parametrize("role", list(VISIBLE))
def test_member_pages_and_api_follow_the_scope(client, users, members, role):
    client.force_login(users[role])
    response = client.get(reverse("partycare:member-list"))
    assert {m.pk for m in response.context["page"].object_list} == {members[p].pk for p in VISIBLE[role]}
    api = APIClient()
    api.force_authenticate(users[role])
    listed = api.get("/api/v1/party-members/", {"page_size": 100}).json()["results"]
    assert {row["id"] for row in listed} == {members[p].pk for p in VISIBLE[role]}
    aid = api.get("/api/v1/aid-applications/", {"page_size": 100}).json()["results"]
    assert {row["member"] for row in aid} == {members[p].pk for p in VISIBLE[role]}
    for place, m in members.items():
        expected = 200 if place in VISIBLE[role] else 404
        assert client.get(reverse("partycare:member-detail", args=[m.pk])).status_code == expected
        assert api.get(f"/api/v1/party-members/{m.pk}/").status_code == expected
        application = m.aid_applications.get()
        assert client.get(reverse("partycare:aid-detail", args=[application.pk])).status_code == expected
        assert api.get(f"/api/v1/aid-applications/{application.pk}/").status_code == expected


def test_auditor_never_writes(client, users, members):
    auditor = users[Role.COUNTY_AUDITOR]
    target = members["village"]
    client.force_login(auditor)
    before = (CareCase.objects.count(), list(AidApplication.objects.values_list("status", flat=True)))
    client.post(
        reverse("partycare:member-record", args=[target.pk, "care"]),
        {"kind": "talk", "occurred_on": "2026-11-20", "visitors": "审计"},
    )
    application = target.aid_applications.get()
    client.post(reverse("partycare:aid-action", args=[application.pk, "branch_check"]))
    api = APIClient()
    api.force_authenticate(auditor)
    response = api.post(
        "/api/v1/care-cases/",
        {"member": target.pk, "care_kind": "talk", "occurred_on": "2026-11-20", "visitors": "审计"},
    )
    assert response.status_code == 403
    assert (
        api.post(f"/api/v1/aid-applications/{application.pk}/act/", {"action": "branch_check"}).status_code
        == 403
    )
    after = (CareCase.objects.count(), list(AidApplication.objects.values_list("status", flat=True)))
    assert before == after


def test_api_care_case_and_aid_workflow_with_messages(users, members):
    api = APIClient()
    api.force_authenticate(users[Role.VILLAGE_CADRE])
    target = members["village"]
    response = api.post(
        "/api/v1/care-cases/",
        {"member": target.pk, "care_kind": "sick_visit", "occurred_on": "2099-01-01", "visitors": "支书"},
    )
    assert response.status_code == 400 and "occurred_on" in response.json()
    response = api.post(
        "/api/v1/care-cases/",
        {
            "member": target.pk,
            "care_kind": "sick_visit",
            "occurred_on": "2026-01-02",
            "visitors": "支书",
            "money": "50",
        },
    )
    assert response.status_code == 201, response.json()
    application = target.aid_applications.get()
    leader = APIClient()
    leader.force_authenticate(users[Role.TOWNSHIP_LEADER])
    response = leader.post(f"/api/v1/aid-applications/{application.pk}/act/", {"action": "county_approve"})
    assert response.status_code == 400 and "county_approved_by" in response.json()
    other_village = members["village2"].aid_applications.get()
    cadre = api.post(f"/api/v1/aid-applications/{other_village.pk}/act/", {"action": "branch_check"})
    assert cadre.status_code == 404


def test_page_refusal_names_the_field_and_changes_nothing(client, users, members):
    client.force_login(users[Role.VILLAGE_CADRE])
    target = members["village"]
    response = client.post(
        reverse("partycare:member-record", args=[target.pk, "care"]),
        {"kind": "talk", "occurred_on": "2099-01-01", "visitors": "支书"},
        follow=True,
    )
    assert any("occurred_on" in str(m) for m in response.context["messages"])
    assert CareCase.objects.count() == 0


def test_member_list_query_count_is_flat(client, tree, users, members, django_assert_num_queries):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    # session, user, user's division (scope), count, page of members (person, branch, division joined), due items
    # prefetch, branch choices
    with django_assert_num_queries(7):
        client.get(reverse("partycare:member-list"))
    b = branch(division=tree.village2)
    for _ in range(30):
        member(branch=b, born=D(1950, 1, 1), is_in_hardship=True)
    services.due_items_refresh(today=D(2026, 11, 25))
    with django_assert_num_queries(7):
        client.get(reverse("partycare:member-list"), {"due": "training", "flag": "is_in_hardship"})


def test_campaign_page_query_count_is_flat(client, tree, users, django_assert_num_queries):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village)
    for _ in range(3):
        member(branch=b, is_model_worker=True)
    campaign = services.campaign_create(
        user=staff, township=tree.township, holiday="spring_festival", year=2027, today=D(2026, 11, 25)
    )
    client.force_login(staff)
    # session, user, user's division (scope), campaign, coverage (grouped), branches in bulk, count, page of targets
    url = reverse("partycare:campaign-detail", args=[campaign.pk])
    with django_assert_num_queries(8):
        client.get(url)
    for village in (tree.village, tree.village2):
        other = branch(division=village)
        for _ in range(10):
            member(branch=other, is_entrepreneur=True)
    services.campaign_close(user=staff, campaign=campaign)
    bigger = services.campaign_create(
        user=staff, township=tree.township, holiday="july_first", year=2027, today=D(2026, 11, 25)
    )
    assert bigger.targets.count() == 23
    with django_assert_num_queries(8):
        client.get(reverse("partycare:campaign-detail", args=[bigger.pk]))


def test_aid_inbox_query_count_is_flat(client, users, members, django_assert_num_queries):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    # session, user, user's division (scope), count, page (member, person, branch, prepared_by joined)
    with django_assert_num_queries(5):
        client.get(reverse("partycare:aid-list"))
    for _ in range(20):
        AidApplication.objects.create(
            member=members["village"],
            kind="one_off",
            year=2025,
            cause="accident",
            amount=200,
            prepared_by=users["admin"],
        )
    with django_assert_num_queries(5):
        client.get(reverse("partycare:aid-list"))


def _fonts(content: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def test_pdf_forms_embed_a_cjk_font(client, users, members, tmp_path):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    application = members["village"].aid_applications.get()
    response = client.get(reverse("partycare:aid-pdf", args=[application.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    fonts = _fonts(response.content, tmp_path)
    assert "CJK" in fonts and " yes " in fonts  # embedded
    roster = _export(client, reverse("partycare:old-member-roster"), {"format": "pdf"})
    assert "CJK" in _fonts(roster, tmp_path)
    register = client.get(reverse("partycare:pairing-list"), {"format": "pdf"})
    assert "CJK" in _fonts(register.content, tmp_path)


def _export(client, url, data) -> bytes:
    """Start an export from its page, run its job as the worker would, fetch the download."""
    before = set(Job.objects.values_list("pk", flat=True))
    response = client.post(url, data)
    job = Job.objects.exclude(pk__in=before).get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job_run(job_id=job.pk) == Job.Status.DONE, Job.objects.get(pk=job.pk).message
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def test_excel_exports_escape_formulas(client, tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village, name="=HYPERLINK(1)")
    member(branch=b, born=D(1940, 1, 1), joined_on=D(1970, 1, 1))
    client.force_login(staff)
    content = _export(client, reverse("partycare:old-member-roster"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["E2"].value >= 85
    campaign = services.campaign_create(
        user=staff, township=tree.township, holiday="national_day", year=2027, today=D(2026, 11, 25)
    )
    content = _export(client, reverse("partycare:campaign-detail", args=[campaign.pk]), {"action": "export"})
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[2]][:3] == ["'=HYPERLINK(1)", 1, 0]
    content = _export(client, reverse("partycare:aid-payments"), {"year": 2026})
    assert load_workbook(io.BytesIO(content)).active["A1"].value
    # each download is logged with who, what and how many rows
    assert AccessLog.objects.filter(user=staff, action=AccessLog.Action.DOWNLOAD).count() == 3
