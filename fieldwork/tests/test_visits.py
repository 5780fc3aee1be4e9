"""Home visits and concerns: the pipeline's allowed and refused transitions, overdue
flagging at the boundary, exactly-once sync, scope, bad input and flat query counts."""

import datetime
import io
import json
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from beneficiaries.models import Household
from beneficiaries.tests.factories import person
from fieldwork import services
from fieldwork.models import Concern, ConcernEvent, HomeVisit
from org.models import Department, Role

D = datetime.date
TODAY = D(2026, 11, 25)
S = Concern.Status


def household(village, number="001", head_name="张三"):
    h = Household.objects.create(village=village, number=number)
    head = person(village=village, name=head_name, household=h)
    h.head = head
    h.save(update_fields=["head"])
    return h


def jpeg(name="photo.jpg", size=(20, 20)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def cadre(users):
    return users[Role.VILLAGE_CADRE]


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


@pytest.fixture
def department(tree):
    return Department.objects.get(division=tree.township)


@pytest.fixture
def concern(tree, cadre):
    return services.concern_collect(
        user=cadre, village=tree.village, category="infrastructure", description="路灯坏了"
    )


def visit(user, h, **extra):
    values = {
        "client_id": uuid.uuid4(),
        "household": h,
        "visited_on": TODAY,
        "purpose": "collect",
        "today": TODAY,
    }
    values.update(extra)
    return services.visit_record(user=user, **values)


# --- pipeline -------------------------------------------------------------------------------


def test_full_loop_keeps_who_when_what(concern, cadre, staff, department):
    services.concern_triage(user=cadre, concern=concern, decision="escalate")
    services.concern_dispatch(
        user=staff, concern=concern, departments=[department], deadline=TODAY, today=TODAY
    )
    c = services.concern_whistle(user=staff, concern=concern, departments=[department])
    call = c.whistle_calls.get()
    services.whistle_report(user=staff, call=call, note="到场")
    call.refresh_from_db()
    assert call.reported_by == staff and call.reported_at is not None
    services.concern_resolve(user=staff, concern=concern, resolution="已修好", today=TODAY)
    c = services.concern_feedback(
        user=cadre, concern=concern, how="visit", given_on=TODAY, is_satisfied=True, today=TODAY
    )
    assert c.status == S.CLOSED and c.is_satisfied is True
    events = list(ConcernEvent.objects.filter(concern=concern).values_list("action", "by__username"))
    assert [a for a, _ in events] == [
        "collect",
        "triage_escalate",
        "dispatch",
        "whistle",
        "report",
        "resolve",
        "feedback",
    ]
    assert all(by for _, by in events)


def test_explain_and_close_needs_the_explanation(concern, cadre):
    with pytest.raises(ValidationError, match="explanation"):
        services.concern_triage(user=cadre, concern=concern, decision="explain")
    c = services.concern_triage(user=cadre, concern=concern, decision="explain", explanation="已按政策答复")
    assert c.status == S.CLOSED and c.explanation == "已按政策答复"


def test_village_solves_and_not_satisfied_reopens(concern, cadre):
    services.concern_triage(user=cadre, concern=concern, decision="village")
    services.concern_resolve(user=cadre, concern=concern, resolution="村里修了", today=TODAY)
    c = services.concern_feedback(
        user=cadre, concern=concern, how="phone", given_on=TODAY, is_satisfied=False, today=TODAY
    )
    assert c.status == S.COLLECTED and c.is_satisfied is False


@pytest.mark.parametrize(
    "step",
    ["dispatch_from_collected", "resolve_from_collected", "cadre_dispatches", "cadre_resolves_dispatched"],
)
def test_refused_transitions_change_nothing(concern, cadre, staff, department, step):
    if step == "dispatch_from_collected":
        with pytest.raises(ValidationError):
            services.concern_dispatch(
                user=staff, concern=concern, departments=[department], deadline=TODAY, today=TODAY
            )
    elif step == "resolve_from_collected":
        with pytest.raises(ValidationError):
            services.concern_resolve(user=staff, concern=concern, resolution="x")
    elif step == "cadre_dispatches":
        services.concern_triage(user=cadre, concern=concern, decision="escalate")
        with pytest.raises(PermissionDenied):
            services.concern_dispatch(
                user=cadre, concern=concern, departments=[department], deadline=TODAY, today=TODAY
            )
    else:
        services.concern_triage(user=cadre, concern=concern, decision="escalate")
        services.concern_dispatch(
            user=staff, concern=concern, departments=[department], deadline=TODAY, today=TODAY
        )
        with pytest.raises(PermissionDenied):
            services.concern_resolve(user=cadre, concern=concern, resolution="x")
    after = Concern.objects.get(pk=concern.pk)
    expected = {"cadre_dispatches": S.ESCALATED, "cadre_resolves_dispatched": S.DISPATCHED}.get(
        step, S.COLLECTED
    )
    assert after.status == expected and after.resolution == "" and after.resolved_on is None


def test_bad_pipeline_input(concern, cadre, staff, department):
    with pytest.raises(ValidationError, match="after the resolution"):
        services.concern_feedback(user=cadre, concern=concern, how="visit", given_on=TODAY, is_satisfied=True)
    services.concern_triage(user=cadre, concern=concern, decision="escalate")
    with pytest.raises(ValidationError, match="in the past"):
        services.concern_dispatch(
            user=staff,
            concern=concern,
            departments=[department],
            deadline=TODAY - datetime.timedelta(days=1),
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="at least one department"):
        services.concern_dispatch(user=staff, concern=concern, departments=[], deadline=TODAY, today=TODAY)
    assert Concern.objects.get(pk=concern.pk).status == S.ESCALATED


def test_dispatch_to_another_townships_department_is_refused(tree, concern, cadre, staff):
    services.concern_triage(user=cadre, concern=concern, decision="escalate")
    elsewhere = Department.objects.get(division=tree.township2)
    with pytest.raises(ValidationError, match="does not serve this village"):
        services.concern_dispatch(
            user=staff, concern=concern, departments=[elsewhere], deadline=TODAY, today=TODAY
        )


# --- overdue --------------------------------------------------------------------------------


def test_overdue_flag_at_the_boundary_and_escalation(concern, cadre, staff, department):
    services.concern_triage(user=cadre, concern=concern, decision="escalate")
    services.concern_dispatch(
        user=staff, concern=concern, departments=[department], deadline=TODAY, today=TODAY
    )
    assert services.concerns_flag_overdue(today=TODAY)["flagged"] == 0  # the deadline day is in time
    next_day = TODAY + datetime.timedelta(days=1)
    assert services.concerns_flag_overdue(today=next_day, escalate_after_days=3)["flagged"] == 1
    assert services.concerns_flag_overdue(today=next_day, escalate_after_days=3) == {
        "flagged": 0,
        "cleared": 0,
        "escalated": 0,
    }
    c = Concern.objects.get(pk=concern.pk)
    assert c.is_overdue and c.overdue_since == next_day and c.escalated_to_leader_on is None
    assert (
        services.concerns_flag_overdue(today=TODAY + datetime.timedelta(days=2), escalate_after_days=3)[
            "escalated"
        ]
        == 0
    )
    assert (
        services.concerns_flag_overdue(today=TODAY + datetime.timedelta(days=3), escalate_after_days=3)[
            "escalated"
        ]
        == 1
    )
    services.concern_resolve(
        user=staff, concern=concern, resolution="done", today=TODAY + datetime.timedelta(days=5)
    )
    assert not Concern.objects.get(pk=concern.pk).is_overdue


def test_beat_task_exists_once(db):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="fieldwork.concerns_flag_overdue").count() == 1


