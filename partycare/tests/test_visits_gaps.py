"""Home visits, second round (issue 7 gaps): a callback visit records beneficiaries Callbacks
(exactly once, counted in the coverage), the data migration of the old answers, photos resized
and stripped, the scoped Excel export as a job, the county demo's proportions scaled down, and
the issue's "bad input" list through the API."""

import datetime
import io
import json
import random
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from python_calamine import CalamineWorkbook
from rest_framework.test import APIClient

from beneficiaries.models import Callback, Enrolment, Household
from beneficiaries.selectors import callback_coverage, callback_pending
from beneficiaries.tests.factories import person
from common.jobs import job_enqueue, job_run, job_run_task
from common.models import Job
from org.models import Department, Role
from partycare import demo_visits, selectors, services
from partycare.models import Concern, HomeVisit, VisitCallback, VisitPhoto
from partycare.visit_exports import EXPORT_VISITS, write_visits
from projects.tests.factories import ProjectFactory

D = datetime.date
TODAY = D(2026, 11, 25)
JANUARY = D(2026, 1, 1)
S = Concern.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(job_run_task, "delay", lambda job_id: None)


@pytest.fixture
def cadre(users):
    return users[Role.VILLAGE_CADRE]


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


def household(village, number="001", head_name="张三"):
    h = Household.objects.create(village=village, number=number)
    head = person(village=village, name=head_name, household=h)
    h.head = head
    h.save(update_fields=["head"])
    return h


def enrol(project, member, *, status=Enrolment.Status.ACTIVE, active_from=JANUARY, exit_on=None):
    return Enrolment.objects.create(
        project=project,
        person=member,
        village=member.village,
        status=status,
        applied_on=D(2025, 12, 1),
        active_from=active_from,
        exit_on=exit_on,
        exit_reason="other" if exit_on else "",
    )


@pytest.fixture
def family(tree):
    """A household of the cadre's village with two active enrolments (the head's 低保 and the
    wife's 养老), and another household's enrolment next door."""
    h = household(tree.village)
    wife = person(village=tree.village, name="李梅", household=h)
    dibao = ProjectFactory(division=tree.township, name="农村低保", code="DB")
    pension = ProjectFactory(division=tree.township, name="高龄津贴", code="GL")
    neighbour = household(tree.village, number="002", head_name="赵六")
    return {
        "household": h,
        "head": enrol(dibao, h.head),
        "wife": enrol(pension, wife),
        "neighbour": enrol(dibao, neighbour.head),
        "dibao": dibao,
    }


def visit(user, h, **extra):
    values = {
        "client_id": uuid.uuid4(),
        "household": h,
        "visited_on": TODAY,
        "purpose": "callback",
        "today": TODAY,
    }
    values.update(extra)
    return services.visit_record(user=user, **values)


