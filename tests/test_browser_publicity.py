"""The public column in a real browser: a resident on a phone reads a notice and files an
objection; the quota page for an officer. Screenshots at 375 px and 1366 px."""

import datetime

import pytest
from django.utils import timezone

from org.models import Role
from publicity import services
from publicity.models import Objection
from tests.browser import DESKTOP, PHONE, chromium, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def notice(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    today = timezone.localdate()
    rows = [
        {"name": "张三丰", "id": "341226195001011234", "persons": "3", "amount": "1,800.00"},
        {"name": "欧阳修文", "id": "341226196002022345", "persons": "1", "amount": "600.00"},
        {"name": "李秀英", "id": "341226197003033456", "persons": "2", "amount": "1,200.00"},
    ]
    return services.notice_publish(
        user=staff,
        kind="enrolment",
        division=tree.village,
        title="东庄村2026年城乡低保新增对象公示",
        stage="村级评议榜",
        body="经村民代表评议,拟将下列家庭纳入城乡低保,现予公示。",
        ends_on=today + datetime.timedelta(days=7),
        rows=rows,
        columns=[
            ("name", "户主姓名", "name"),
            ("id", "身份证号", "id_number"),
            ("persons", "保障人数", ""),
            ("amount", "年补助(元)", ""),
        ],
        objection_address="城关镇民生办(镇政府一楼),工作日 8:30–17:30",
        contact_phone="0558-1234567",
    )


def _watch(page, base):
    problems = []
    page.on("requestfailed", lambda request: problems.append(("failed", request.url)))
    page.on(
        "request",
        lambda request: (
            problems.append(("external", request.url))
            if not request.url.startswith(base) and not request.url.startswith("data:")
            else None
        ),
    )
    page.on(
        "console",
        lambda message: problems.append(("console", message.text)) if message.type == "error" else None,
    )
    return problems


def test_resident_on_a_phone_reads_a_notice_and_objects(browser, live_server, notice):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page, live_server.url)
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "publicity-column-phone")
    page.get_by_text(notice.title).click()
    page.wait_for_load_state("networkidle")
    body = page.locator("main").inner_text()
    assert "张**" in body and "欧阳**" in body and "3412**********1234" in body
    assert "张三丰" not in body and "341226195001011234" not in body
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "publicity-notice-phone")
    page.locator(f'a[href="/notices/{notice.pk}/objection/"]').click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "publicity-objection-phone")
    # Sending nothing says what is missing and files nothing.
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".invalid-feedback").count() >= 2
    assert Objection.objects.count() == 0
    page.fill("textarea[name=text]", "第二户家中有小轿车,<b>不符合</b>条件。")
    page.fill("input[name=contact]", "13700001111")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/objection/filed/" in page.url
    screenshot(page, "publicity-objection-filed-phone")
    objection = Objection.objects.get()
    assert objection.channel == "online" and objection.contact == "13700001111"
    assert [p for p in problems if p[0] != "console" or "Content Security Policy" in p[1]] == []
    context.close()


def test_desktop_screenshots_and_quota_page(browser, live_server, notice, users, settings, tree):
    from org.tests.factories import DepartmentFactory
    from publicity.tests.factories import SubmissionFactory

    office = DepartmentFactory(division=tree.township, name="民生办", is_livelihood_office=True)
    SubmissionFactory(department=office, kind="masses_voice", created_by=users[Role.TOWNSHIP_STAFF])
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page, live_server.url)
    page.goto(f"{live_server.url}/")
    screenshot(page, "publicity-column-desktop")
    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    screenshot(page, "publicity-notice-desktop")
    page.goto(f"{live_server.url}/notices/{notice.pk}/objection/")
    screenshot(page, "publicity-objection-desktop")
    login(page, live_server.url, "staff", settings.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/publicity/quota/")
    assert page.locator("table.quota-table").is_visible()
    screenshot(page, "publicity-quota-desktop")
    page.goto(f"{live_server.url}/publicity/notices/{notice.pk}/")
    screenshot(page, "publicity-notice-staff-desktop")
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    phone_page = phone.new_page()
    login(phone_page, live_server.url, "staff", settings.DEMO_PASSWORD)
    phone_page.goto(f"{live_server.url}/publicity/quota/")
    screenshot(phone_page, "publicity-quota-phone")
    assert [p for p in problems if p[0] != "console" or "Content Security Policy" in p[1]] == []
    phone.close()
    context.close()
