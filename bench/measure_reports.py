"""Dashboards on the county profile (issue 9): each page's query count (fixed by design, see
reports/tests/test_query_counts.py) and its time against the bare SQL it runs.

The floor is measured as for the home page: the page is requested once under
CaptureQueriesContext, and the SELECT statements it sent are replayed raw on the same connection
(no ORM, no template, no session): what the database needs at the least to answer the page."""

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.harness import best_of, line, measurement
from org.models import User


def _page_against_its_sql(name: str, *, username: str, path: str) -> str:
    # One connection across requests (as CONN_MAX_AGE does in production), so the capture sees
    # the page's queries and the timing excludes reconnects.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(User.objects.get(username=username))
    assert client.get(path).status_code == 200  # warm up templates and the session
    with CaptureQueriesContext(connections["default"]) as captured:
        response = client.get(path)
    assert response.status_code == 200
    queries = len(captured)
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    ours_s = best_of(lambda: client.get(path), repeat=20)

    def floor():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()

    floor_s = best_of(floor, repeat=20)
    return line(
        name,
        ours_s=ours_s,
        floor_s=floor_s,
        queries=queries,
        selects=len(statements),
        html_kb=round(len(response.content) / 1024, 1),
    )


@measurement("dashboard_county")
def dashboard_county() -> str:
    """The county dashboard (townships side by side from their current reports' headline
    numbers, the latest township scorecards) for the county reviewer."""
    return _page_against_its_sql("dashboard_county", username="demo-reviewer", path="/reports/")


@measurement("dashboard_township")
def dashboard_township() -> str:
    """The township dashboard (lagging projects, fund rates by source, payments this month,
    open anomalies, overdue concerns, care coverage, publicity quotas, reports, scorecards) for
    a township's staff."""
    return _page_against_its_sql("dashboard_township", username="demo-staff", path="/reports/")
