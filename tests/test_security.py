"""Security baseline: lockout, passwords, idle sessions, admin access, audit history, CSP."""

import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from org.models import Role, User

LOGIN = "/accounts/login/"


def test_lockout_after_five_failed_logins(client, users, settings):
    for attempt in range(4):
        response = client.post(LOGIN, {"username": "staff", "password": f"wrong-{attempt}"})
        assert response.status_code == 200, attempt  # the form again, with an error
        assert "_auth_user_id" not in client.session
    # The fifth failure locks the account and says so.
    response = client.post(LOGIN, {"username": "staff", "password": "wrong-5"})
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    # The sixth try, even with the right password, is refused.
    response = client.post(LOGIN, {"username": "staff", "password": settings.DEMO_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    response = client.post(LOGIN, {"username": "leader", "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302


def test_four_failures_then_success_resets(client, users, settings):
    for attempt in range(4):
        client.post(LOGIN, {"username": "staff", "password": f"wrong-{attempt}"})
    response = client.post(LOGIN, {"username": "staff", "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users[Role.TOWNSHIP_STAFF].pk)


def test_token_endpoint_counts_toward_lockout(users, settings):
    from rest_framework.test import APIClient

    api = APIClient()
    for attempt in range(5):
        assert (
            api.post("/api/v1/auth/token/", {"username": "staff", "password": f"x{attempt}"}).status_code
            == 400
        )
    response = api.post("/api/v1/auth/token/", {"username": "staff", "password": settings.DEMO_PASSWORD})
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Minsheng-2026", True),
        ("minsheng2026!", True),
        ("minshenghappy", False),  # one class only
        ("minsheng2026", False),  # two classes
        ("Ab1!", False),  # too short
        ("12345678901", False),  # numeric
    ],
)
def test_password_rules(password, ok, db):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_idle_session_expires(client, users, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(users[Role.TOWNSHIP_STAFF])
    assert client.get(reverse("home")).status_code == 200
    # Activity renews the session.
    key = client.session.session_key
    session = Session.objects.get(session_key=key)
    assert session.expire_date > timezone.now() + datetime.timedelta(minutes=29)
    # 31 idle minutes later it is gone.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admin_only_for_logged_in_staff(client, users):
    assert client.get("/admin/").status_code == 302
    client.force_login(users[Role.VILLAGE_CADRE])
    response = client.get("/admin/")
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(users[Role.TOWNSHIP_STAFF])
    assert client.get("/admin/").status_code == 200


def test_admin_is_scoped(client, tree, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.get("/admin/org/division/")
    assert response.status_code == 200
    shown = {d.code for d in response.context["cl"].result_list}
    assert shown == {tree.township.code, tree.village.code, tree.village2.code}
    # An object outside the scope answers 404, like a missing one (not the admin's redirect).
    response = client.get(f"/admin/org/division/{tree.other_village.pk}/change/")
    assert response.status_code == 404
    response = client.get(f"/admin/org/division/{tree.village.pk}/change/")
    assert response.status_code == 200


def test_auditor_changes_nothing_in_admin(client, tree, users):
    client.force_login(users[Role.COUNTY_AUDITOR])
    department = tree.township.departments.get()
    response = client.post(
        f"/admin/org/department/{department.pk}/change/",
        {"name": "改名", "division": tree.township.pk, "is_active": "on"},
    )
    assert response.status_code == 403
    department.refresh_from_db()
    assert department.name == "民政所"
    assert client.get("/admin/org/department/add/").status_code == 403


def test_staff_edits_departments_in_scope_with_history(client, tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    client.force_login(staff)
    department = tree.township.departments.get()
    response = client.post(
        f"/admin/org/department/{department.pk}/change/",
        {"name": "民政办", "division": tree.township.pk, "phone": "", "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    department.refresh_from_db()
    assert department.name == "民政办"
    last = department.history.first()
    assert last.history_user == staff
    assert last.prev_record.name == "民政所"


def test_role_change_is_audited(client, tree, users):
    admin = users["admin"]
    client.force_login(admin)
    target = users[Role.TOWNSHIP_LEADER]
    target.role = Role.TOWNSHIP_STAFF
    target._history_user = admin
    target.save()
    records = list(User.history.filter(id=target.pk).order_by("history_date"))
    assert [r.role for r in records][-2:] == [Role.TOWNSHIP_LEADER, Role.TOWNSHIP_STAFF]
    assert records[-1].history_user == admin
    assert not hasattr(records[-1], "password")


def test_security_headers(client, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
