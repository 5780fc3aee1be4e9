"""Reports pages in a real browser (Debian's Chromium): dashboards' charts render from
json_script under the CSP, no page is wider than a phone, no console errors."""

import datetime

import pytest

from org.models import Role
from org.scoping import Scope
from reports import services
from reports.tests.factories import scheme, township_project, township_watch_data
from tests.browser import DESKTOP, PHONE, chromium, login, screenshot

SYSTEM = Scope.system("test data")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _data(tree, users):
    township_project(tree, quantity="100", actual="40", villages=("village",))
    township_project(tree, division=tree.township2, quantity="50", actual="45")
    township_watch_data(tree, users, 3)
    mine = services.monthly_report_generate(user=SYSTEM, township_id=tree.township.pk, month=OCTOBER)
    services.monthly_report_generate(user=SYSTEM, township_id=tree.township2.pk, month=OCTOBER)
    made = scheme(tree.county)
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    return mine, made


@pytest.mark.parametrize("size_name, size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_reports_pages(browser, live_server, tree, users, settings, size_name, size):
    report, made = _data(tree, users)
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    errors = []
    # the browser's own favicon request shows up as a console error; responses are checked below
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
        ),
    )

    def visit(path, name, ready=None):
        page.goto(f"{live_server.url}{path}")
        if ready:
            page.wait_for_selector(ready)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], name
        screenshot(page, f"reports-{name}-{size_name}")

    login(page, live_server.url, "reviewer", settings.DEMO_PASSWORD)
    visit("/reports/?month=2026-10", "county-dashboard", "#county-chart[data-rendered='1'] svg")
    assert page.locator("#county-table tbody tr").count() == 2
    visit(f"/reports/scorecards/{made.pk}/", "scorecard")
    visit(f"/reports/monthly/{report.pk}/", "report-detail")
    visit("/reports/downloads/", "downloads")
    visit("/reports/year-end/?year=2026", "year-end")
    page.context.clear_cookies()
    login(page, live_server.url, "staff", settings.DEMO_PASSWORD)
    visit("/reports/", "township-dashboard", "#township-chart[data-rendered='1'] svg")
    assert page.locator("#township-watch section").count() == 5
    page.context.clear_cookies()
    login(page, live_server.url, "cadre", settings.DEMO_PASSWORD)
    visit("/reports/", "village-dashboard")
    assert errors == []
    context.close()
