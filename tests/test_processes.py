"""Real processes: a Celery worker on the real Redis, and the web server started as a process."""

import urllib.request

import pytest

from org.models import Role
from org.tasks import division_summary_task
from tests.processes import VENV_BIN, child_env, free_port, process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_task_round_trips_through_redis_and_a_worker(tree, users, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    args = [
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
    with process(args, env=child_env(), log_name="celery-worker.log"):
        result = division_summary_task.delay(
            user_id=users[Role.COUNTY_REVIEWER].pk, division_id=tree.county.pk
        )
        assert result.get(timeout=60) == {"division": tree.county.code, "townships": 2, "villages": 3}
        # The worker re-checks scope: a cadre asking about the county gets nothing.
        failing = division_summary_task.delay(
            user_id=users[Role.VILLAGE_CADRE].pk, division_id=tree.county.pk
        )
        with pytest.raises(Exception) as excinfo:
            failing.get(timeout=60)
        assert "Http404" in type(excinfo.value).__name__ or "No Division" in str(excinfo.value)


def test_web_server_process_serves_chinese_login_page(db):
    port = free_port()
    url = f"http://127.0.0.1:{port}/accounts/login/"

    def ready():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return True
        except OSError:
            return False

    args = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logfile",
        "-",
    ]
    with process(args, env=child_env(), log_name="gunicorn.log", ready=ready):
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode()
            assert response.status == 200
            assert response.headers["Content-Language"] == "zh-hans"
        assert "登录" in body and "用户名" in body
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/vendor/bootstrap/bootstrap.min.css", timeout=10
        ) as response:
            assert response.status == 200