# --- visits ---------------------------------------------------------------------------------


def test_visit_with_photos_and_concerns(tree, cadre):
    h = household(tree.village)
    v, created = visit(
        cadre,
        h,
        purpose="care",
        photos=[jpeg()],
        concerns=[{"category": "health", "description": "看病远"}],
    )
    assert created and v.photos.count() == 1 and v.concerns.get().status == S.COLLECTED


def test_visit_bad_input(tree, cadre, settings):
    h = household(tree.village)
    outside = household(tree.village2, number="002")
    with pytest.raises(ValidationError, match="not in your village"):
        visit(cadre, outside)
    with pytest.raises(ValidationError, match=r"\.jpg"):
        visit(cadre, h, photos=[SimpleUploadedFile("x.jpg", b"not an image at all")])
    settings.FIELDWORK_PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="the limit is"):
        visit(cadre, h, photos=[jpeg(size=(200, 200))])
    with pytest.raises(ValidationError, match="in the future"):
        visit(cadre, h, visited_on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="callback"):
        visit(cadre, h, callback={"reached": True})
    with pytest.raises(ValidationError, match="callback"):
        visit(cadre, h, callbacks=[{"enrolment": 1, "reached": True}])
    assert not HomeVisit.objects.exists() and not Concern.objects.exists()


def test_same_client_id_three_times_stores_once(tree, cadre):
    h = household(tree.village)
    api = APIClient()
    api.force_authenticate(cadre)
    client_id = str(uuid.uuid4())
    payload = {
        "client_id": client_id,
        "household": h.pk,
        "visited_on": "2026-11-20",
        "purpose": "collect",
        "notes": "家里老人腿脚不便",
        "concerns": json.dumps([{"category": "health", "description": "需要上门体检"}]),
        "photos": [jpeg()],
    }
    codes = []
    for _ in range(3):
        payload["photos"] = [jpeg()]
        response = api.post("/api/v1/home-visits/", payload, format="multipart")
        codes.append(response.status_code)
    assert codes == [201, 200, 200], response.content
    assert HomeVisit.objects.filter(client_id=client_id).count() == 1
    assert Concern.objects.count() == 1
    assert response.json()["client_id"] == client_id


def test_api_refuses_non_image_with_a_message(tree, cadre):
    h = household(tree.village)
    api = APIClient()
    api.force_authenticate(cadre)
    response = api.post(
        "/api/v1/home-visits/",
        {
            "client_id": str(uuid.uuid4()),
            "household": h.pk,
            "visited_on": "2026-11-20",
            "purpose": "collect",
            "photos": [SimpleUploadedFile("a.jpg", b"%PDF-1.4")],
        },
        format="multipart",
    )
    assert response.status_code == 400 and "a.jpg" in response.content.decode()
    assert not HomeVisit.objects.exists()


# --- scope ----------------------------------------------------------------------------------


