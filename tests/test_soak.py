"""A short soak (issue 9; `make soak` runs the long one): simulated village cadres post new
registrations through the API of a real gunicorn on loopback for a few seconds, with Redis
stopped half-way. Zero errors, and every registration the server confirmed is stored exactly
once (the ID number is the identity key)."""

import os
import subprocess
import urllib.request

import pytest
from rest_framework.authtoken.models import Token

from bench.soak import run_soak
from beneficiaries.models import Person
from core.demo import demo_id_number
from org.models import Role, User
from tests.processes import VENV_BIN, child_env, free_port, process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SECONDS = float(os.environ.get("SOAK_SECONDS", "8"))
CADRES = int(os.environ.get("SOAK_CADRES", "10"))


def test_cadres_post_under_load_and_everything_is_stored_once(tree, users, tmp_path):
    import random

    villages = [tree.village, tree.village2, tree.village3]
    cadres = []
    for i in range(CADRES):
        village = villages[i % len(villages)]
        user = User.objects.create(username=f"soak-cadre-{i}", role=Role.VILLAGE_CADRE, division=village)
        cadres.append(
            {
                "token": Token.objects.create(user=user).key,
                "village": village.pk,
                "rng": random.Random(i),
                "index": i,
            }
        )

    def payload(cadre, n):
        number = demo_id_number(cadre["rng"], sequence=cadre["index"] * 1000 + n, min_age=20, max_age=80)
        return {"id_number": number, "name": "测试", "village": cadre["village"]}

    port = free_port()
    redis_port = free_port()
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(redis_dir),
        ],
        stdout=subprocess.DEVNULL,
    )
    env = child_env(REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")

    def ready():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return True
        except OSError:
            return False

    stopped = {"redis": False}

    def on_tick(elapsed):
        if elapsed > SECONDS / 2 and not stopped["redis"]:
            redis.terminate()
            redis.wait()
            stopped["redis"] = True

    args = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--timeout",
        "30",
    ]
    try:
        with process(args, env=env, log_name="gunicorn-soak.log", ready=ready):
            result = run_soak(
                base_url=f"http://127.0.0.1:{port}",
                cadres=cadres,
                make_payload=payload,
                path="/api/v1/persons/",
                seconds=SECONDS,
                on_tick=on_tick,
            )
    finally:
        if redis.poll() is None:
            redis.terminate()
    assert stopped["redis"]
    assert result.errors == [], result.summary()
    assert result.requests > CADRES, result.summary()
    confirmed = [p["id_number"] for p, _body in result.created]
    assert len(confirmed) == len(set(confirmed))
    stored = Person.objects.filter(name="测试").count()
    assert stored == len(confirmed), result.summary()
    for number in confirmed[:50]:
        assert Person.objects.with_id_number(number).count() == 1
