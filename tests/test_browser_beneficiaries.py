"""Beneficiary pages in a real browser at phone and desktop width: nothing wider than the
screen, no console errors, nothing fetched from outside the portal; screenshots for review."""

import datetime

import pytest

from beneficiaries import services
from beneficiaries.models import AnomalyFinding, Callback
from beneficiaries.tests.factories import active_enrolment, standard
from org.models import Role
from org.tests.factories import UserFactory
from projects.tests.factories import ProjectFactory
from tests.browser import DESKTOP, PHONE, chromium, login, screenshot
from tests.test_browser_projects import _watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _data(tree, users):
    project = ProjectFactory(division=tree.township, name="贫困残疾人生活特别救助", code="CJ")
    standard(project=project, amount="726.00", tier="二级以上重度")
    enrolments = [
        active_enrolment(
            project=project,
            village=tree.village if i % 2 else tree.village2,
            name=f"张{'一二三四五六'[i]}",
            tier="二级以上重度",
            card=f"622848001234567{i:04d}",
            phone="13912345678",
        )
        for i in range(6)
    ]
    Callback.objects.create(
        enrolment=enrolments[0],
        method="visit",
        called_on=datetime.date(2026, 4, 2),
        reached=True,
        knew_policy=True,
        received_money=True,
        satisfied=True,
        notes="入户核实，已收到补助",
    )
    batch = services.batch_generate(
        user=users[Role.TOWNSHIP_STAFF],
        project=project,
        division=tree.township,
        period_start=datetime.date(2026, 3, 1),
    )
    checker = UserFactory(username="checker", role=Role.TOWNSHIP_STAFF, division=tree.township)
    services.batch_check(user=checker, batch=batch)  # another person than the preparer
    AnomalyFinding.objects.create(
        rule="shared_card",
        key="b:1",
        village=tree.village,
        person=enrolments[1].person,
        related=[enrolments[1].person_id, enrolments[3].person_id],
        detail="张二、张四 不属同一户，却登记了同一张银行卡。",
        last_seen=batch.created_at,
    )
    return enrolments, batch


@pytest.mark.parametrize("size_name, size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_beneficiary_pages(browser, live_server, tree, users, settings, size_name, size):
    enrolments, batch = _data(tree, users)
    finding = AnomalyFinding.objects.get()
    context = browser.new_context(viewport=size, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page, live_server)
    login(page, live_server.url, "leader", settings.DEMO_PASSWORD)
    pages = {
        "roster": "/beneficiaries/enrolments/",
        "enrolment": f"/beneficiaries/enrolments/{enrolments[0].pk}/",
        "person": f"/beneficiaries/persons/{enrolments[0].person_id}/",
        "person-new": "/beneficiaries/persons/new/",
        "person-edit": f"/beneficiaries/persons/{enrolments[0].person_id}/edit/",
        "batches": "/beneficiaries/batches/",
        "batch": f"/beneficiaries/batches/{batch.pk}/",
        "anomalies": "/beneficiaries/anomalies/",
        "anomaly": f"/beneficiaries/anomalies/{finding.pk}/",
        "callbacks": "/beneficiaries/callbacks/",
        "standards": "/beneficiaries/standards/",
        "excel": "/beneficiaries/excel/",
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], name
        screenshot(page, f"beneficiaries-{name}-{size_name}")
    # the shared card found after the check holds two lines (issue 15): the leader clears each
    # with a reason through the page, then approves the checked batch with its button
    page.goto(f"{live_server.url}/beneficiaries/batches/{batch.pk}/")
    assert page.locator("#held-lines li[data-payment]").count() == 2
    while page.locator("#held-lines form").count():
        form = page.locator("#held-lines form").first
        form.locator("input[name=reason]").fill("父子共用一卡，已入户核实")
        form.locator("button").click()
        page.wait_for_load_state("networkidle")
    assert page.locator("#held-lines").count() == 0
    page.locator("form button", has_text="Approve").or_(
        page.locator("form button", has_text="审批")
    ).first.click()
    page.wait_for_load_state("networkidle")
    # an irreversible step asks to confirm, naming the batch's count and total
    assert page.locator("#confirm-count").count() == 1
    screenshot(page, f"beneficiaries-batch-confirm-{size_name}")
    page.locator("#confirmed").check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-success").count() == 1
    # "select all" on the roster ticks every row (a script file: the CSP forbids inline ones)
    page.goto(f"{live_server.url}/beneficiaries/enrolments/")
    page.locator("input[data-select-all]").check()
    assert page.locator("input[name=enrolment]:checked").count() == len(enrolments)
    problems["errors"] = [e for e in problems["errors"] if not e.startswith("Failed to load resource")]
    assert problems == {"errors": [], "failed": [], "external": [], "missing": []}
    context.close()
