"""Faults (issue 9): the broker (Redis) gone while people work. Pages keep answering, a
background job started meanwhile waits instead of failing the request, and it runs once the
broker is back (common.job_requeue). PostgreSQL restarts are covered by CONN_HEALTH_CHECKS and
the soak run."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from common.jobs import job_requeue_task
from common.models import Job
from config.celery import app
from org.models import Role
from projects.tests.factories import project_with_targets


def _use_broker(url: str) -> None:
    # Drop the app's references only: kombu keeps one pool per connection URL in a registry,
    # and closing the real one here would break every later test that sends a task.
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings, tmp_path):
    """Point the Celery app and the health check at a port where nothing listens."""
    settings.MEDIA_ROOT = tmp_path / "media"
    real = app.conf.broker_url
    _use_broker("redis://127.0.0.1:1/0")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    yield real
    _use_broker(real)


def test_pages_answer_and_jobs_wait_while_redis_is_down_then_run(
    client, tree, users, broker_down, django_capture_on_commit_callbacks
):
    project_with_targets(tree, year=timezone.localdate().year)
    client.force_login(users[Role.TOWNSHIP_STAFF])
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("projects:project-list")).status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["database"] == "ok"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:excel-export"), {"kind": "table", "year": timezone.localdate().year}
        )
    assert response.status_code == 302  # the request did not fail
    job = Job.objects.get()
    assert job.status == Job.Status.CREATED
    assert client.get(response["Location"]).status_code == 200  # the job page shows it waiting

    # The broker returns; the requeue task (run here eagerly) sends it and it runs.
    _use_broker(broker_down)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    app.conf.task_always_eager = True
    try:
        assert job_requeue_task(older_than_seconds=60) == 1
    finally:
        app.conf.task_always_eager = False
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result_name.endswith(".xlsx")
    assert job_requeue_task(older_than_seconds=60) == 0  # nothing left waiting


def test_database_outage_answers_503_with_a_message(rf):
    from django.db import OperationalError

    from org.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    api = middleware.process_exception(
        rf.get("/api/v1/persons/"), OperationalError("server closed the connection")
    )
    assert api.status_code == 503 and api["Retry-After"] == "30"
    assert "数据库" in json.loads(api.content)["detail"]
    page = middleware.process_exception(rf.get("/home/"), OperationalError("connection refused"))
    assert page.status_code == 503 and "数据库" in page.content.decode()
    assert middleware.process_exception(rf.get("/home/"), ValueError("a bug")) is None  # bugs stay 500s
