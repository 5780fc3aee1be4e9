"""The UI shell in a real browser at phone and desktop size."""

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, chromium, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.mark.parametrize("size_name, size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_cadre_logs_in_and_sees_the_home_page(browser, live_server, users, settings, size_name, size):
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    external = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:")
            else None
        ),
    )
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/home/")  # the site root is the public column
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"
    login(page, live_server.url, "cadre", settings.DEMO_PASSWORD)
    assert page.url == f"{live_server.url}/home/"
    assert "欢迎" in page.locator("h1").inner_text()
    assert page.locator('[data-count="villages"]').inner_text() == "1"
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    if size_name == "phone":
        toggler = page.locator(".navbar-toggler")
        assert toggler.is_visible()
        toggler.click()
        page.locator("#mainnav.show").wait_for()
        assert page.get_by_role("link", name="行政区划").is_visible()
    # Bootstrap really loaded (the navbar is styled), from the portal itself.
    assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "flex"
    screenshot(page, f"home-cadre-{size_name}")
    assert failed == [] and external == []
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()


def test_language_switch_in_browser(browser, live_server, users, settings):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, live_server.url, "staff", settings.DEMO_PASSWORD)
    # The switch submits a form: wait for the new page rather than for the network to idle.
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    expect(page.locator("h1")).to_contain_text("Welcome")
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    expect(page.locator("h1")).to_contain_text("欢迎")
    context.close()
