"""A real Celery worker is killed (SIGKILL) while it sleeps inside the generation's transaction;
the message is delivered again to a second worker, and exactly one current report results."""

import datetime
import signal
import time

import pytest

from reports.models import MonthlyReport
from reports.tasks import monthly_report_generate_task
from reports.tests.factories import township_project
from tests.processes import VENV_BIN, child_env, process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WORKER = [
    str(VENV_BIN / "celery"),
    "-A",
    "config",
    "worker",
    "--pool",
    "solo",
    "--concurrency",
    "1",
    "--loglevel",
    "INFO",
    "--without-heartbeat",
    "--without-gossip",
    "--without-mingle",
]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_worker_leaves_nothing_and_the_retry_makes_one_current_report(tree, tmp_path, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    township_project(tree)
    marker = tmp_path / "paused"
    env = {"DJANGO_SETTINGS_MODULE": "reports.tests.worker_settings", "REPORTS_TEST_VISIBILITY_TIMEOUT": "2"}
    first = child_env(**env, REPORTS_TEST_PAUSE_SECONDS="120", REPORTS_TEST_PAUSE_MARKER=str(marker))
    with process(WORKER, env=first, log_name="reports-worker-killed.log") as worker:
        monthly_report_generate_task.delay(tree.township.pk, "2026-10", system="test: the schedule")
        wait_for(marker.exists, 60, "the worker to pause inside the transaction")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    # The dead worker's transaction is rolled back: nothing half-written, nothing current.
    wait_for(lambda: not MonthlyReport.objects.exists(), 10, "the rollback")
    time.sleep(2.5)  # past the visibility timeout
    with process(WORKER, env=child_env(**env), log_name="reports-worker-retry.log"):
        wait_for(
            lambda: MonthlyReport.objects.filter(is_current=True).exists(),
            90,
            "the redelivered task to finish",
        )
        # a duplicate delivery would find the current report and change nothing
        monthly_report_generate_task.delay(tree.township.pk, "2026-10", system="test: the schedule").get(
            timeout=60
        )
    reports = MonthlyReport.objects.filter(township=tree.township, month=datetime.date(2026, 10, 1))
    assert reports.count() == 1
    assert reports.filter(is_current=True).count() == 1
