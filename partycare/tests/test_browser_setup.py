"""The set-up pages in Debian's Chromium at phone (375 px) and desktop width: no sideways
scrolling, no CSP errors; screenshots land in test-artifacts/."""

import datetime

import pytest

from beneficiaries.tests.factories import person
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
def test_set_up_pages(browser, live_server, tree, users, settings, size_name, size):
    b = branch(division=tree.village, name="东庄村党支部", secretary="李明")
    branch(division=tree.village2, name="西湖村党支部")
    first = member(
        branch=b, name="王德明", born=datetime.date(1945, 3, 1), joined_on=datetime.date(1968, 7, 1)
    )
    for name in ("李秀英", "张建国", "刘桂兰", "欧阳春花"):
        member(branch=b, name=name, born=datetime.date(1960, 5, 5), joined_on=datetime.date(1990, 1, 1))
    person(village=tree.village, name="赵大爷", number="341226195209170016")
    application = services.aid_apply(
        user=users[Role.VILLAGE_CADRE],
        member=first,
        kind="one_off",
        year=datetime.date.today().year,
        amount="300",
        cause="illness",
    )
    services.aid_branch_check(user=users[Role.TOWNSHIP_STAFF], application=application)
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, live_server.url, "staff", settings.DEMO_PASSWORD)
    for name, path in [
        ("branches", "/partycare/branches/"),
        ("enrol", "/partycare/members/new/?q=赵"),
        ("member-edit", f"/partycare/members/{first.pk}/edit/"),
        ("training-new", f"/partycare/trainings/new/?branch={b.pk}"),
        ("pairing-new", f"/partycare/pairings/new/?branch={b.pk}&member={first.pk}"),
        ("aid-refused", f"/partycare/aid/{application.pk}/"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"partycare-setup-{name}-{size_name}")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
            ".slice(0, 3).map(e => e.tagName + '.' + e.className)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], (name, wide)
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()
