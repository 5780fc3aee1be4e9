"""The UI shell, API basics, health, demo data, settings and house rules."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from org.models import Department, Division, Role, User

ROOT = Path(settings.BASE_DIR)


def test_default_language_is_simplified_chinese(client, db):
    assert settings.LANGUAGE_CODE == "zh-hans"
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body and "乡镇民生工程" in body


def test_an_english_browser_still_gets_chinese(client, db):
    body = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="zh-hans">' in body and "登录" in body


def test_english_stays_selectable(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get("/accounts/login/").content.decode()
    assert "Log in" in body and '<html lang="en">' in body


def test_every_string_is_translated():
    """No English string reaches a Chinese user: msgfmt must count no untranslated or fuzzy entry."""
    po = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "translated message" in result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.mark.parametrize("role", [Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE, Role.COUNTY_AUDITOR, "admin"])
def test_home_shows_real_counts(client, tree, users, role):
    client.force_login(users[role])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    counts = response.context["counts"]
    visible = Division.objects.visible_to(users[role])
    assert counts["villages"] == visible.filter(level="village").count()
    assert counts["townships"] == visible.filter(level="township").count()
    assert counts["users"] == User.objects.visible_to(users[role]).filter(is_active=True).count()
    assert counts["departments"] == Department.objects.visible_to(users[role]).count()
    assert f'data-count="villages">{counts["villages"]}<' in response.content.decode()


def test_home_query_count_is_flat(client, tree, users, django_assert_num_queries):
    staff = users[Role.TOWNSHIP_STAFF]
    client.force_login(staff)
    # session, user, user's division (scope), 3 aggregates (divisions, users, departments),
    # the projects panel (lagging projects with their count as a window: 1 query),
    # the party-care due panel (one grouped count),
    # publicity's quota-reminder panel (reminders joined to their unit),
    # beneficiaries' panel (open anomalies count, batches grouped by status: 2 queries),
    # the overdue-concerns panel (1 query),
    # and no session write (renewed at most once a minute).
    with django_assert_num_queries(12):
        client.get(reverse("home"))
    call_command("seed_demo", profile="county", only="org,projects,publicity", verbosity=0)
    with django_assert_num_queries(12):
        client.get(reverse("home"))


def test_division_list_query_count_is_flat(client, tree, users, django_assert_num_queries):
    client.force_login(users[Role.COUNTY_REVIEWER])
    # session, user, scope division, count, page of rows (parent joined, children annotated),
    with django_assert_num_queries(5):
        client.get(reverse("org:division-list"))
    call_command("seed_demo", profile="county", only="org", verbosity=0)
    with django_assert_num_queries(5):
        client.get(reverse("org:division-list"))


def test_division_list_htmx_returns_rows_only(client, tree, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.get(reverse("org:division-list"), {"q": "东庄"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and "东庄村" in body and "西湖村" not in body


def test_navigation_follows_role(client, users):
    client.force_login(users[Role.VILLAGE_CADRE])
    body = client.get(reverse("home")).content.decode()
    assert reverse("admin:index") not in body
    client.force_login(users[Role.TOWNSHIP_STAFF])
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def test_token_auth_and_scoped_api(users, tree, settings):
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": "cadre", "password": settings.DEMO_PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/v1/divisions/")
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == [tree.village.code]


def test_api_pagination_and_filters(users, tree):
    api = APIClient()
    api.force_authenticate(users[Role.COUNTY_REVIEWER])
    response = api.get("/api/v1/divisions/", {"level": "village", "page_size": 2})
    data = response.json()
    assert data["count"] == 3 and len(data["results"]) == 2 and data["next"]
    response = api.get("/api/v1/divisions/", {"search": "陡沟"})
    assert [row["code"] for row in response.json()["results"]] == [tree.township2.code]


def test_openapi_schema_and_docs(client, users):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(users[Role.TOWNSHIP_STAFF])
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/divisions/" in schema["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower()
    assert not re.search(r"(src|href)=\"https?://", docs), "the docs page must not load from a CDN"


def test_no_cdn_in_templates():
    offenders = []
    for path in list(ROOT.glob("templates/**/*.html")) + list(ROOT.glob("*/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"(src|href)=[\"']https?://", text) or "//cdn" in text:
            offenders.append(str(path))
    assert offenders == []


def test_pages_reference_only_local_assets(client, users):
    client.force_login(users[Role.TOWNSHIP_STAFF])
    body = client.get(reverse("home")).content.decode()
    assets = re.findall(r"(?:src|href)=\"([^\"]+\.(?:js|css))\"", body)
    assert assets and all(a.startswith("/static/") for a in assets)
    for asset in assets:
        assert (ROOT / "static" / asset.removeprefix("/static/")).exists(), asset


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_reports_redis_down(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["redis"].startswith("error")


def test_seed_demo_is_idempotent_and_sized(db):
    call_command("seed_demo", profile="small", verbosity=0)
    call_command("seed_demo", profile="small", verbosity=0)
    assert Division.objects.filter(level="township").count() == 1
    assert Division.objects.filter(level="village").count() == 10
    assert (
        User.objects.filter(username__startswith="demo-").count() == 11
    )  # five roles, the second officer (demo-checker), four above the county, the administrator
    call_command("seed_demo", profile="county", only="org", verbosity=0)
    call_command("seed_demo", profile="county", only="org", verbosity=0)
    assert Division.objects.filter(level="county").count() == 1
    assert Division.objects.filter(level="township").count() == 11
    assert Division.objects.filter(level="village").count() == 139
    for division in Division.objects.select_related("parent"):
        division.full_clean()
    expected = {
        "demo-staff": "township",
        "demo-checker": "township",
        "demo-leader": "township",
        "demo-cadre": "village",
        "demo-reviewer": "county",
        "demo-auditor": "county",
        "demo-city-reviewer": "city",
        "demo-city-auditor": "city",
        "demo-province-reviewer": "province",
        "demo-province-auditor": "province",
    }
    for username, level in expected.items():
        user = User.objects.get(username=username)
        user.full_clean()
        assert user.division.level == level
        assert user.check_password(settings.DEMO_PASSWORD)
    assert User.objects.get(username="demo-admin").is_superuser


def test_demo_users_see_exactly_their_scope(client, db):
    call_command("seed_demo", profile="county", only="org", verbosity=0)
    expected_villages = {
        "demo-staff": 13,
        "demo-leader": 13,
        "demo-cadre": 1,
        "demo-reviewer": 139,
        "demo-auditor": 139,
        "demo-city-reviewer": 139,
        "demo-province-auditor": 139,
        "demo-admin": 139,
    }
    for username, villages in expected_villages.items():
        client.force_login(User.objects.get(username=username))
        assert client.get(reverse("home")).context["counts"]["villages"] == villages, username


def _run_settings(env):
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup()"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)


def test_production_refuses_to_start_without_secrets():
    import os

    secrets = ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")
    env = {k: v for k, v in os.environ.items() if k not in secrets}
    env["DJANGO_ENV"] = "production"
    result = _run_settings(env)
    assert result.returncode != 0
    for name in secrets:
        assert name in result.stderr


def test_production_check_deploy_is_clean():
    import os

    env = dict(
        {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        DJANGO_ENV="production",
        SECRET_KEY="k" * 20 + "Q9!xv_3lP0aZr8#mNw2^tYb7&eDc5@uHs",
        ALLOWED_HOSTS="portal.example.cn",
        FIELD_ENCRYPTION_KEYS="ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
        BLIND_INDEX_KEY="b" * 40,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_views_never_touch_managers_directly():
    """Views, API code and templates go through selectors (STYLE.md: a test keeps us honest)."""
    offenders = []
    for path in (
        list(ROOT.glob("*/*views*.py")) + list(ROOT.glob("*/views/*.py")) + list(ROOT.glob("*/api/*.py"))
    ):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b[A-Z]\w+\.objects\.(?!none\(\))", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_openapi_schema_validates_without_warnings(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yml"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_error_pages_are_the_portals_own(client, users):
    client.force_login(users[Role.VILLAGE_CADRE])
    body = client.get("/org/divisions/999999/").content.decode()
    assert "404" in body and "乡镇民生工程管理平台" in body and "不在您的管辖范围" in body
    response = client.get("/projects/excel/template/nope.xlsx")
    assert response.status_code == 404
    assert (ROOT / "templates/500.html").read_text(encoding="utf-8").count(
        "{%"
    ) == 0  # renders without context


def test_navigation_gathers_an_area_into_one_menu(users):
    from django.utils import translation

    from org.navigation import GROUPS, NAV, NavItem, nav_for

    def shape(user):
        return {
            str(entry["label"]): sorted(str(link["label"]) for link in entry.get("links", []))
            for entry in nav_for(user, "/beneficiaries/persons/")
        }

    with translation.override("en"):
        staff = shape(users[Role.TOWNSHIP_STAFF])
        assert staff["Beneficiaries"] == ["Anomalies", "Payment batches", "Persons"]
        assert staff["Party care"] == ["Concerns", "Hardship aid", "Home visits", "Party members"]
        assert "Submissions" in staff["Publicity and notices"]
        # the menu holding the current page is marked active, and only it
        entries = nav_for(users[Role.TOWNSHIP_STAFF], "/beneficiaries/persons/")
        assert [str(e["label"]) for e in entries if e["active"]] == ["Beneficiaries"]
    # a menu is only made for two or more pages: one page of an area is a plain link
    for role in users:
        for entry in nav_for(users[role], "/"):
            assert "links" not in entry or len(entry["links"]) > 1, (role, entry["label"])
    NAV.append(NavItem("Only", "home", "x", roles=(Role.COUNTY_AUDITOR,), group="nowhere"))
    GROUPS["nowhere"] = ("Nowhere", "x")
    try:
        entries = nav_for(users[Role.COUNTY_AUDITOR], "/")
        assert [e["label"] for e in entries if e["label"] in ("Only", "Nowhere")] == ["Only"]
    finally:
        NAV.pop()
        GROUPS.pop("nowhere")
