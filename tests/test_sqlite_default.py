"""make run's embedded SQLite database takes a Celery worker and a web page writing at once.

Issue 20: generating a monthly report under ``make run`` failed with "database is locked" while
its job page polled the status every second. The settings (WAL, IMMEDIATE transactions, a busy
timeout; config/settings.py) and status polls that write nothing (the session renewed at most
once a minute, org.middleware.SessionRenewalMiddleware) are what this proves, with the real
processes of ``make run``: ``manage.py runserver`` and a Celery worker on one SQLite file, the
job's page polled ten times a second while the worker writes the report."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from tests.processes import PYTHON, ROOT, VENV_BIN, free_port, process

pytestmark = pytest.mark.integration

SEED = """
import datetime, json
import django
django.setup()
from django.conf import settings
from django.test import Client
from common.models import Job
from org.models import Role
from org.tests.factories import UserFactory, county, township, village
from reports.tests.factories import township_project

class Tree: pass
tree = Tree()
tree.county = county("341226", "民安县")
tree.township = township(tree.county, "101", "城关镇")
tree.village = village(tree.township, "201", "东庄村")
for number in range(12):
    township_project(tree, villages=())
staff = UserFactory(username="staff", role=Role.TOWNSHIP_STAFF, division=tree.township)
last_month = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)
job = Job.objects.create(
    kind="reports.monthly_generate", created_by=staff, division=tree.township, language="zh-hans",
    params={"township_id": tree.township.pk, "month": f"{last_month:%Y-%m}"},
)
client = Client()
client.force_login(staff)
print(json.dumps({"job": str(job.pk), "session": client.cookies[settings.SESSION_COOKIE_NAME].value}))
"""


def _migrated_template(env: dict) -> Path:
    """A migrated SQLite file, made once per set of migrations (migrating takes ~20 s) and
    copied for each run."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.as_posix().encode() + path.read_bytes())
    template = ROOT / "var" / "test" / "sqlite-templates" / f"{digest.hexdigest()[:16]}.sqlite3"
    if not template.exists():
        template.parent.mkdir(parents=True, exist_ok=True)
        building = template.with_suffix(".building")
        building.unlink(missing_ok=True)
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**env, "DATABASE_URL": f"sqlite:///{building}"},
            check=True,
            timeout=300,
        )
        building.rename(template)
    return template


def _redis_url(db: int) -> str:
    # The test Redis, a database of its own: nothing else's tasks reach this worker.
    base = settings.REDIS_URL.rsplit("/", 1)[0]
    return f"{base}/{db}"


def test_a_job_writes_while_its_page_is_polled(tmp_path):
    database = tmp_path / "portal.sqlite3"
    redis_url = _redis_url(7)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "DJANGO_SETTINGS"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
        MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="development",
        PYTHONUNBUFFERED="1",
    )
    shutil.copyfile(_migrated_template(env), database)
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")  # WAL is the settings' doing, not the copy's
    seeded = subprocess.run(
        [PYTHON, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    made = json.loads(seeded.stdout.strip().splitlines()[-1])
    logged_in = time.monotonic()
    session_sql = "SELECT expire_date FROM django_session WHERE session_key = ?"
    with closing(sqlite3.connect(database)) as connection:
        (expiry_at_login,) = connection.execute(session_sql, [made["session"]]).fetchone()
    port = free_port()
    status_url = f"http://127.0.0.1:{port}/jobs/{made['job']}/status/"
    cookie = f"sessionid={made['session']}"

    def get(url):
        request = urllib.request.Request(url, headers={"Cookie": cookie, "HX-Request": "true"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def ready():
        try:
            return get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        except OSError:
            return False

    web = [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    worker = [
        *(str(VENV_BIN / "celery"), "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
    ]
    with (
        process(web, env=env, log_name="sqlite-runserver.log", ready=ready, timeout=60),
        process(worker, env=env, log_name="sqlite-celery.log"),
    ):
        polls: list[tuple[int, str]] = []
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                polls.append(get(status_url))
                time.sleep(0.1)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        time.sleep(0.5)  # the page is being polled before the worker starts writing
        Celery(broker=redis_url).send_task("common.job_run", args=[made["job"]])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            "text-bg-success" in body or "text-bg-danger" in body for _, body in polls[-3:]
        ):
            time.sleep(0.2)
        time.sleep(0.3)  # a few polls after the end, when the page stops polling itself
        stop.set()
        poller.join(timeout=35)

    logs = ROOT / "var" / "test" / "logs"
    worker_log = (logs / "sqlite-celery.log").read_text(errors="replace")
    web_log = (logs / "sqlite-runserver.log").read_text(errors="replace")
    with closing(sqlite3.connect(database)) as connection:
        status, message = connection.execute(
            "SELECT status, message FROM common_job WHERE id = ?", [made["job"].replace("-", "")]
        ).fetchone()
        reports = connection.execute("SELECT count(*) FROM reports_monthlyreport").fetchone()[0]
        (journal_mode,) = connection.execute("PRAGMA journal_mode").fetchone()
        (expiry,) = connection.execute(session_sql, [made["session"]]).fetchone()
    assert journal_mode == "wal"  # readers go on while the worker writes
    assert "database is locked" not in worker_log + web_log
    assert (status, reports) == ("done", 1), f"{status}: {message}\n{worker_log[-3000:]}"
    codes = [code for code, _ in polls]
    assert len(polls) >= 10, "the page was not polled while the job ran"
    assert set(codes) == {200}, [code for code in codes if code != 200]
    assert any("text-bg-primary" in body for _, body in polls), "no poll saw the job running"
    if time.monotonic() - logged_in < 55:
        # Inside SESSION_RENEW_SECONDS of the login the polls wrote nothing, not even the session.
        assert expiry == expiry_at_login
