"""Jobs and their files belong to their requester (issue 14).

Table-driven: every registered job kind × every role. A job, its page, its status partial, its
file and its API entry answer 200 to the user who asked for it and to the system
administrator; 404 to everyone else, another user of the same scope included. Then the files:
nothing under /media/ is served without asking who may see the record holding it, and job
files never are. And two real runs: the auditor's roster export (logged as an unmasked
download with its real row count) and a monthly report PDF (its data rows, not 0).
"""

import datetime
import io

import openpyxl
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from common.jobs import job_enqueue, job_kinds, job_run, job_run_task
from common.models import Job
from config.media import MEDIA_KINDS
from org.models import AccessLog, Role
from org.scoping import Scope
from org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KINDS = sorted(kind.kind for kind in job_kinds() if not kind.kind.startswith("test."))
ROLES = [*Role, "superuser"]
PAGES = ("detail", "status", "download")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _user(users, role):
    return users["admin"] if role == "superuser" else users[role]


def _done_job(*, kind, user) -> Job:
    job = Job(
        kind=kind,
        status=Job.Status.DONE,
        created_by=user,
        division=user.division,
        result_name="结果.csv",
        result_rows=1,
        finished_at=datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC),
    )
    job.result.save("result.csv", ContentFile(b"a,b\n"), save=False)
    job.save()
    return job


def _answers(client, api, job) -> dict:
    answers = {name: client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code for name in PAGES}
    answers["api"] = api.get(f"/api/v1/jobs/{job.pk}/").status_code
    return answers


def test_every_real_job_kind_is_in_the_matrix():
    assert len(KINDS) >= 20 and "beneficiaries.export_roster" in KINDS and "reports.roster" in KINDS


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_job_is_its_requesters_and_the_administrators(client, tree, users, kind, role):
    me = _user(users, role)
    if role == "superuser":
        colleague = users[Role.TOWNSHIP_STAFF]
    else:
        # the same role in the same division: every job of theirs lies inside my scope
        colleague = UserFactory(username=f"{role}-2", role=role, division=me.division)
    outsider = UserFactory(username="outsider", role=Role.TOWNSHIP_STAFF, division=tree.other_township)
    own = _done_job(kind=kind, user=me)
    in_scope = _done_job(kind=kind, user=colleague)
    out_of_scope = _done_job(kind=kind, user=outsider)
    client.force_login(me)
    api = APIClient()
    api.force_authenticate(me)

    everything = dict.fromkeys((*PAGES, "api"), 200)
    nothing = dict.fromkeys((*PAGES, "api"), 404)
    assert _answers(client, api, own) == everything
    others = everything if role == "superuser" else nothing
    assert _answers(client, api, in_scope) == others, "another user's job in my scope"
    assert _answers(client, api, out_of_scope) == others, "a job outside my scope"

    listed = {job.pk for job, _label in client.get(reverse("jobs:list")).context["rows"]}
    api_listed = {row["id"] for row in api.get("/api/v1/jobs/").json()["results"]}
    expected = {own.pk, in_scope.pk, out_of_scope.pk} if role == "superuser" else {own.pk}
    assert listed == expected
    assert api_listed == {str(pk) for pk in expected}
    # Only the downloads that were answered are in the log, each naming the requester.
    logged = AccessLog.objects.filter(user=me).values_list("object_id", "requested_by")
    assert set(logged) == {(str(pk), Job.objects.get(pk=pk).created_by_id) for pk in expected}


@pytest.mark.parametrize("role", ROLES)
def test_the_job_admin_shows_the_requester_their_own_jobs_only(client, tree, users, role):
    me = _user(users, role)
    if not me.is_staff:
        pytest.skip("no admin for village cadres")
    colleague = UserFactory(username="colleague", role=Role.TOWNSHIP_STAFF, division=tree.township)
    own = _done_job(kind=KINDS[0], user=me)
    other = _done_job(kind=KINDS[0], user=colleague)
    client.force_login(me)
    listed = set(client.get(reverse("admin:common_job_changelist")).context["cl"].result_list)
    change = client.get(reverse("admin:common_job_change", args=[other.pk])).status_code
    if role == "superuser":
        assert listed == {own, other} and change == 200
    else:
        assert listed == {own} and change == 404


# --- files under /media/ ----------------------------------------------------------------------