def jpeg_bytes(size=(20, 20), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG", **save)
    return buffer.getvalue()


def english_api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    api.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"  # the portal ignores Accept-Language
    return api


# --- callbacks ------------------------------------------------------------------------------


def test_callback_visit_records_one_callback_per_enrolment_and_counts_in_coverage(family, cadre):
    v, created = visit(
        cadre,
        family["household"],
        callbacks=[
            {
                "enrolment": family["head"],
                "reached": True,
                "knew_policy": True,
                "received_money": True,
                "satisfied": False,
            },
            {"enrolment": family["wife"].pk, "reached": False},
        ],
    )
    assert created
    by_enrolment = {c.enrolment_id: c for c in Callback.objects.all()}
    assert set(by_enrolment) == {family["head"].pk, family["wife"].pk}
    head = by_enrolment[family["head"].pk]
    assert (head.method, head.called_on, head.recorded_by) == ("visit", TODAY, cadre)
    assert (head.reached, head.knew_policy, head.received_money, head.satisfied) == (True, True, True, False)
    wife = by_enrolment[family["wife"].pk]
    assert (wife.reached, wife.knew_policy, wife.satisfied) == (False, None, None)
    assert set(v.callbacks.all()) == set(by_enrolment.values())
    assert head.history.count() == 1  # recorded through the service: audited
    # beneficiaries' coverage counts the reached one; the head is no longer "not yet called"
    row = next(r for r in callback_coverage(user=cadre, project_id=family["dibao"].pk))
    assert (row["enrolled"], row["called"]) == (2, 1)
    pending = set(callback_pending(user=cadre).values_list("pk", flat=True))
    assert family["head"].pk not in pending and {family["wife"].pk, family["neighbour"].pk} <= pending


def test_visit_sent_three_times_makes_one_set_of_callbacks(family, cadre):
    api = APIClient()
    api.force_authenticate(cadre)
    payload = {
        "client_id": str(uuid.uuid4()),
        "household": family["household"].pk,
        "visited_on": "2026-11-20",
        "purpose": "callback",
        "callbacks": json.dumps(
            [
                {"enrolment": family["head"].pk, "reached": True, "knew_policy": True, "satisfied": True},
                {"enrolment": family["wife"].pk, "reached": True, "received_money": False},
            ]
        ),
    }
    codes = [api.post("/api/v1/home-visits/", payload, format="multipart").status_code for _ in range(3)]
    assert codes == [201, 200, 200]
    assert HomeVisit.objects.count() == 1
    assert Callback.objects.count() == 2 and VisitCallback.objects.count() == 2
    body = api.get(f"/api/v1/home-visits/{HomeVisit.objects.get().pk}/").json()
    assert sorted((c["enrolment"], c["reached"]) for c in body["callbacks"]) == sorted(
        [(family["head"].pk, True), (family["wife"].pk, True)]
    )
    assert {c["project_name"] for c in body["callbacks"]} == {"农村低保", "高龄津贴"}


@pytest.mark.parametrize(
    ("callbacks", "message"),
    [
        ([{"enrolment": "neighbour", "reached": True}], "not one of this household"),
        ([{"enrolment": "head", "reached": True}, {"enrolment": "head", "reached": False}], "twice"),
        ([{"enrolment": "head", "reached": False, "satisfied": True}], "not reached"),
        ([{"enrolment": "head"}], "was reached"),
    ],
)
def test_bad_callbacks_are_refused_and_nothing_is_written(family, cadre, callbacks, message):
    items = [{**item, "enrolment": family[item["enrolment"]]} for item in callbacks]
    with pytest.raises(ValidationError, match=message):
        visit(cadre, family["household"], callbacks=items)
    assert not HomeVisit.objects.exists() and not Callback.objects.exists()


def test_callbacks_only_on_a_callback_visit(family, cadre):
    with pytest.raises(ValidationError, match="Only a callback visit"):
        visit(
            cadre,
            family["household"],
            purpose="collect",
            callbacks=[{"enrolment": family["head"], "reached": True}],
        )
    assert not Callback.objects.exists()


def test_household_answers_count_for_the_enrolments_active_that_day(family, cadre, tree):
    """A phone without the enrolment list (or an older form) sends one set of answers."""
    h = family["household"]
    late = enrol(ProjectFactory(division=tree.township, code="L1"), h.head, active_from=D(2026, 12, 1))
    gone = enrol(
        ProjectFactory(division=tree.township, code="G1"),
        h.head,
        status=Enrolment.Status.EXITED,
        exit_on=D(2026, 6, 30),
    )
    v, _ = visit(cadre, h, callback={"reached": True, "knew_policy": False, "satisfied": True})
    called = set(Callback.objects.values_list("enrolment_id", flat=True))
    assert called == {family["head"].pk, family["wife"].pk}  # not the late one, not the exited
    assert late.pk not in called and gone.pk not in called
    assert set(Callback.objects.values_list("knew_policy", "satisfied", "received_money")) == {
        (False, True, None)
    }
    assert v.callbacks.count() == 2


def test_household_answers_without_any_enrolment_go_into_the_notes(tree, cadre):
    h = household(tree.village, number="009")
    v, _ = visit(
        cadre, h, notes="老人在家", callback={"reached": True, "knew_policy": True, "satisfied": False}
    )
    assert not Callback.objects.exists()
    assert v.notes.startswith("老人在家\n【回访】见到本人：是；知晓政策：是") and "满意：否" in v.notes


def test_households_for_the_phone_carry_their_active_enrolments_in_two_queries(family, cadre, tree):
    api = APIClient()
    api.force_authenticate(cadre)

    def fetch():
        with CaptureQueriesContext(connection) as queries:
            rows = api.get("/api/v1/home-visits/households/").json()
        return rows, len(queries)

    rows, small = fetch()
    mine = next(r for r in rows if r["id"] == family["household"].pk)
    assert sorted(e["project"] for e in mine["enrolments"]) == ["农村低保", "高龄津贴"]
    assert {e["person"] for e in mine["enrolments"]} == {"张三", "李梅"}
    for n in range(5):
        more = household(tree.village, number=f"1{n:02d}", head_name=f"孙{n}")
        enrol(family["dibao"], more.head)
    enrol(
        ProjectFactory(division=tree.township, code="X9"),
        family["household"].head,
        status=Enrolment.Status.EXITED,
        exit_on=D(2026, 3, 1),
    )
    rows, large = fetch()
    # session + user, households, enrolments: the same whatever the number of households
    assert large == small and len(rows) == 7
    mine = next(r for r in rows if r["id"] == family["household"].pk)
    assert len(mine["enrolments"]) == 2  # the exited one is not offered


# --- the data migration -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_migration_moves_old_answers_into_callbacks(tree, users):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("partycare", "0005_home_visit_member")]
    latest = executor.loader.graph.leaf_nodes("partycare")
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    OldVisit = old.get_model("partycare", "HomeVisit")
    cadre = users[Role.VILLAGE_CADRE]
    h = household(tree.village)
    project = ProjectFactory(division=tree.township, code="DB")
    active = enrol(project, h.head)
    alone = household(tree.village, number="002")
    answered = OldVisit.objects.create(
        client_id=uuid.uuid4(),
        household_id=h.pk,
        village_id=tree.village.pk,
        visited_on=D(2026, 5, 1),
        purpose="callback",
        notes="",
        visitor_id=cadre.pk,
        callback_reached=True,
        callback_knew_policy=False,
        callback_satisfied=True,
    )
    lonely = OldVisit.objects.create(
        client_id=uuid.uuid4(),
        household_id=alone.pk,
        village_id=tree.village.pk,
        visited_on=D(2026, 5, 1),
        purpose="callback",
        notes="记录",
        visitor_id=cadre.pk,
        callback_reached=None,
        callback_satisfied=True,
    )
    try:
        MigrationExecutor(connection).migrate(latest)
        callback = Callback.objects.get()
        assert (callback.enrolment_id, callback.method, callback.called_on) == (
            active.pk,
            "visit",
            D(2026, 5, 1),
        )
        assert (callback.reached, callback.knew_policy, callback.satisfied) == (True, False, True)
        assert callback.history.get().history_user_id == users[Role.VILLAGE_CADRE].pk
        assert list(HomeVisit.objects.get(pk=answered.pk).callbacks.all()) == [callback]
        notes = HomeVisit.objects.get(pk=lonely.pk).notes
        assert notes.startswith("记录\n【回访】") and "满意：是" in notes
    finally:
        MigrationExecutor(connection).migrate(latest)


# --- photos -----------------------------------------------------------------------------------


def test_photo_is_resized_turned_upright_and_stripped(tree, cadre):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned 90°
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 52.0, 30.0), 3: "E", 4: (117.0, 15.0, 0.0)}  # GPS
    raw = jpeg_bytes(size=(4000, 3000), exif=exif.tobytes())
    assert Image.open(io.BytesIO(raw)).getexif().get(0x0112) == 6
    h = household(tree.village)
    v, _ = visit(cadre, h, purpose="collect", photos=[SimpleUploadedFile("IMG_0001.HEIC.jpeg", raw)])
    photo = v.photos.get()
    assert photo.image.name.endswith(".jpg")
    with photo.image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        stored.load()
    assert stored.format == "JPEG"
    assert stored.size == (1200, 1600)  # upright (portrait), long side 1600
    assert dict(stored.getexif()) == {}  # no orientation left to apply, no GPS, no maker
    assert photo.image.size < len(raw)


