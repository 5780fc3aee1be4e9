"""The idle timeout is renewed at most once a minute: a page view that only reads writes nothing."""

import datetime

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from org.middleware import RENEWED_AT
from org.models import Role
from org.tasks import sessions_clear_task


def _session_writes(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    ]


def _age_renewal(client, seconds: int) -> None:
    session = client.session
    session[RENEWED_AT] -= seconds
    session.save()


def test_reads_within_a_minute_of_sign_in_write_no_session(client, users, settings):
    settings.SESSION_RENEW_SECONDS = 60
    client.force_login(users[Role.TOWNSHIP_STAFF])
    assert _session_writes(client, reverse("home")) == []
    assert _session_writes(client, reverse("org:division-list")) == []


def test_a_read_after_a_minute_renews_the_idle_timeout_once(client, users, settings):
    settings.SESSION_RENEW_SECONDS = 60
    client.force_login(users[Role.TOWNSHIP_STAFF])
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    _age_renewal(client, 61)
    writes = _session_writes(client, reverse("home"))
    assert len(writes) == 1 and writes[0].startswith("UPDATE")
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + datetime.timedelta(minutes=29)
    # Renewed: the next read inside the minute writes nothing again.
    assert _session_writes(client, reverse("home")) == []


def test_half_a_minute_is_not_yet_a_renewal(client, users, settings):
    settings.SESSION_RENEW_SECONDS = 60
    client.force_login(users[Role.TOWNSHIP_STAFF])
    _age_renewal(client, 30)
    assert _session_writes(client, reverse("home")) == []


def test_anonymous_visitors_get_no_session(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert not Session.objects.exists()
    assert "sessionid" not in response.cookies


def test_idle_past_the_limit_signs_out_even_without_writes(client, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_nightly_task_deletes_only_expired_sessions(client, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    live = client.session.session_key
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert sessions_clear_task.run() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]


def test_the_cleanup_is_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="org.sessions_clear", enabled=True).count() == 1
