"""Project list and detail in a real browser: the chart renders, HTMX forms answer in place,
nothing is wider than a phone, no console errors, everything served by the portal itself."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects.tests.factories import (
    FundLineFactory,
    FundMovementFactory,
    ProgressFactory,
    project_with_targets,
)
from tests.browser import DESKTOP, PHONE, chromium, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _data(tree):
    year = timezone.localdate().year
    project, _top, (v1, v2) = project_with_targets(
        tree, year=year, name="农村居民最低生活保障", quantity="120"
    )
    for month, a1, a2 in [(1, 5, 3), (2, 12, 8), (3, 20, 15), (5, 31, 22)]:
        ProgressFactory(target=v1, month=datetime.date(year, month, 1), actual=Decimal(a1))
        ProgressFactory(target=v2, month=datetime.date(year, month, 1), actual=Decimal(a2))
    for source, planned in [("central", "400000"), ("provincial", "200000"), ("municipal_county", "150000")]:
        line = FundLineFactory(project=project, source=source, planned=Decimal(planned))
        FundMovementFactory(
            fund_line=line,
            kind="received",
            amount=Decimal(planned) * Decimal("0.9"),
            date=datetime.date(year, 2, 1),
        )
        FundMovementFactory(
            fund_line=line,
            kind="allocated",
            amount=Decimal(planned) * Decimal("0.8"),
            date=datetime.date(year, 2, 15),
        )
        FundMovementFactory(
            fund_line=line,
            kind="spent",
            amount=Decimal(planned) * Decimal("0.5"),
            date=datetime.date(year, 3, 1),
        )
    project_with_targets(
        tree, year=year, name="乡镇公办幼儿园", kind="construction", quantity="3", villages=()
    )
    return project, v1


def _watch(page, live_server):
    problems = {"errors": [], "failed": [], "external": [], "missing": []}
    page.on("response", lambda r: problems["missing"].append(r.url) if r.status == 404 else None)
    page.on("console", lambda m: problems["errors"].append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems["failed"].append(r.url))
    page.on(
        "request",
        lambda r: (
            problems["external"].append(r.url)
            if not r.url.startswith(live_server.url) and not r.url.startswith("data:")
            else None
        ),
    )
    return problems


@pytest.mark.parametrize("size_name, size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_project_list_and_detail(browser, live_server, tree, users, settings, size_name, size):
    project, village_target = _data(tree)
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page, live_server)
    login(page, live_server.url, "staff", settings.DEMO_PASSWORD)

    page.goto(f"{live_server.url}/projects/")
    assert page.locator("h1").inner_text() == "民生工程"
    assert page.locator("#project-table tbody tr").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    screenshot(page, f"projects-list-{size_name}")
    # Filtering by kind swaps the results in place (HTMX), the address follows.
    page.select_option("#f-kind", "construction")
    expect(page.locator("#project-table tbody tr")).to_have_count(1)
    assert "kind=construction" in page.url

    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.wait_for_selector("#progress-chart[data-rendered='1'] svg")
    assert page.locator("#progress-chart svg path").count() > 3
    assert page.locator("#fund-table tfoot").inner_text().count("%") == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    screenshot(page, f"projects-detail-{size_name}")

    # A lower month without a reason is refused in place, the message names both figures.
    page.goto(f"{live_server.url}/projects/targets/{village_target.pk}/")
    year = timezone.localdate().year
    page.fill("#progress-form input[name=month]", f"{year}-06")
    page.fill("#progress-form input[name=actual]", "30")
    page.click("#progress-form button[type=submit]")
    error = page.locator('#progress-form [data-error-for="actual"]')
    error.wait_for()
    assert "31.00" in error.inner_text() and "30.00" in error.inner_text()
    screenshot(page, f"projects-target-error-{size_name}")
    page.fill("#progress-form input[name=correction_reason]", "五月多报1人")
    page.click("#progress-form button[type=submit]")
    page.wait_for_selector("#progress-table .badge")
    # The browser's own /favicon.ico request (the shell has no icon) is no page event; every
    # request the pages make is checked through "missing" and "failed".
    problems["errors"] = [e for e in problems["errors"] if not e.startswith("Failed to load resource")]
    assert problems == {"errors": [], "failed": [], "external": [], "missing": []}
    context.close()