def test_transparent_png_becomes_a_jpeg_on_white(tree, cadre):
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 0, 0)).save(buffer, "PNG")
    v, _ = visit(
        cadre,
        household(tree.village),
        purpose="collect",
        photos=[SimpleUploadedFile("a.png", buffer.getvalue())],
    )
    with v.photos.get().image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        assert stored.format == "JPEG" and stored.getpixel((5, 5))[0] > 240


@pytest.mark.parametrize("limit", ["portal", "pillow"])
def test_photo_with_too_many_pixels_is_refused(tree, cadre, monkeypatch, settings, limit):
    if limit == "portal":
        settings.PARTYCARE_PHOTO_MAX_PIXELS = 9_999  # 100 × 100 is one pixel too many
    else:
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow's own bomb guard
    with pytest.raises(ValidationError, match="too many pixels"):
        visit(
            cadre,
            household(tree.village),
            purpose="collect",
            photos=[SimpleUploadedFile("big.jpg", jpeg_bytes((100, 100)))],
        )
    assert not HomeVisit.objects.exists() and not VisitPhoto.objects.exists()


# --- bad input through the API: each a clear message, nothing stored ---------------------------


def test_api_bad_visit_input(tree, cadre, settings):
    api = english_api(cadre)
    mine, outside = household(tree.village), household(tree.village2, number="002")

    def post(**extra):
        payload = {
            "client_id": str(uuid.uuid4()),
            "household": mine.pk,
            "visited_on": "2026-11-20",
            "purpose": "collect",
        }
        payload.update(extra)
        return api.post("/api/v1/home-visits/", payload, format="multipart")

    response = post(household=outside.pk)
    assert response.status_code == 400 and "not in your village" in response.content.decode()
    settings.PARTYCARE_PHOTO_MAX_BYTES = 200
    response = post(photos=[SimpleUploadedFile("big.jpg", jpeg_bytes((300, 300)))])
    assert response.status_code == 400 and "big.jpg" in response.content.decode()
    assert "the limit is" in response.content.decode()
    response = post(purpose="callback", callbacks="not json")
    assert response.status_code == 400
    assert not HomeVisit.objects.exists()


def test_api_bad_pipeline_input(tree, cadre, staff):
    concern = services.concern_collect(user=cadre, village=tree.village, category="health", description="远")
    api = english_api(staff)
    url = f"/api/v1/concerns/{concern.pk}/act/"
    department = Department.objects.get(division=tree.township)
    response = api.post(
        url, {"action": "feedback", "feedback_how": "visit", "is_satisfied": True}, format="json"
    )
    assert response.status_code == 400 and "resolution" in response.content.decode()
    services.concern_triage(user=cadre, concern=concern, decision="escalate")
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    response = api.post(
        url, {"action": "dispatch", "departments": [department.pk], "deadline": yesterday}, format="json"
    )
    assert response.status_code == 400 and "in the past" in response.content.decode()
    response = api.post(
        url, {"action": "dispatch", "departments": [], "deadline": "2099-01-01"}, format="json"
    )
    assert response.status_code == 400 and "at least one department" in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == S.ESCALATED and not concern.departments.exists()


# --- Excel export (a job) ---------------------------------------------------------------------


def _sheet(job) -> list[list]:
    with job.result.open("rb") as handle:
        book = CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    return book.get_sheet_by_index(0).to_python()


def test_visit_export_is_a_scoped_escaped_job(client, family, tree, cadre, staff):
    visit(
        cadre,
        family["household"],
        notes='=HYPERLINK("http://x")',
        callbacks=[{"enrolment": family["head"], "reached": True}],
    )
    visit(staff, household(tree.village2, number="077", head_name="钱七"), purpose="collect", notes="西湖村")
    assert [v.callback_count for v in selectors.visit_list(user=cadre)] == [1]  # shown on "My visits"
    client.force_login(cadre)
    page = client.get(reverse("partycare:my-visits"))
    assert reverse("partycare:visit-export").encode() in page.content
    response = client.post(reverse("partycare:visit-export"), {"year": "2026"})
    job = Job.objects.get(kind=EXPORT_VISITS)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.params == {"year": 2026, "village": None} and job.created_by == cadre
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result_name == "入户走访台账2026.xlsx", job.message
    rows = _sheet(job)
    assert len(rows) == 2  # the header and the cadre's own village: not 西湖村
    assert rows[1][7].startswith("'=HYPERLINK")  # formula injection escaped
    assert rows[1][4] == "张三" and rows[1][10] == "农村低保·张三"
    # the township sees both villages
    with transaction.atomic():
        township = job_enqueue(user=staff, kind=EXPORT_VISITS, params={"year": 2026})
    job_run(job_id=township.pk)
    township.refresh_from_db()
    assert len(_sheet(township)) == 3