def test_job_files_are_never_served_under_media(client, tree, users):
    auditor = users[Role.COUNTY_AUDITOR]
    job = _done_job(kind="beneficiaries.export_roster", user=auditor)
    url = job.result.url
    assert url.startswith("/media/jobs/")
    assert client.get(url).status_code == 404  # anonymous
    for user in (users[Role.COUNTY_REVIEWER], users[Role.TOWNSHIP_STAFF], auditor, users["admin"]):
        client.force_login(user)
        # not even to the requester: the job's download checks the user and writes the log
        assert client.get(url).status_code == 404, user.username
    client.force_login(auditor)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200


def test_no_mode_serves_media_as_static_files(settings):
    """``make run`` runs with DEBUG on: it used to add django.views.static.serve for /media/."""
    import importlib

    import config.urls
    from config.media import media_file

    settings.DEBUG = True
    try:
        patterns = importlib.reload(config.urls).urlpatterns
        callbacks = [getattr(pattern, "callback", None) for pattern in patterns]
        assert all(getattr(callback, "__name__", "") != "serve" for callback in callbacks)
        assert media_file in callbacks
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)


def test_every_stored_file_has_a_media_rule():
    """A new FileField must say who may fetch its files (config/media.py); history copies are
    never served (no rule names them)."""
    named = {(kind.model, field) for kind in MEDIA_KINDS for field in kind.fields}
    fields = {
        (model._meta.label, field.name)
        for model in apps.get_models()
        if not model._meta.model_name.startswith("historical")
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }
    assert fields - named == set()


def _stored(name: str, content: bytes = b"\x89PNG\r\n") -> str:
    saved = default_storage.save(name, ContentFile(content))
    assert saved == name
    return saved


def _media_records(tree, users) -> list[tuple[str, str, bool]]:
    """(kind, storage name, public) of one record of each served kind in the first village or
    township; the township's staff may see each, the other county's staff none."""
    import uuid

    from beneficiaries.models import Household
    from fieldwork.models import HomeVisit, VisitPhoto
    from projects.models import SiteControl
    from projects.tests.factories import ProjectFactory, SiteFactory
    from publicity.models import ActivityPhoto, InfoSubmission
    from publicity.tests.factories import ActivityFactory, SubmissionFactory

    staff = users[Role.TOWNSHIP_STAFF]
    household = Household.objects.create(village=tree.village, number="H1")
    visit = HomeVisit.objects.create(
        client_id=uuid.uuid4(),
        household=household,
        village=tree.village,
        visited_on=datetime.date(2026, 3, 1),
        purpose="collect",
        visitor=users[Role.VILLAGE_CADRE],
    )
    photo = VisitPhoto.objects.create(visit=visit, image=_stored("visits/2026/03/a.jpg"))
    site = SiteFactory(project=ProjectFactory(division=tree.township), division=tree.village)
    control = SiteControl.objects.create(
        site=site,
        control="contract",
        done_on=datetime.date(2026, 3, 2),
        document=_stored("projects/sites/2026/c.pdf"),
    )
    department = tree.township.departments.get()
    draft = SubmissionFactory(
        department=department, created_by=staff, photo_before=_stored("publicity/infosubmission/d.png")
    )
    published = SubmissionFactory(
        department=department,
        created_by=staff,
        status=InfoSubmission.Status.PUBLISHED,
        photo_after=_stored("publicity/infosubmission/p.png"),
    )
    activity = ActivityFactory(division=tree.village, created_by=staff)
    activity_photo = ActivityPhoto.objects.create(
        activity=activity, image=_stored("publicity/activityphoto/a.png"), uploaded_by=staff
    )
    return [
        ("visit photo", photo.image.name, False),
        ("site document", control.document.name, False),
        ("draft submission photo", draft.photo_before.name, False),
        ("published submission photo", published.photo_after.name, True),
        ("activity photo", activity_photo.image.name, False),
    ]


def test_media_files_are_served_only_to_who_may_see_their_record(client, tree, users):
    records = _media_records(tree, users)
    served = {kind.prefix for kind in MEDIA_KINDS if kind.served}
    assert {next(p for p in served if name.startswith(p)) for _, name, _ in records} == served
    outsider = UserFactory(username="outsider", role=Role.TOWNSHIP_STAFF, division=tree.other_township)
    who = {
        "anonymous": None,
        "staff": users[Role.TOWNSHIP_STAFF],
        "outsider": outsider,
        "admin": users["admin"],
    }
    answers = {}
    for label, user in who.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for what, name, _public in records:
            answers[(label, what)] = client.get(f"/media/{name}").status_code
    expected = {}
    for what, _name, public in records:
        expected[("anonymous", what)] = 200 if public else 404
        expected[("staff", what)] = 200
        expected[("outsider", what)] = 200 if public else 404
        expected[("admin", what)] = 200
    assert answers == expected
    # An unknown file, a file nobody's record holds, a path that climbs out: 404.
    client.force_login(users["admin"])
    _stored("publicity/infosubmission/orphan.png")
    for path in (
        "/media/orphan.png",
        "/media/publicity/infosubmission/orphan.png",
        "/media/visits/../jobs/x",
    ):
        assert client.get(path).status_code == 404, path


