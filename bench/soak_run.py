"""make soak: 50 simulated village cadres post registrations for 60 s to gunicorn on loopback;
at 20 s Redis stops, at 30 s PostgreSQL restarts, at 40 s Redis returns. Prints one JSON line
with the counts, and exits non-zero when a confirmed registration is missing or doubled, or
when requests still fail after the faults are over (the web must recover by itself)."""

import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from bench.soak import run_soak  # noqa: E402
from beneficiaries.models import Person  # noqa: E402
from core.demo import demo_id_number  # noqa: E402
from org.models import Division, Role, User  # noqa: E402

SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
CADRES = int(os.environ.get("SOAK_CADRES", "50"))
PORT = int(os.environ.get("SOAK_WEB_PORT", "28000"))


def services(command: str) -> None:
    subprocess.run(["bash", "-c", f"source scripts/services.sh; {command}"], cwd=ROOT, check=True)


def main() -> int:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", profile="small", verbosity=0)
    villages = list(Division.objects.filter(level="village").order_by("code"))
    cadres = []
    for i in range(CADRES):
        user, _ = User.objects.update_or_create(
            username=f"soak-cadre-{i}",
            defaults={"role": Role.VILLAGE_CADRE, "division": villages[i % len(villages)]},
        )
        token, _ = Token.objects.get_or_create(user=user)
        cadres.append(
            {
                "token": token.key,
                "village": user.division_id,
                "rng": random.Random(f"soak-{i}-{time.time()}"),
                "index": i,
            }
        )
    before = Person.objects.count()

    def payload(cadre, n):
        number = demo_id_number(cadre["rng"], sequence=cadre["index"] * 10_000 + n, min_age=20, max_age=80)
        return {"id_number": number, "name": "压测", "village": cadre["village"]}

    log = open(ROOT / "var/soak/gunicorn.log", "wb")  # noqa: SIM115 - lives as long as the server
    web = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "3",
            "--threads",
            "8",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    done = set()
    redis_port, pg_port = os.environ["SOAK_REDIS_PORT"], os.environ["SOAK_PG_PORT"]

    def on_tick(elapsed):
        plan = [
            (SECONDS / 3, "redis-stop", f"redis_stop var/soak/redis {redis_port}"),
            (SECONDS / 2, "pg-restart", f"pg_restart var/soak/pg {pg_port}"),
            (SECONDS * 2 / 3, "redis-start", f"redis_start var/soak/redis {redis_port}"),
        ]
        for at, name, command in plan:
            if elapsed >= at and name not in done:
                done.add(name)
                services(command)

    try:
        result = run_soak(
            base_url=f"http://127.0.0.1:{PORT}",
            cadres=cadres,
            make_payload=payload,
            path="/api/v1/persons/",
            seconds=SECONDS,
            on_tick=on_tick,
        )
    finally:
        web.terminate()
        web.wait()
        log.close()
    from django.db import connection

    connection.close()
    confirmed = [p["id_number"] for p, _ in result.created]
    stored = Person.objects.count() - before
    late_errors = [e for e in result.errors if e[0] > SECONDS / 2 + 5]  # after PostgreSQL is back
    summary = {
        "name": "soak_cadres_post",
        **result.summary(),
        "stored": stored,
        "cadres": CADRES,
        "seconds": SECONDS,
        "errors_during_pg_restart": len(result.errors) - len(late_errors),
        "errors_after_recovery": len(late_errors),
        "faults": sorted(done),
    }
    print(json.dumps(summary, ensure_ascii=False))
    duplicated = len(confirmed) != len(set(confirmed))
    return 1 if (stored != len(confirmed) or duplicated or late_errors) else 0


if __name__ == "__main__":
    sys.exit(main())