def test_visit_export_queries_do_not_grow_with_rows(tmp_path, family, tree, cadre):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            write_visits(tmp_path / "v.xlsx", user=cadre, year=2026)
        return len(captured)

    visit(cadre, family["household"], callbacks=[{"enrolment": family["head"], "reached": True}])
    small = queries()
    for n in range(6):
        visit(
            cadre,
            family["household"],
            callbacks=[{"enrolment": family["wife"], "reached": False}],
            concerns=[{"category": "other", "description": str(n)}],
        )
    # count, visits (one chunk), their callbacks
    assert queries() == small == 3


# --- demo (the county profile's code, scaled down) -------------------------------------------


def test_county_demo_visits_scaled_down_hold_the_proportions(tree, users):
    assert demo_visits.SIZES["county"] == (20_000, 5_000)
    dibao = ProjectFactory(division=tree.township, code="DB")
    villages = [tree.village, tree.village2, tree.village3]
    for n in range(60):
        h = household(villages[n % 3], number=f"{n:03d}", head_name=f"周{n}")
        if n % 4 == 0:
            enrol(dibao, h.head)
    seeded = demo_visits.seed_visits(
        size="county", rng=random.Random(7), today=TODAY, visits=2000, concerns=500
    )
    assert seeded["visits"] == HomeVisit.objects.count() == 2000
    assert 450 <= seeded["concerns"] == Concern.objects.count() <= 550  # 20,000 : 5,000
    counts = {state: Concern.objects.filter(status=state).count() for state in S.values}
    assert all(counts.values()), counts  # every state of the pipeline
    shares = dict(demo_visits.STATE_SHARES)
    for state, weight in shares.items():
        assert abs(counts[state] / seeded["concerns"] - weight / 100) < 0.05, (state, counts)
    # the states are consistent with their fields
    assert not Concern.objects.filter(status=S.DISPATCHED, deadline__isnull=True).exists()
    assert not Concern.objects.filter(status=S.DISPATCHED, departments__isnull=True).exists()
    assert not Concern.objects.filter(status=S.CLOSED, decision="explain", explanation="").exists()
    assert not Concern.objects.filter(status=S.RESOLVED, resolved_on__isnull=True).exists()
    purposes = {p: HomeVisit.objects.filter(purpose=p).count() for p in HomeVisit.Purpose.values}
    assert all(300 <= n <= 700 for n in purposes.values()), purposes
    # callback visits to households with an enrolment record their callbacks
    assert (
        seeded["callbacks"]
        == Callback.objects.filter(method="visit").count()
        == VisitCallback.objects.count()
        > 0
    )
    assert not VisitCallback.objects.exclude(visit__purpose="callback").exists()
    # idempotent
    again = demo_visits.seed_visits(
        size="county", rng=random.Random(7), today=TODAY, visits=2000, concerns=500
    )
    assert again == {"visits": 0, "concerns": 0, "callbacks": 0} and HomeVisit.objects.count() == 2000