def test_cadre_never_sees_another_villages_visits_or_concerns(tree, users, cadre, staff):
    mine, _ = visit(cadre, household(tree.village), concerns=[{"category": "other", "description": "我的"}])
    theirs, _ = visit(
        staff, household(tree.village2, number="009"), concerns=[{"category": "other", "description": "别村"}]
    )
    api = APIClient()
    api.force_authenticate(cadre)
    assert [row["id"] for row in api.get("/api/v1/home-visits/").json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/home-visits/{theirs.pk}/").status_code == 404
    concerns = api.get("/api/v1/concerns/").json()["results"]
    assert [row["description"] for row in concerns] == ["我的"]
    other = theirs.concerns.get()
    assert api.get(f"/api/v1/concerns/{other.pk}/").status_code == 404
    response = api.post(f"/api/v1/concerns/{other.pk}/act/", {"action": "triage", "decision": "village"})
    assert response.status_code == 404
    assert Concern.objects.get(pk=other.pk).status == S.COLLECTED
    households = api.get("/api/v1/home-visits/households/").json()
    assert {row["village"] for row in households} == {tree.village.name}


def test_auditor_cannot_record(tree, users):
    api = APIClient()
    api.force_authenticate(users[Role.COUNTY_AUDITOR])
    h = household(tree.village)
    response = api.post(
        "/api/v1/home-visits/",
        {"client_id": str(uuid.uuid4()), "household": h.pk, "visited_on": "2026-11-20", "purpose": "collect"},
    )
    assert response.status_code == 403 and not HomeVisit.objects.exists()


# --- query counts ---------------------------------------------------------------------------


def test_list_endpoints_make_a_flat_number_of_queries(tree, cadre):
    api = APIClient()
    api.force_authenticate(cadre)

    def counts():
        result = []
        for url in ("/api/v1/home-visits/", "/api/v1/concerns/"):
            with CaptureQueriesContext(connection) as ctx:
                assert api.get(url).status_code == 200
            result.append(len(ctx))
        return result

    for n in range(2):
        visit(
            cadre,
            household(tree.village, number=f"1{n}"),
            concerns=[{"category": "other", "description": "x"}],
        )
    small = counts()
    for n in range(8):
        visit(
            cadre,
            household(tree.village, number=f"2{n}"),
            photos=[jpeg()],
            concerns=[{"category": "other", "description": "y"}],
        )
    assert counts() == small


# --- weekly list, leaders' tally, pioneer sources -------------------------------------------


def test_weekly_list_groups_and_exports(client, tree, cadre):
    from openpyxl import load_workbook

    services.concern_collect(user=cadre, village=tree.village, category="health", description="=看病远")
    services.concern_collect(
        user=cadre, village=tree.village, category="infrastructure", description="全村断水", is_common=True
    )
    client.force_login(cadre)
    response = client.get("/partycare/concerns/weekly/")
    (entry,) = response.context["villages"]
    assert len(entry["common"]) == 1 and len(entry["individual"]) == 1
    xlsx = client.get("/partycare/concerns/weekly/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "全村断水" in values and "=看病远" not in values  # formula text escaped
    pdf = client.get("/partycare/concerns/weekly/", {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    from org.models import AccessLog

    # Both downloads are logged with the concerns they list, not 0.
    assert sorted(AccessLog.objects.values_list("rows", flat=True)) == [2, 2]


def test_leader_tally_counts_days_and_households(client, tree, users):
    leader = users[Role.TOWNSHIP_LEADER]
    h1, h2 = household(tree.village, "1"), household(tree.village2, "2")
    visit(leader, h1, visited_on=D(2026, 3, 1))
    visit(leader, h2, visited_on=D(2026, 3, 1))
    visit(leader, h1, visited_on=D(2026, 4, 2))
    client.force_login(users[Role.TOWNSHIP_STAFF])
    rows = client.get("/partycare/visits/leaders/", {"year": 2026}).context["rows"]
    mine = next(r for r in rows if r["user"] == leader)
    assert (mine["days"], mine["households"], mine["days_met"]) == (2, 2, False)


def test_pioneer_sources_count_visits_and_concerns_resolved_on_time(tree, cadre, staff, department):
    from partycare import pioneer
    from partycare.models import PartyMember
    from partycare.tests.factories import branch, member

    m = member(branch=branch(division=tree.village))
    h = household(tree.village)
    v, _ = visit(
        cadre,
        h,
        member=m,
        concerns=[{"category": "other", "description": "a"}, {"category": "other", "description": "b"}],
    )
    on_time, late = v.concerns.order_by("pk")
    for c in (on_time, late):
        services.concern_triage(user=cadre, concern=c, decision="escalate")
        services.concern_dispatch(
            user=staff, concern=c, departments=[department], deadline=TODAY, today=TODAY
        )
    services.concern_resolve(user=staff, concern=on_time, resolution="ok", today=TODAY)
    services.concern_resolve(
        user=staff, concern=late, resolution="ok", today=TODAY + datetime.timedelta(days=1)
    )
    members = PartyMember.objects.filter(pk=m.pk)
    assert pioneer.SOURCES["visits"](members, TODAY.year) == {m.pk: 1}
    assert pioneer.SOURCES["concerns"](members, TODAY.year) == {m.pk: 1}


def test_pages_make_a_flat_number_of_queries(client, tree, users, cadre, staff, department):
    client.force_login(staff)
    pages = [
        "/partycare/visits/",
        "/partycare/concerns/",
        "/partycare/concerns/weekly/",
        "/partycare/visits/leaders/",
        "/home/",
    ]

    def counts():
        result = []
        for url in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            result.append(len(ctx))
        return result

    def add(n, start):
        for i in range(n):
            v, _ = visit(
                staff,
                household(tree.village, number=f"{start}{i}"),
                concerns=[{"category": "other", "description": "z"}],
            )
            c = v.concerns.get()
            services.concern_triage(user=cadre, concern=c, decision="escalate")
            services.concern_dispatch(
                user=staff, concern=c, departments=[department], deadline=TODAY, today=TODAY
            )
        services.concerns_flag_overdue(today=TODAY + datetime.timedelta(days=1))

    add(2, "a")
    small = counts()
    add(6, "b")
    assert counts() == small
