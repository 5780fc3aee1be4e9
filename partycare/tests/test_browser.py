"""Party-care pages in Debian's Chromium at phone and desktop width: no sideways scrolling,
no CSP errors; screenshots land in test-artifacts/."""

import datetime

import pytest

from org.models import Role
from partycare import services
from partycare.tests.factories import branch, member
from tests.browser import DESKTOP, PHONE, chromium, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.mark.parametrize("size_name, size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_party_care_pages(browser, live_server, tree, users, settings, size_name, size):
    staff = users[Role.TOWNSHIP_STAFF]
    b = branch(division=tree.village, name="东庄村党支部")
    first = member(
        branch=b,
        name="王德明",
        born=datetime.date(1945, 3, 1),
        joined_on=datetime.date(1968, 7, 1),
        is_model_worker=True,
    )
    for name in ("李秀英", "张建国", "刘桂兰"):
        member(
            branch=b,
            name=name,
            is_in_hardship=True,
            born=datetime.date(1960, 5, 5),
            joined_on=datetime.date(1990, 1, 1),
        )
    today = datetime.date.today()
    services.care_case_record(
        user=staff, member=first, kind="talk", occurred_on=today, visitors="李明", notes="谈心谈话"
    )
    campaign = services.campaign_create(
        user=staff, township=tree.township, holiday="spring_festival", year=today.year + 1
    )
    application = services.aid_apply(
        user=staff,
        member=first,
        kind="one_off",
        year=today.year,
        amount="300",
        cause="illness",
        situation="住院治疗",
    )
    services.due_items_refresh()
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, live_server.url, "staff", settings.DEMO_PASSWORD)
    for name, path in [
        ("members", "/partycare/members/"),
        ("member", f"/partycare/members/{first.pk}/"),
        ("campaign", f"/partycare/campaigns/{campaign.pk}/"),
        ("aid", f"/partycare/aid/{application.pk}/"),
        ("home", "/home/"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"partycare-{name}-{size_name}")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
            ".slice(0, 3).map(e => e.tagName + '.' + e.className)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], (name, wide)
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()
