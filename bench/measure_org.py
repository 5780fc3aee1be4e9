"""Foundation measurements: seeding the county profile, and the home page against its SQL."""

import random
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.harness import best_of, line, measurement
from org import demo as org_demo
from org.models import Department, Division, User


@measurement("seed_county_org")
def seed_county() -> str:
    """org's share of seed_demo --profile county into empty tables, against a bare COPY of the
    same rows (divisions, departments, officers) in one transaction."""
    profile = org_demo.PROFILES["county"]

    def wipe():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE org_user, org_department, org_division, org_historicaluser, "
                "org_historicaldivision, org_historicaldepartment RESTART IDENTITY CASCADE"
            )

    def ours():
        org_demo.seed(profile=profile, rng=random.Random(1))

    def floor():
        # The same rows, as flat text, through COPY: what the database needs at the least.
        divisions = [("341226", "民安县", "county", None)]
        for t, count in enumerate(org_demo.village_counts(profile)):
            t_code = f"341226{101 + t:03d}"
            divisions.append((t_code, org_demo.TOWNSHIP_NAMES[t], "township", "341226"))
            divisions += [
                (f"{t_code}{201 + v:03d}", org_demo.village_name(t, v), "village", t_code)
                for v in range(count)
            ]
        with transaction.atomic(), connection.cursor() as cursor:
            ids = {}
            with cursor.copy(
                "COPY org_division (code, name, level, parent_id, is_active) FROM STDIN"
            ) as copy:
                for code, name, level, parent in divisions:
                    # parents come before children, ids follow insertion order after RESTART IDENTITY
                    ids[code] = len(ids) + 1
                    copy.write_row((code, name, level, ids.get(parent), True))
            townships = [ids[c] for c, _n, level, _p in divisions if level == "township"]
            with cursor.copy(
                "COPY org_department (name, division_id, phone, is_livelihood_office, is_active) FROM STDIN"
            ) as copy:
                for township in townships:
                    for name in org_demo.DEPARTMENTS:
                        copy.write_row((name, township, "", name == "民生办", True))
            unusable = make_password(None)
            make_password(settings.DEMO_PASSWORD)  # the demo users' one deliberate slow hash, as in ours
            with cursor.copy(
                "COPY org_user (username, full_name, role, division_id, password, is_superuser, "
                "first_name, last_name, email, is_staff, is_active, date_joined, phone) "
                "FROM STDIN"
            ) as copy:
                for code, _name, level, _parent in divisions:
                    if level == "county":
                        continue
                    role = "township_staff" if level == "township" else "village_cadre"
                    copy.write_row(
                        (
                            f"x-{code}",
                            "某某",
                            role,
                            ids[code],
                            unusable,
                            False,
                            "",
                            "",
                            "",
                            level == "township",
                            True,
                            "2026-01-01T00:00:00+08:00",
                            "",
                        )
                    )

    def timed(function):
        wipe()
        started = time.perf_counter()
        function()
        return time.perf_counter() - started

    ours_s = min(timed(ours) for _ in range(3))
    rows = Division.objects.count() + Department.objects.count() + User.objects.count()
    floor_s = min(timed(floor) for _ in range(3))
    wipe()
    call_command("seed_demo", profile="county", verbosity=0)  # leave the cached profile whole
    return line("seed_county_org", ours_s=ours_s, floor_s=floor_s, rows=rows)


@measurement("home_page_county_reviewer")
def home_page() -> str:
    """The home page of a county reviewer on the county profile (counts, lagging projects and every
    other panel), against the same SQL statements run bare."""
    # Keep one connection across requests, as a production CONN_MAX_AGE does, so that the
    # query capture sees the page's queries and the timing excludes reconnects.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    user = User.objects.get(username="demo-reviewer")
    client = Client()
    client.force_login(user)
    client.get("/home/")  # warm up templates and the session
    with CaptureQueriesContext(connections["default"]) as captured:
        assert client.get("/home/").status_code == 200
    # Read now: later requests reset the connection's query log.
    queries = len(captured)
    statements = [
        q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    ours_s = best_of(lambda: client.get("/home/"), repeat=20)

    # The floor: the same read statements the page ran, sent raw (no ORM, no template, no
    # session writes): what the database needs at the least to answer the page.
    def floor():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()

    floor_s = best_of(floor, repeat=20)
    return line(
        "home_page_county_reviewer",
        ours_s=ours_s,
        floor_s=floor_s,
        queries=queries,
        html_kb=round(len(client.get("/home/").content) / 1024, 1),
    )
