"""Background jobs: enqueue rights, the status machine, all-or-nothing runs, progress seen from
other connections, pages / downloads / API for the requester only, flat query counts, and a real
worker. (Every job kind × every role: tests/test_job_ownership.py.)"""

import io
import threading
import time
import urllib.parse

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from common import jobs
from common.jobs import Progress, job_enqueue, job_get, job_list, job_progress, job_run, job_run_task
from common.models import Job
from common.tests import job_handlers
from common.tests.job_handlers import gate_key
from core.tests.xlsx_files import workbook
from org.models import Department, Role
from org.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enqueued(monkeypatch):
    """The ids handed to the broker (the broker itself is tested with the real worker below)."""
    sent = []
    monkeypatch.setattr(job_run_task, "delay", lambda job_id: sent.append(job_id))
    return sent


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    cache.clear()
    yield
    cache.clear()


def departments_file(names, name="部门.xlsx"):
    return SimpleUploadedFile(name, workbook([["部门名称", "电话"], *[[n, "0558-1"] for n in names]]))


def start(user, kind, **kwargs) -> Job:
    with transaction.atomic():
        return job_enqueue(user=user, kind=kind, **kwargs)


# --- enqueue ----------------------------------------------------------------------------------


def test_enqueue_checks_role_and_scope_and_sends_after_commit(
    tree, users, enqueued, django_capture_on_commit_callbacks
):
    staff = users[Role.TOWNSHIP_STAFF]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = job_enqueue(
            user=staff, kind="test.department_import", params={"year": 2026}, upload=departments_file(["甲"])
        )
    assert len(callbacks) == 1 and enqueued == [str(job.pk)]
    job.refresh_from_db()
    assert (job.status, job.division, job.created_by, job.upload_name) == (
        "created",
        tree.township,
        staff,
        "部门.xlsx",
    )
    assert job.upload.name.endswith(f"{job.pk}/upload.xlsx")  # the user's file name never reaches the disk
    with pytest.raises(PermissionDenied):
        job_enqueue(user=users[Role.VILLAGE_CADRE], kind="test.department_import")
    with pytest.raises(PermissionDenied):
        job_enqueue(user=users[Role.COUNTY_AUDITOR], kind="test.department_import")
    with pytest.raises(PermissionDenied):
        job_enqueue(user=staff, kind="test.department_export", division=tree.township2)
    assert (
        job_enqueue(user=staff, kind="test.department_export", division=tree.village).division == tree.village
    )
    with pytest.raises(ValueError):
        job_enqueue(user=staff, kind="no.such.kind")
    assert Job.objects.count() == 2


# --- the status machine -----------------------------------------------------------------------


def test_import_runs_all_or_nothing_and_second_delivery_is_a_no_op(tree, users, enqueued):
    job = start(
        users[Role.TOWNSHIP_STAFF], "test.department_import", upload=departments_file(["甲", "乙", "丙"])
    )
    assert job_run_task(str(job.pk)) == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.processed, job.total) == ("done", 1, 3, 3)
    assert job.message == "3 个部门已导入。" and job.started_at and job.finished_at
    assert set(tree.township.departments.values_list("name", flat=True)) == {"民政所", "甲", "乙", "丙"}
    # The broker delivers the message again: the job is done, nothing runs twice.
    assert job_run_task(str(job.pk)) == "done"
    job.refresh_from_db()
    assert job.attempts == 1 and tree.township.departments.count() == 4
    assert job_run(job_id="00000000-0000-0000-0000-000000000000") == "missing"


def test_row_errors_fail_the_job_and_nothing_is_written(tree, users, enqueued):
    file = SimpleUploadedFile(
        "部门.xlsx", workbook([["部门名称", "电话"], ["甲", "1"], [None, "2"], ["乙" * 61, "3"]])
    )
    job = start(users[Role.TOWNSHIP_STAFF], "test.department_import", upload=file)
    assert job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.error_count == 2
    assert "2 errors in the file; nothing was imported." in job.message or "2 处错误" in job.message
    assert [(e["row"], e["column"], e["header"]) for e in job.errors] == [
        (3, "A", "部门名称"),
        (4, "A", "部门名称"),
    ]
    assert job.errors[1]["value"] == "乙" * 61
    assert tree.township.departments.count() == 1


