"""Helpers to run real processes (web server, Celery worker) against the test database."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database pytest-django created (test_<name>), for child processes."""
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT']}/{s['NAME']}"


def child_env(**extra) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1", **extra})
    return env


@contextmanager
def process(args, *, env, log_name: str, ready=None, timeout: float = 30):
    log_dir = ROOT / "var" / "test" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / log_name, "wb")  # noqa: SIM115
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if ready is not None:
            deadline = time.monotonic() + timeout
            while not ready():
                if proc.poll() is not None:
                    raise RuntimeError(f"{args[0]} exited early: {(log_dir / log_name).read_text()[-2000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{args[0]} not ready: {(log_dir / log_name).read_text()[-2000:]}")
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent
