"""Findings stop money (issue 15): a batch line whose person has an open anomaly finding holds
the batch — neither checked nor approved — until someone other than its preparer clears the line
for that finding with a reason, or the finding is explained or confirmed. Before, a shared bank
card and a person in two mutually exclusive programmes were paid, approved and reconciled
without a word: every test below passed the batch through on that code."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from beneficiaries import services
from beneficiaries.models import AnomalyFinding, Enrolment, PaymentBatch, PaymentClearance
from beneficiaries.selectors import batch_get, held_lines
from beneficiaries.tests.factories import active_enrolment, person, standard
from org.models import Role
from org.tests.factories import UserFactory
from projects.tests.factories import ProjectFactory

MARCH = datetime.date(2026, 3, 1)
RULES = AnomalyFinding.Rule


@pytest.fixture
def project(tree):
    return ProjectFactory(division=tree.township, name="农村低保", code="DB")


@pytest.fixture
def staff(users):
    """The preparer of every batch below."""
    return users[Role.TOWNSHIP_STAFF]


@pytest.fixture
def leader(users):
    return users[Role.TOWNSHIP_LEADER]


@pytest.fixture
def checker(tree):
    return UserFactory(username="checker", role=Role.TOWNSHIP_STAFF, division=tree.township)


def _batch(tree, project, staff, n=2):
    standard(project=project, amount="726.00")
    for i in range(n):
        active_enrolment(project=project, village=tree.village, name=f"甲{i}", card=f"62284800123456{i:05d}")
    return services.batch_generate(user=staff, project=project, division=tree.township, period_start=MARCH)


def _finding(rule, line, *, village=None, key=None, **links):
    """An open finding as the anomaly run stores it (beneficiaries/anomalies.py)."""
    return AnomalyFinding.objects.create(
        rule=rule,
        key=key or f"{rule}:{line.pk}:{len(links)}",
        village=village or line.enrolment.village,
        detail=f"{line.enrolment.person.name} 疑点 {rule}",
        last_seen=timezone.now(),
        **links,
    )


def _links(rule, line, tree):
    """How each rule names the person (anomalies.py): by ``person``, through ``related`` only (a
    shared card found on another member), the enrolment, or the payment itself."""
    person_id = line.enrolment.person_id
    if rule == RULES.SHARED_CARD:
        other = person(village=tree.village2, name="同卡人")
        return {"person": other, "related": [other.pk, person_id]}
    if rule == RULES.EXCLUSIVE:
        other = Enrolment.objects.create(
            project=ProjectFactory(division=tree.township, name="特困供养", code="TK"),
            person_id=person_id,
            village=tree.village,
            status=Enrolment.Status.ACTIVE,
            applied_on=MARCH,
            active_from=MARCH,
        )
        return {"person_id": person_id, "enrolment": other, "related": [person_id]}
    if rule in (RULES.PAID_AFTER_EXIT, RULES.ABOVE_STANDARD):
        return {"person_id": person_id, "enrolment": line.enrolment, "payment": line, "related": [person_id]}
    if rule == RULES.CADRE_RELATIVE:
        return {"person_id": person_id, "enrolment": line.enrolment, "related": [person_id, 999999]}
    return {"person_id": person_id, "related": [person_id]}  # two villages


def _refused(call, code):
    with pytest.raises(ValidationError) as excinfo:
        call()
    error = excinfo.value
    errors = (
        [e for field in error.error_dict.values() for e in field]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    assert code in {e.code for e in errors}, error.messages
    return error


@pytest.mark.parametrize("rule", RULES.values)
def test_each_kind_of_open_finding_blocks_check_and_approve(tree, project, staff, checker, leader, rule):
    batch = _batch(tree, project, staff)
    services.batch_check(user=checker, batch=batch)  # nothing found yet
    line = batch.payments.order_by("pk").first()
    _finding(rule, line, **_links(rule, line, tree))
    [held] = held_lines(batch)
    assert held.payment == line and [f.rule for f in held.findings] == [rule]
    error = _refused(lambda: services.batch_approve(user=leader, batch=batch), "held_lines")
    assert "1 line of" in error.messages[0]
    assert PaymentBatch.objects.get(pk=batch.pk).status == "checked"
    services.batch_reopen(user=checker, batch=batch)
    _refused(lambda: services.batch_check(user=checker, batch=batch), "held_lines")
    batch = PaymentBatch.objects.get(pk=batch.pk)
    assert batch.status == "draft" and batch.checked_by is None
    # the page hides the button and says why (common/_blocked_steps.html)
    assert services.BATCH_MACHINE.available(batch, checker) == []
    assert "held by an open anomaly finding" in services.BATCH_MACHINE.blocked(batch, checker)["check"]


def test_the_real_checks_find_a_shared_card_and_exclusive_programmes_and_hold_the_batch(
    tree, project, staff, checker
):
    """The defect as reported, through the anomaly run itself."""
    standard(project=project, amount="726.00")
    shared = "6228480099998888777"
    a = active_enrolment(project=project, village=tree.village, name="甲", card=shared)
    active_enrolment(project=project, village=tree.village2, name="乙", card=shared)  # other household
    c = active_enrolment(project=project, village=tree.village, name="丙", card="6228480011112222333")
    tekun = ProjectFactory(division=tree.township, name="特困供养", code="TK")
    Enrolment.objects.create(
        project=tekun,
        person=c.person,
        village=tree.village,
        status="active",
        applied_on=MARCH,
        active_from=MARCH,
    )
    services.exclusive_pair_add(user=staff, first=project, second=tekun, note="特困与低保不得兼得")
    active_enrolment(project=project, village=tree.village, name="丁", card="6228480011112222444")
    batch = services.batch_generate(user=staff, project=project, division=tree.township, period_start=MARCH)
    services.anomaly_check_run(user=staff, rules=[RULES.SHARED_CARD, RULES.EXCLUSIVE])
    held = {line.payment.enrolment.person.name: {f.rule for f in line.findings} for line in held_lines(batch)}
    assert held == {"甲": {RULES.SHARED_CARD}, "乙": {RULES.SHARED_CARD}, "丙": {RULES.EXCLUSIVE}}
    assert a.person.name in held
    _refused(lambda: services.batch_check(user=checker, batch=batch), "held_lines")


def test_the_preparer_cannot_clear_a_held_line(tree, project, staff):
    batch = _batch(tree, project, staff)
    line = batch.payments.first()
    finding = _finding(RULES.TWO_VILLAGES, line, person=line.enrolment.person)
    error = _refused(
        lambda: services.payment_clear(user=staff, payment=line, finding=finding, reason="本人核实"),
        "four_eyes",
    )
    assert "prepared" in error.messages[0] and "another person must" in error.messages[0]
    assert not PaymentClearance.objects.exists()
    assert [h.payment for h in held_lines(batch)] == [line]


def test_cleared_by_another_officer_with_a_reason_lets_the_batch_through(
    tree, project, staff, checker, leader, users
):
    batch = _batch(tree, project, staff)
    line = batch.payments.first()
    finding = _finding(
        RULES.SHARED_CARD, line, person=line.enrolment.person, related=[line.enrolment.person_id]
    )
    for blank in ("", "   "):
        _refused(
            lambda b=blank: services.payment_clear(user=checker, payment=line, finding=finding, reason=b),
            "required",
        )
    with pytest.raises(PermissionDenied):  # the auditor changes nothing, the cadre clears nothing
        services.payment_clear(user=users[Role.COUNTY_AUDITOR], payment=line, finding=finding, reason="x")
    with pytest.raises(PermissionDenied):
        services.payment_clear(user=users[Role.VILLAGE_CADRE], payment=line, finding=finding, reason="x")
    outsider = UserFactory(username="outsider", role=Role.TOWNSHIP_STAFF, division=tree.township2)
    with pytest.raises(Http404):
        services.payment_clear(user=outsider, payment=line, finding=finding, reason="x")
    assert not PaymentClearance.objects.exists()
    clearance = services.payment_clear(
        user=checker, payment=line, finding=finding, reason="  银行卡为父子共用，已核实户籍  "
    )
    assert (clearance.reason, clearance.cleared_by) == ("银行卡为父子共用，已核实户籍", checker)
    assert clearance.history.get().history_user == checker  # the record's audit row
    assert held_lines(batch) == []
    # cleared once: a second clearance of the same line and finding is refused
    _refused(
        lambda: services.payment_clear(user=leader, payment=line, finding=finding, reason="再次"), "not_held"
    )
    services.batch_check(user=checker, batch=batch)
    assert services.batch_approve(user=leader, batch=batch).status == "approved"


def test_a_clearance_is_for_one_finding_a_new_finding_holds_again(tree, project, staff, checker):
    batch = _batch(tree, project, staff)
    line = batch.payments.first()
    first = _finding(RULES.TWO_VILLAGES, line, person=line.enrolment.person, key="one")
    services.payment_clear(user=checker, payment=line, finding=first, reason="已核实")
    second = _finding(RULES.ABOVE_STANDARD, line, payment=line, key="two")
    [held] = held_lines(batch)
    assert held.findings == [second]


def test_an_explained_or_confirmed_finding_does_not_hold(tree, project, staff, checker, leader):
    batch = _batch(tree, project, staff)
    first, second = batch.payments.order_by("pk")
    explained = _finding(RULES.EXCLUSIVE, first, person=first.enrolment.person, key="e")
    confirmed = _finding(RULES.PAID_AFTER_EXIT, second, payment=second, key="c")
    assert len(held_lines(batch)) == 2
    services.anomaly_explain(user=checker, finding=explained, note="已退出特困供养")
    services.anomaly_confirm(user=checker, finding=confirmed, note="追回")
    assert held_lines(batch) == []
    services.batch_check(user=checker, batch=batch)
    # a settled finding is not cleared a second time
    _refused(
        lambda: services.payment_clear(user=checker, payment=first, finding=explained, reason="x"), "not_held"
    )


def test_findings_of_another_person_or_another_township_do_not_hold(tree, project, staff, checker):
    batch = _batch(tree, project, staff)
    line = batch.payments.first()
    somebody = person(village=tree.village, name="旁人")
    _finding(RULES.TWO_VILLAGES, line, person=somebody, related=[somebody.pk], key="other person")
    # the same person, found in another township (its officers handle it)
    _finding(
        RULES.TWO_VILLAGES,
        line,
        village=tree.village3,
        person=line.enrolment.person,
        related=[line.enrolment.person_id],
        key="other township",
    )
    assert held_lines(batch) == []
    services.batch_check(user=checker, batch=batch)
    other = _finding(RULES.TWO_VILLAGES, line, person=somebody, key="x")
    _refused(
        lambda: services.payment_clear(user=checker, payment=line, finding=other, reason="x"), "not_held"
    )


def test_a_finding_after_approval_does_not_unapprove_but_shows(client, tree, project, staff, checker, leader):
    batch = _batch(tree, project, staff)
    services.batch_check(user=checker, batch=batch)
    services.batch_approve(user=leader, batch=batch)
    line = batch.payments.first()
    finding = _finding(RULES.PAID_AFTER_EXIT, line, payment=line)
    assert PaymentBatch.objects.get(pk=batch.pk).status == "approved"
    assert [h.payment for h in held_lines(batch)] == [line]
    _refused(
        lambda: services.payment_clear(user=checker, payment=line, finding=finding, reason="x"),
        "invalid_transition",
    )
    body = _page(client, checker, batch)
    assert 'id="held-lines"' in body and "found after the batch was approved" in body
    assert 'name="reason"' not in body


@pytest.mark.parametrize("size", [1, 6])
def test_held_lines_takes_three_queries_whatever_the_size(
    tree, project, staff, django_assert_num_queries, size
):
    batch = _batch(tree, project, staff, n=size)
    for i, line in enumerate(batch.payments.all()):
        _finding(RULES.TWO_VILLAGES, line, person=line.enrolment.person, key=f"a{i}")
        _finding(RULES.ABOVE_STANDARD, line, payment=line, key=f"b{i}")
        if i:
            services.payment_clear(
                user=UserFactory(role=Role.TOWNSHIP_STAFF, division=tree.township),
                payment=line,
                finding=AnomalyFinding.objects.get(key=f"a{i}"),
                reason="已核实",
            )
    batch = batch_get(user=staff, pk=batch.pk)  # township joined, as on the page
    # the township's open findings; the lines they name (person, village joined); their clearances
    with django_assert_num_queries(3):
        held = held_lines(batch)
        names = [line.payment.enrolment.person.name + line.payment.enrolment.village.name for line in held]
        rules = [f.get_rule_display() for line in held for f in line.findings]
    assert len(names) == size and len(rules) == 2 + (size - 1)


# --- the pages and the API ------------------------------------------------------------------------


def _page(client, user, batch):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("beneficiaries:batch-detail", args=[batch.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_batch_page_shows_the_held_lines_and_clears_them(client, tree, project, staff, checker):
    batch = _batch(tree, project, staff)
    line = batch.payments.order_by("pk").first()
    finding = _finding(RULES.SHARED_CARD, line, person=line.enrolment.person)
    body = _page(client, checker, batch)
    section = body[body.index('id="held-lines"') :]
    assert "Held lines" in section and "one bank card for people of different households" in section
    assert finding.detail in section and line.reference in section
    assert reverse("beneficiaries:anomaly-detail", args=[finding.pk]) in section
    assert reverse("beneficiaries:payment-clear", args=[batch.pk]) in section
    assert 'data-step="check"' in body and "held by an open anomaly finding" in body
    assert not re.search(r'name="action" value="check"', body)
    # the preparer sees the lines, no form, and why
    body = _page(client, staff, batch)
    assert 'id="held-lines"' in body and 'name="reason"' not in body
    assert "cannot clear its held lines" in body
    client.post(
        reverse("beneficiaries:payment-clear", args=[batch.pk]),
        {"payment": line.pk, "finding": finding.pk, "reason": "我自己核实过"},
    )
    assert not PaymentClearance.objects.exists()
    # another officer clears it through the form
    client.force_login(checker)
    response = client.post(
        reverse("beneficiaries:payment-clear", args=[batch.pk]),
        {"payment": line.pk, "finding": finding.pk, "reason": "父子共用一卡，已核实"},
        follow=True,
    )
    assert "Line cleared." in response.content.decode()
    assert PaymentClearance.objects.get().cleared_by == checker
    body = _page(client, checker, batch)
    assert 'id="held-lines"' not in body and re.search(r'name="action" value="check"', body)


def test_generating_a_batch_says_how_many_lines_are_held(client, tree, project, staff):
    standard(project=project, amount="726.00")
    held = active_enrolment(project=project, village=tree.village, name="甲", card="6228480012345000001")
    active_enrolment(project=project, village=tree.village, name="乙", card="6228480012345000002")
    AnomalyFinding.objects.create(
        rule=RULES.TWO_VILLAGES,
        key="gen",
        village=tree.village,
        person=held.person,
        related=[held.person_id],
        detail="甲 两村",
        last_seen=timezone.now(),
    )
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("beneficiaries:batch-list"),
        {"project": project.pk, "division": tree.township.pk, "period_start": "2026-03", "period": "month"},
        follow=True,
    )
    body = response.content.decode()
    assert "Draft batch generated." in body
    assert "1 line is held by an open anomaly finding" in body


def test_api_batch_detail_lists_the_held_lines(tree, project, staff, checker, users):
    batch = _batch(tree, project, staff)
    line = batch.payments.order_by("pk").first()
    finding = _finding(RULES.EXCLUSIVE, line, person=line.enrolment.person)
    api = APIClient()
    api.force_authenticate(users[Role.COUNTY_AUDITOR])
    data = api.get(f"/api/v1/payment-batches/{batch.pk}/").json()
    assert data["held_lines"] == [
        {
            "payment": line.pk,
            "reference": line.reference,
            "person_name": line.enrolment.person.name,
            "amount": str(line.amount),
            "findings": [{"id": finding.pk, "rule": "exclusive", "detail": finding.detail}],
        }
    ]
    assert "held_lines" not in api.get("/api/v1/payment-batches/").json()["results"][0]
