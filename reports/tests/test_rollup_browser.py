"""The province's roll-up dashboard in a real browser, at phone and desktop size."""

import pytest

from org.models import Role
from reports.tests import test_rollup
from tests.browser import DESKTOP, PHONE, chromium, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

anhui = test_rollup.anhui  # the fixture: a province, two cities, three counties with known figures


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.mark.parametrize("size_name, size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_province_reviewer_reads_the_cities_and_opens_one(
    browser, live_server, anhui, settings, size_name, size
):
    user = anhui["users"][Role.PROVINCE_REVIEWER]
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, live_server.url, user.username, settings.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/reports/?month=2026-10")
    body = page.locator("main").inner_text()
    assert "阜阳市" in body and "六安市" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    screenshot(page, f"rollup-province-{size_name}")
    page.get_by_role("link", name="阜阳市").first.click()
    page.wait_for_load_state("networkidle")
    city = page.locator("main").inner_text()
    assert "341226县" in city and "341227县" in city and "341522县" not in city
    screenshot(page, f"rollup-city-from-province-{size_name}")
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()