def test_a_failure_half_way_rolls_back_what_the_handler_wrote(tree, users, enqueued):
    job = start(
        users[Role.TOWNSHIP_STAFF],
        "test.department_import",
        params={"fail_at": "丙"},
        upload=departments_file(["甲", "乙", "丙", "丁"]),
    )
    assert job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.message == "第 4 行：模拟的业务校验失败。"
    assert tree.township.departments.count() == 1  # 甲 and 乙 are gone with the transaction


def test_file_refusal_fails_the_job_with_its_message(tree, users, enqueued):
    job = start(
        users[Role.TOWNSHIP_STAFF],
        "test.department_import",
        upload=SimpleUploadedFile("部门.xlsx", "部门名称\n甲\n".encode()),
    )
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "部门.xlsx" in job.message and job.errors == []


def test_redelivery_after_a_dead_worker_runs_again(tree, users, enqueued):
    job = start(users[Role.TOWNSHIP_STAFF], "test.department_import", upload=departments_file(["甲"]))
    # The first worker claimed the job and died: its transaction (and lock) went with it.
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1)
    assert job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert job.attempts == 2 and tree.township.departments.filter(name="甲").count() == 1


@pytest.mark.django_db(transaction=True)
def test_delivery_while_another_worker_holds_the_job_returns_at_once(tree, users, enqueued):
    job = start(users[Role.TOWNSHIP_STAFF], "test.department_import", upload=departments_file(["甲"]))
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            Job.objects.select_for_update().get(pk=job.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        assert job_run(job_id=job.pk) == "running"
        assert time.monotonic() - started < 2
    finally:
        release.set()
        thread.join()
    job.refresh_from_db()
    assert job.attempts == 1 and not Department.objects.filter(name="甲").exists()


def test_unexpected_error_fails_with_a_generic_message_and_rolls_back(tree, users, enqueued, caplog):
    job = start(users[Role.TOWNSHIP_STAFF], "test.crash")
    assert job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert str(job.pk) in job.message and "a bug" not in job.message
    assert not Department.objects.filter(name="半截").exists()
    assert "a bug" in caplog.text


def test_transient_error_is_retried_then_fails_the_job(tree, users, enqueued):
    job = start(users[Role.TOWNSHIP_STAFF], "test.transient")
    with pytest.raises(OperationalError):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "running"  # the task's autoretry runs it again
    assert OperationalError in job_run_task.autoretry_for
    # Retries exhausted: Celery calls on_failure, and the job must not stay "running".
    job_run_task.on_failure(OperationalError("down"), "task-id", (str(job.pk),), {}, None)
    job.refresh_from_db()
    assert job.status == "failed" and job.message


def test_worker_rechecks_the_user(tree, users, enqueued):
    staff = users[Role.TOWNSHIP_STAFF]
    job = start(staff, "test.department_import", upload=departments_file(["甲"]))
    staff.is_active = False
    staff.save()
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and not Department.objects.filter(name="甲").exists()
    mover = UserFactory(username="mover", role=Role.TOWNSHIP_STAFF, division=tree.township)
    job = start(mover, "test.department_import", upload=departments_file(["乙"]))
    mover.role = Role.VILLAGE_CADRE
    mover.division = tree.village
    mover.save()
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and not Department.objects.filter(name="乙").exists()


def test_done_with_non_fatal_row_notes(tree, users, enqueued):
    job = start(users[Role.TOWNSHIP_STAFF], "test.row_warnings")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert job.errors == [
        {"row": 3, "column": "B", "header": "电话", "value": "123", "message": "号码太短。"}
    ]


# --- progress ---------------------------------------------------------------------------------


def test_progress_is_throttled(monkeypatch):
    writes = []

    class Cache:
        def set(self, key, value, timeout):
            writes.append(value)

    monkeypatch.setattr(jobs, "cache", Cache())
    progress = Progress("x")
    for done in range(1, 50_001):
        progress(done, 50_000)
    assert 100 <= len(writes) <= 110  # once per percent (and at the end), not 50,000 times
    assert writes[-1] == {"done": 50_000, "total": 50_000}


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_from_another_connection_while_the_handler_runs(
    tree, users, enqueued, redis_cache, client
):
    staff = users[Role.TOWNSHIP_STAFF]
    job = start(staff, "test.gate")
    outcome = {}

    def worker():
        try:
            outcome["status"] = job_run(job_id=job.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            row = Job.objects.get(pk=job.pk)  # this thread's own database connection
            if job_progress(row)["done"] == 40 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert row.status == "running" and row.processed == 0  # the row itself is not touched
        assert job_progress(row) == {"done": 40, "total": 100, "percent": 40}
        # The handler's write is not visible yet: it lands with "done" or not at all.
        assert not Department.objects.filter(name=f"门-{job.pk}").exists()
        client.force_login(staff)
        partial = client.get(reverse("jobs:status", args=[job.pk])).content.decode()
        assert "width: 40%" in partial and 'hx-trigger="every 1s"' in partial
    finally:
        cache.set(gate_key(job.pk), True, 60)
        thread.join(30)
    assert outcome["status"] == "done"
    job.refresh_from_db()
    assert (job.processed, job.total, job.result_name) == (100, 100, "结果.csv")
    assert Department.objects.filter(name=f"门-{job.pk}").exists()
    partial = client.get(reverse("jobs:status", args=[job.pk])).content.decode()
    assert "hx-trigger" not in partial and reverse("jobs:download", args=[job.pk]) in partial


# --- pages, downloads and the API: the requester's own ---------------------------------------


@pytest.fixture
def cadre_export(tree, users, enqueued):
    """An export started by the village cadre of 东庄村, done, with a result file."""
    job = start(users[Role.VILLAGE_CADRE], "test.department_export")
    assert job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    "who, expected",
    [
        ("creator", 200),
        # A job is its requester's, whatever the other user's role or scope (it used to be
        # everyone's whose scope covered the job's division).
        (Role.TOWNSHIP_STAFF, 404),
        (Role.TOWNSHIP_LEADER, 404),
        (Role.COUNTY_AUDITOR, 404),
        (Role.COUNTY_REVIEWER, 404),
        ("admin", 200),
        ("cadre_of_other_village", 404),
        ("staff_of_other_township", 404),
        ("staff_of_other_county", 404),
    ],
)
def test_job_pages_and_download_are_the_requesters(client, tree, users, cadre_export, who, expected):
    others = {
        "creator": users[Role.VILLAGE_CADRE],
        "cadre_of_other_village": UserFactory(
            username="cadre2", role=Role.VILLAGE_CADRE, division=tree.village2
        ),
        "staff_of_other_township": UserFactory(
            username="staff2", role=Role.TOWNSHIP_STAFF, division=tree.township2
        ),
        "staff_of_other_county": UserFactory(
            username="staff3", role=Role.TOWNSHIP_STAFF, division=tree.other_township
        ),
    }
    client.force_login(others.get(who) or users[who])
    job = cadre_export
    for name in ("detail", "status", "download"):
        response = client.get(reverse(f"jobs:{name}", args=[job.pk]))
        assert response.status_code == expected, name
    api = APIClient()
    api.force_authenticate(others.get(who) or users[who])
    response = api.get(f"/api/v1/jobs/{job.pk}/")
    assert response.status_code == expected
    listed = {row["id"] for row in api.get("/api/v1/jobs/").json()["results"]}
    assert (str(job.pk) in listed) == (expected == 200)


def test_download_streams_the_file_with_its_chinese_name(client, users, cadre_export):
    client.force_login(users[Role.VILLAGE_CADRE])
    response = client.get(reverse("jobs:download", args=[cadre_export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" + urllib.parse.quote("部门导出.xlsx") in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [cell.value for cell in sheet[1]] == ["部门名称", "所属区划"]
    # The cadre sees only their village's departments: none; the export has just the header.
    assert sheet.max_row == 1


def test_download_of_unfinished_job_is_404(client, users, enqueued):
    job = start(users[Role.TOWNSHIP_STAFF], "test.department_export")
    client.force_login(users[Role.TOWNSHIP_STAFF])
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "progress-bar-animated" in page


def test_selectors(tree, users, cadre_export):
    assert job_get(user=users[Role.VILLAGE_CADRE], pk=cadre_export.pk) == cadre_export
    assert job_get(user=users["admin"], pk=cadre_export.pk) == cadre_export
    with pytest.raises(Http404):
        job_get(user=users[Role.TOWNSHIP_STAFF], pk=cadre_export.pk)
    assert list(job_list(user=users[Role.VILLAGE_CADRE])) == [cadre_export]
    assert list(job_list(user=users[Role.COUNTY_AUDITOR])) == []
    nobody = UserFactory(username="nobody", role="", division=None)
    assert list(job_list(user=nobody)) == []


def test_job_admin_is_read_only_and_the_requesters(client, tree, users, cadre_export, enqueued):
    staff = users[Role.TOWNSHIP_STAFF]
    own = start(staff, "test.department_export")
    assert job_run(job_id=own.pk) == "done"
    client.force_login(staff)
    listed = client.get(reverse("admin:common_job_changelist")).context["cl"].result_list
    assert list(listed) == [own]  # not the cadre's job of the staff member's own township
    change = client.get(reverse("admin:common_job_change", args=[own.pk]))
    body = change.content.decode()
    assert change.status_code == 200 and 'name="_save"' not in body
    assert "/media/jobs/" not in body  # the file only through the checked, logged download
    for name in ("change", "history"):
        response = client.get(reverse(f"admin:common_job_{name}", args=[cadre_export.pk]))
        assert response.status_code == 404, name  # another user's job: not even a redirect
    client.force_login(users["admin"])
    listed = client.get(reverse("admin:common_job_changelist")).context["cl"].result_list
    assert set(listed) == {own, cadre_export}
    assert client.get(reverse("admin:common_job_change", args=[cadre_export.pk])).status_code == 200


def _failed_job_with_errors(user, count):
    job = Job.objects.create(
        kind="test.department_import", created_by=user, division=user.division, status="failed"
    )
    job.errors = [
        {"row": i + 2, "column": "A", "header": "部门名称", "value": "x", "message": "错"}
        for i in range(count)
    ]
    job.error_count = count
    job.save()
    return job


def test_job_page_query_count_is_flat(client, users, django_assert_num_queries):
    staff = users[Role.TOWNSHIP_STAFF]
    client.force_login(staff)
    for count in (1, 1000):
        job = _failed_job_with_errors(staff, count)
        # 1 session, 2 user, 3 the job with its creator and division (the user's own: no scope
        # query), 4 the user's division for the page's menu. The session is renewed at most once
        # a minute: a page view writes nothing.
        # The row errors come with the job: 1 or 1,000 of them cost no query.
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("jobs:detail", args=[job.pk]))
        assert response.status_code == 200
        assert response.content.decode().count("<tr><td>") == count
        assert len(queries) == 4, "\n".join(q["sql"][:150] for q in queries)
        # The partial polled every second has no menu: 3, whatever the number of errors.
        with django_assert_num_queries(3):
            client.get(reverse("jobs:status", args=[job.pk]))


# --- a real worker on the real Redis ----------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_job_runs_in_a_real_worker(tree, users, redis_cache, settings, tmp_path, client):
    from tests.processes import PYTHON, child_env, process

    assert not settings.CELERY_TASK_ALWAYS_EAGER
    settings.MEDIA_ROOT = tmp_path / "media"
    launcher = (
        "import django; django.setup(); import common.tests.job_handlers; "
        "from config.celery import app; "
        "app.worker_main(['worker', '--pool', 'solo', '--concurrency', '1', '--loglevel', 'INFO', "
        "'--without-heartbeat', '--without-gossip', '--without-mingle'])"
    )
    env = child_env(DJANGO_SETTINGS_MODULE="config.settings", MEDIA_ROOT=str(tmp_path / "media"))
    staff = users[Role.TOWNSHIP_STAFF]
    with process([PYTHON, "-c", launcher], env=env, log_name="celery-job-worker.log"):
        job = start(staff, "test.gate")  # commits: on_commit sends the message to Redis
        deadline = time.monotonic() + 60
        seen = None
        while time.monotonic() < deadline:
            seen = job_progress(Job.objects.get(pk=job.pk))
            if seen["done"] == 40:
                break
            time.sleep(0.1)
        assert seen == {"done": 40, "total": 100, "percent": 40}  # written by the worker process
        cache.set(gate_key(job.pk), True, 60)
        while time.monotonic() < deadline and Job.objects.get(pk=job.pk).status != "done":
            time.sleep(0.1)
        job.refresh_from_db()
        assert job.status == "done" and job.attempts == 1
    client.force_login(staff)
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"gate,done\n"
    assert response["Content-Type"].startswith("text/csv")
    assert job_handlers.department_import  # the module the worker imported


def test_download_response_for_templates():
    from common.tests.job_handlers import DEPARTMENT_SPEC
    from common.views import download_response
    from core.excel import template_xlsx

    response = download_response(template_xlsx(DEPARTMENT_SPEC), filename="部门导入模板.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=utf-8''" + urllib.parse.quote("部门导入模板.xlsx") in response["Content-Disposition"]
    assert response.content.startswith(b"PK\x03\x04")


# --- files are not kept for ever ---------------------------------------------------------------


def test_old_job_files_are_deleted_and_the_rows_kept(tree, users, enqueued, settings):
    import datetime

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from common.jobs import job_files_purge

    staff = users[Role.TOWNSHIP_STAFF]
    old = start(staff, "test.department_import", upload=departments_file(["民政办"]))
    assert job_run(job_id=old.pk) == "done"
    recent = start(staff, "test.department_export")
    assert job_run(job_id=recent.pk) == "done"
    waiting = start(staff, "test.department_import", upload=departments_file(["财政所"]))
    old.refresh_from_db()
    recent.refresh_from_db()
    waiting.refresh_from_db()
    old.result.save("result.xlsx", ContentFile(b"x"), save=True)
    now = timezone.now()
    Job.objects.filter(pk=old.pk).update(finished_at=now - datetime.timedelta(days=8))
    orphan = default_storage.save("jobs/2026/01/crashed/result.xlsx", ContentFile(b"whole IDs"))
    kept_files = [recent.result.name, waiting.upload.name]
    old_files = [old.result.name, old.upload.name]

    assert job_files_purge(now=now + datetime.timedelta(days=1)) == {"results": 1, "uploads": 1, "orphans": 0}
    old.refresh_from_db()
    assert not old.result and not old.upload and old.upload_name  # the row and its names stay
    assert not any(default_storage.exists(name) for name in old_files)
    assert all(default_storage.exists(name) for name in kept_files)  # recent, or still waiting
    assert default_storage.exists(orphan)  # not old enough yet
    # ten days on: the recent one is old too, the orphan goes; the waiting upload stays
    counts = job_files_purge(now=now + datetime.timedelta(days=10))
    assert counts == {"results": 1, "uploads": 0, "orphans": 1}
    assert default_storage.exists(waiting.upload.name) and not default_storage.exists(orphan)


def test_purged_job_page_says_why_there_is_no_download(client, tree, users, enqueued, settings):
    staff = users[Role.TOWNSHIP_STAFF]
    job = start(staff, "test.department_export")
    assert job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(result="")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(staff)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The file was deleted 7 days after" in page
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_purge_is_scheduled_nightly(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="common.job_files_purge")
    assert task.enabled and task.crontab.hour == "3"
