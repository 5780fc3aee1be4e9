"""Browser journeys in Debian's Chromium (issue 9): what each kind of user does, end to end,
through the real pages, the background jobs and the downloads. The last page of each journey
is kept as a screenshot in test-artifacts/."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from org.models import AccessLog
from projects.tests.factories import ProgressFactory, project_with_targets
from tests.browser import DESKTOP, PHONE, chromium, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def eager_jobs(settings, tmp_path):
    """Jobs run inside the request that starts them (the real worker is tested elsewhere)."""
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _read_xlsx(path) -> list[list]:
    with open(path, "rb") as handle:
        return CalamineWorkbook.from_filelike(io.BytesIO(handle.read())).get_sheet_by_index(0).to_python()


def test_staff_records_progress_and_downloads_the_excel_export(
    browser, live_server, tree, users, settings, eager_jobs
):
    year = timezone.localdate().year
    project, _top, (target, _other) = project_with_targets(
        tree, year=year, name="农村危房改造", quantity="80"
    )
    ProgressFactory(target=target, month=datetime.date(year, 1, 1), actual=Decimal("4"))
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    login(page, live_server.url, "staff", settings.DEMO_PASSWORD)

    page.goto(f"{live_server.url}/projects/targets/{target.pk}/")
    page.fill("#progress-form input[name=month]", f"{year}-02")
    page.fill("#progress-form input[name=actual]", "17")
    page.click("#progress-form button[type=submit]")
    page.wait_for_selector(f"#progress-table >> text={year}-02")

    page.goto(f"{live_server.url}/projects/excel/")
    page.select_option("#export-year", str(year))
    page.select_option("#export-kind", "progress")
    page.click("form[action$='/excel/export/'] button[type=submit]")
    link = page.locator("a[href$='/download/']")
    link.wait_for(timeout=30_000)
    with page.expect_download() as info:
        link.click()
    rows = _read_xlsx(info.value.path())
    assert rows[0][:3] == ["年度", "项目编码", "项目名称"]
    assert [year, project.code, "农村危房改造", tree.village.code, tree.village.name, f"{year}-02", 17] in [
        r[:7] for r in rows[1:]
    ]
    assert AccessLog.objects.filter(user=users["township_staff"], action="download").count() == 1
    screenshot(page, "journey-staff-progress-export")
    context.close()


def test_auditor_downloads_the_project_table_and_the_download_is_logged(
    browser, live_server, tree, users, settings, eager_jobs
):
    year = timezone.localdate().year
    project_with_targets(tree, year=year, name="城乡居民养老保险")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    login(page, live_server.url, "auditor", settings.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/projects/excel/")
    assert page.locator("#import-kind option").count() == 0  # an auditor imports nothing
    page.select_option("#export-kind", "table")
    page.click("form[action$='/excel/export/'] button[type=submit]")
    link = page.locator("a[href$='/download/']")
    link.wait_for(timeout=30_000)
    with page.expect_download() as info:
        link.click()
    rows = _read_xlsx(info.value.path())
    assert any(r[2] == "城乡居民养老保险" for r in rows[1:])
    log = AccessLog.objects.get(user=users["county_auditor"])
    assert log.action == "download" and log.what.endswith(".xlsx")
    screenshot(page, "journey-auditor-download")
    context.close()


@pytest.mark.parametrize(
    "username, path_of",
    [
        ("cadre", lambda tree, p: f"/org/divisions/{tree.village2.pk}/"),
        ("staff", lambda tree, p: f"/projects/{p.pk}/"),
        ("reviewer", lambda tree, p: f"/org/divisions/{tree.other_village.pk}/"),
        ("auditor", lambda tree, p: f"/projects/{p.pk}/"),
        ("leader", lambda tree, p: f"/org/divisions/{tree.village3.pk}/"),
    ],
)
def test_each_role_gets_404_outside_its_scope(browser, live_server, tree, users, settings, username, path_of):
    other_project, _top, _children = project_with_targets(
        tree, division=tree.other_township, villages=("other_village",), name="邻县项目"
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    login(page, live_server.url, username, settings.DEMO_PASSWORD)
    response = page.goto(f"{live_server.url}{path_of(tree, other_project)}")
    assert response.status == 404
    assert "邻县项目" not in page.content()
    screenshot(page, f"journey-404-{username}")
    context.close()