def test_a_site_document_is_a_download_not_a_page(client, tree, users):
    from projects.models import SiteControl
    from projects.tests.factories import ProjectFactory, SiteFactory

    site = SiteFactory(project=ProjectFactory(division=tree.township), division=tree.village)
    control = SiteControl.objects.create(
        site=site,
        control="contract",
        done_on=datetime.date(2026, 3, 2),
        document=_stored("projects/sites/2026/x.html", b"<script>"),
    )
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.get(control.document.url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


# --- real runs: the roster export and a monthly report PDF ------------------------------------


def _run(user, kind, params):
    with transaction.atomic():
        job = job_enqueue(user=user, kind=kind, params=params)
    assert job_run(job_id=job.pk) == "done", Job.objects.get(pk=job.pk).message
    return Job.objects.get(pk=job.pk)


def test_the_auditors_roster_export_is_theirs_and_logged_unmasked(client, tree, users, monkeypatch):
    from beneficiaries.tests.factories import active_enrolment
    from projects.tests.factories import ProjectFactory

    monkeypatch.setattr(job_run_task, "delay", lambda job_id: None)
    project = ProjectFactory(division=tree.township)
    enrolments = [
        active_enrolment(
            project=project, village=tree.village, name=f"村民{i}", card=f"62284800123456789{i:02d}"
        )
        for i in range(7)
    ]
    whole_number = enrolments[0].person.id_number
    auditor, reviewer = users[Role.COUNTY_AUDITOR], users[Role.COUNTY_REVIEWER]
    audited = _run(auditor, "beneficiaries.export_roster", {"filters": {}})
    assert (audited.result_rows, audited.result_unmasked) == (7, True)

    # The reviewer (same county) cannot open the auditor's job nor its file.
    client.force_login(reviewer)
    for name in PAGES:
        assert client.get(reverse(f"jobs:{name}", args=[audited.pk])).status_code == 404, name
    assert client.get(audited.result.url).status_code == 404
    reviewed = _run(reviewer, "beneficiaries.export_roster", {"filters": {}})
    assert (reviewed.result_rows, reviewed.result_unmasked) == (7, False)
    response = client.get(reverse("jobs:download", args=[reviewed.pk]))
    masked = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert whole_number not in {cell.value for row in masked.iter_rows() for cell in row}

    client.force_login(auditor)
    response = client.get(reverse("jobs:download", args=[audited.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert whole_number in {cell.value for row in sheet.iter_rows() for cell in row}
    entry = AccessLog.objects.get(user=auditor)
    assert (entry.action, entry.rows, entry.requested_by, entry.object_id) == (
        AccessLog.Action.DOWNLOAD_UNMASKED,
        7,
        auditor,
        str(audited.pk),
    )
    plain = AccessLog.objects.get(user=reviewer)
    assert (plain.action, plain.rows) == (AccessLog.Action.DOWNLOAD, 7)
    # The auditor reads the whole county's log, the reviewer's download included; a township's
    # staff member is refused the page, and another county's auditor sees neither entry.
    page = client.get(reverse("reports:access-log"))
    assert set(page.context["page"].object_list) == {entry, plain}
    other_auditor = UserFactory(username="auditor2", role=Role.COUNTY_AUDITOR, division=tree.other_county)
    client.force_login(other_auditor)
    assert list(client.get(reverse("reports:access-log")).context["page"].object_list) == []


def test_a_monthly_report_pdf_download_counts_the_reports_data_rows(client, tree, users):
    from reports import services
    from reports.tests.factories import township_project

    township_project(tree)
    report = services.monthly_report_generate(
        township_id=tree.township.pk, month=datetime.date(2026, 10, 1), user=Scope.system("test data")
    )
    assert report.data_row_count > 0
    client.force_login(users[Role.COUNTY_AUDITOR])
    response = client.get(reverse("reports:report-file", args=[report.pk, "pdf"]))
    assert response.status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.action, entry.rows) == (AccessLog.Action.DOWNLOAD, report.data_row_count)
