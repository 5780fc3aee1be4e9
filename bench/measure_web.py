"""Requests per second under gunicorn on loopback: the township's busiest pages (home, and the
township dashboard) against a trivial Django view (robots.txt) on the same server, same
workers, same load."""

import contextlib
import http.client
import os
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from bench.harness import line, measurement
from org.models import User

ROOT = Path(settings.BASE_DIR)
PORT = int(os.environ.get("BENCH_WEB_PORT", "28001"))
THREADS, SECONDS = 8, 8.0


def _session_cookie(username: str) -> str:
    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _rate(path: str, cookie: str, seconds: float = SECONDS) -> tuple[float, int]:
    """Requests per second over ``seconds`` with THREADS keep-alive connections; and the errors."""
    counts, errors = [0] * THREADS, [0] * THREADS
    deadline = time.monotonic() + seconds

    def worker(index):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        while time.monotonic() < deadline:
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                counts[index] += 1
            else:
                errors[index] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds, sum(errors)


@contextlib.contextmanager
def _server():
    """gunicorn on loopback (2 workers × 4 threads, connections kept), stopped afterwards."""
    log = open(ROOT / "var/bench/gunicorn.log", "wb")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--env",
            "DB_CONN_MAX_AGE=60",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "DB_CONN_MAX_AGE": "60"},
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/robots.txt", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait()
        log.close()


def _page_against_trivial(name: str, *, path: str, username: str = "demo-staff", **extra) -> str:
    """Requests per second of ``path`` against robots.txt (a trivial Django view) on the same
    server, same workers, same load, one after the other."""
    with _server():
        cookie = _session_cookie(username)
        _rate(path, cookie, seconds=1.0)  # warm up each worker's templates and connection
        trivial_rps, trivial_errors = _rate("/robots.txt", cookie)
        page_rps, page_errors = _rate(path, cookie)
    # ratio as time per request: ours / floor
    return line(
        name,
        ours_s=1 / page_rps,
        floor_s=1 / trivial_rps,
        page_rps=round(page_rps, 1),
        trivial_rps=round(trivial_rps, 1),
        errors=page_errors + trivial_errors,
        server="gunicorn 2 workers x 4 threads",
        **extra,
    )


@measurement("web_home_rps_township_staff")
def web_home() -> str:
    return _page_against_trivial("web_home_rps_township_staff", path="/home/")


@measurement("web_dashboard_rps_township_staff")
def web_township_dashboard() -> str:
    """The township dashboard (issue 9's page) under the same load."""
    return _page_against_trivial("web_dashboard_rps_township_staff", path="/reports/")
