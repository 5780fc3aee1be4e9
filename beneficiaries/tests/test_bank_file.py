"""The bank file before "sent" (issue 15): the file is made as a job once the batch is approved,
marking the batch sent to the bank is a separate, confirmed step refused before the file exists,
and a payment failed for a closed account is re-issued only to a new card recorded after the
failure."""

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from beneficiaries import excel, services
from beneficiaries.models import Payment, PaymentBatch, Person
from beneficiaries.services.reconciliation import failure_kind_for, reissue_card
from beneficiaries.tests.factories import active_enrolment, sent_to_bank, standard
from common.jobs import job_run
from common.models import Job
from org.models import AccessLog, Role
from org.tests.factories import UserFactory
from projects.tests.factories import ProjectFactory

MARCH, APRIL, MAY = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)
OLD_CARD, NEW_CARD = "6228480012345670001", "6217000099998888777"


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages' messages are asserted in English (zh-hans is the portal's default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def project(tree):
    project = ProjectFactory(division=tree.township, name="残疾人两项补贴", code="BF")
    standard(project=project, amount="726.00")
    return project


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


@pytest.fixture
def leader(users):
    return users[Role.TOWNSHIP_LEADER]


def _batch(tree, project, staff, period_start=MARCH):
    return services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=period_start
    )


def _checked(tree, project, staff, n=3):
    for i in range(n):
        active_enrolment(project=project, village=tree.village, name=f"甲{i}", card=f"62284800123456{i:05d}")
    batch = _batch(tree, project, staff)
    checker = UserFactory(role=Role.TOWNSHIP_STAFF, division=tree.township)
    return services.batch_check(user=checker, batch=batch)


def _approved(tree, project, staff, leader, n=3):
    return services.batch_approve(user=leader, batch=_checked(tree, project, staff, n=n))


def _ask_bank_file(client, batch):
    return client.post(reverse("beneficiaries:batch-bank-file", args=[batch.pk]), {"format": "xlsx"})


# --- the bank file at approval ----------------------------------------------------------------------


def test_bank_file_is_refused_before_approval(client, tree, project, staff):
    batch = _checked(tree, project, staff)
    client.force_login(staff)
    response = _ask_bank_file(client, batch)
    assert response.status_code == 302 and response.url == reverse(
        "beneficiaries:batch-detail", args=[batch.pk]
    )
    assert not Job.objects.filter(kind="beneficiaries.bank_file").exists()
    body = client.get(response.url).content.decode()
    assert reverse("beneficiaries:batch-bank-file", args=[batch.pk]) not in body  # no buttons yet
    # nor through the service the job calls
    with pytest.raises(ValidationError):
        services.batch_bank_file_record(user=staff, batch=batch)
    assert PaymentBatch.objects.get(pk=batch.pk).bank_file_at is None


def test_bank_file_is_made_at_approval_recorded_and_logged(
    client, tree, project, staff, leader, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    batch = _approved(tree, project, staff, leader)
    client.force_login(staff)
    assert (
        reverse("beneficiaries:batch-bank-file", args=[batch.pk])
        in client.get(reverse("beneficiaries:batch-detail", args=[batch.pk])).content.decode()
    )
    assert _ask_bank_file(client, batch).status_code == 302
    job = Job.objects.get(kind="beneficiaries.bank_file")
    assert job_run(job_id=job.pk) == "done", Job.objects.get(pk=job.pk).message
    batch = PaymentBatch.objects.get(pk=batch.pk)
    assert batch.status == "approved" and batch.bank_file_at is not None
    first = batch.bank_file_at
    content = b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content)
    rows = excel.read_bank_result(io.BytesIO(content), name="bank.xlsx")
    assert sorted(r["reference"] for r in rows) == sorted(p.reference for p in batch.payments.all())
    assert {r["bank_card"] for r in rows} == {
        p.bank_card for p in batch.payments.all()
    }  # whole, for the bank
    entry = AccessLog.objects.get(user=staff)
    assert (entry.action, entry.rows) == ("download_unmasked", 3)
    # a second file keeps the first date
    _ask_bank_file(client, batch)
    job_run(job_id=Job.objects.filter(kind="beneficiaries.bank_file").latest("created_at").pk)
    assert PaymentBatch.objects.get(pk=batch.pk).bank_file_at == first


def test_an_auditors_copy_does_not_count_as_produced(
    client, tree, users, project, staff, leader, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    batch = _approved(tree, project, staff, leader)
    client.force_login(users[Role.COUNTY_AUDITOR])
    _ask_bank_file(client, batch)
    assert job_run(job_id=Job.objects.get(kind="beneficiaries.bank_file").pk) == "done"
    assert PaymentBatch.objects.get(pk=batch.pk).bank_file_at is None  # the auditor changes nothing


# --- "sent to the bank": after the file, confirmed ---------------------------------------------------


def test_export_is_refused_before_the_bank_file_and_the_page_says_why(client, tree, project, staff, leader):
    batch = _approved(tree, project, staff, leader)
    with pytest.raises(ValidationError) as refused:
        services.batch_mark_exported(user=staff, batch=batch)
    assert refused.value.error_list[0].code == "no_bank_file"
    client.force_login(staff)
    body = client.get(reverse("beneficiaries:batch-detail", args=[batch.pk])).content.decode()
    assert 'data-step="export"' in body and "has not been produced yet" in body
    assert 'name="action" value="export"' not in body
    # a forged post (confirmed or not) changes nothing
    url = reverse("beneficiaries:batch-action", args=[batch.pk])
    for data in ({"action": "export"}, {"action": "export", "confirmed": "yes"}):
        assert client.post(url, data).status_code == 302
    assert PaymentBatch.objects.get(pk=batch.pk).status == "approved"


def test_export_after_the_bank_file_asks_to_confirm_then_says_what_happened(
    client, tree, project, staff, leader
):
    batch = _approved(tree, project, staff, leader)
    services.batch_bank_file_record(user=staff, batch=batch)
    client.force_login(staff)
    body = client.get(reverse("beneficiaries:batch-detail", args=[batch.pk])).content.decode()
    assert 'name="action" value="export"' in body and 'data-step="export"' not in body
    url = reverse("beneficiaries:batch-action", args=[batch.pk])
    response = client.post(url, {"action": "export"})
    page = response.content.decode()
    assert response.status_code == 200 and 'name="confirmed"' in page and "required" in page
    assert "181.50 元" in page  # what is being confirmed: 3 × 60.50
    assert PaymentBatch.objects.get(pk=batch.pk).status == "approved"
    response = client.post(url, {"action": "export", "confirmed": "yes"}, follow=True)
    batch = PaymentBatch.objects.get(pk=batch.pk)
    assert batch.status == "exported" and batch.exported_at is not None
    assert f"Batch {batch} marked sent to the bank: 3 payments, 181.50 元." in response.content.decode()


def test_approve_asks_to_confirm(client, tree, project, staff, leader):
    batch = _checked(tree, project, staff)
    client.force_login(leader)
    url = reverse("beneficiaries:batch-action", args=[batch.pk])
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 200 and 'value="approve"' in response.content.decode()
    assert PaymentBatch.objects.get(pk=batch.pk).status == "checked"
    response = client.post(url, {"action": "approve", "confirmed": "yes"}, follow=True)
    assert PaymentBatch.objects.get(pk=batch.pk).status == "approved"
    assert "approved: 3 payments, 181.50 元." in response.content.decode()


# --- closed accounts: re-issued only to a new card -------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("账户已销户", "closed_account"),
        ("账户已注销", "closed_account"),
        ("账户不存在", "closed_account"),
        ("账户冻结", "closed_account"),
        ("无此账户", "closed_account"),
        ("Account closed", "closed_account"),
        ("户名不符", "other"),
        ("超过单日限额", "other"),
    ],
)
def test_failure_kind_is_read_from_the_banks_reason(reason, kind):
    assert failure_kind_for(reason) == kind


def _failed_in_march(tree, project, staff, leader, reason, *, before_result=None):
    """A March batch of one person, failed by the bank for ``reason``; ``before_result`` runs
    after the batch was sent and before the result is applied."""
    enrolment = active_enrolment(project=project, village=tree.village, name="李四", card=OLD_CARD)
    batch = _batch(tree, project, staff)
    services.batch_check(user=UserFactory(role=Role.TOWNSHIP_STAFF, division=tree.township), batch=batch)
    services.batch_approve(user=leader, batch=batch)
    batch = sent_to_bank(batch=batch, user=staff)
    if before_result:
        before_result(enrolment.person)
    payment = batch.payments.get()
    services.batch_reconcile(
        user=staff,
        batch=batch,
        results=[
            {
                "row": 2,
                "reference": payment.reference,
                "amount": payment.amount,
                "result": "failed",
                "reason": reason,
            }
        ],
    )
    return enrolment, Payment.objects.get(pk=payment.pk)


def _reissues(batch):
    return list(batch.payments.filter(reissue_of__isnull=False))


def test_closed_account_waits_for_a_new_card_then_goes_to_it(client, tree, project, staff, leader):
    enrolment, failed = _failed_in_march(tree, project, staff, leader, "账户已注销")
    assert failed.failure_kind == Payment.FailureKind.CLOSED_ACCOUNT
    assert reissue_card(Payment.objects.select_related("enrolment__person").get(pk=failed.pk)) is None
    # April: not re-issued to the closed card
    april = _batch(tree, project, staff, APRIL)
    assert _reissues(april) == []
    # the batch page of the failed batch lists it as waiting for a new card
    client.force_login(staff)
    body = client.get(reverse("beneficiaries:batch-detail", args=[failed.batch_id])).content.decode()
    assert 'id="waiting-for-card"' in body and f'data-payment="{failed.reference}"' in body
    # the same number typed again is not a new card
    services.person_update(user=staff, person=enrolment.person, bank_card=OLD_CARD)
    assert reissue_card(Payment.objects.select_related("enrolment__person").get(pk=failed.pk)) is None
    # a new card recorded after the failure: the next batch re-issues March to it
    services.person_update(user=staff, person=enrolment.person, bank_card=NEW_CARD, bank_name="建行")
    person = Person.objects.get(pk=enrolment.person_id)
    assert person.bank_card_recorded_at > failed.batch.reconciled_at
    may = _batch(tree, project, staff, MAY)
    [reissue] = _reissues(may)
    assert (reissue.reissue_of_id, reissue.covers_from) == (failed.pk, MARCH)
    assert (reissue.bank_card, reissue.bank_name) == (NEW_CARD, "建行")
    body = client.get(reverse("beneficiaries:batch-detail", args=[failed.batch_id])).content.decode()
    assert 'id="waiting-for-card"' not in body


def test_closed_account_ignores_a_card_recorded_before_the_failure(tree, project, staff, leader):
    def change_card(person):  # between sending and the bank's answer
        services.person_update(user=staff, person=person, bank_card=NEW_CARD)

    _enrolment, failed = _failed_in_march(
        tree, project, staff, leader, "账户不存在", before_result=change_card
    )
    assert failed.bank_card == OLD_CARD
    assert _reissues(_batch(tree, project, staff, APRIL)) == []
    assert [p.pk for p in services.waiting_for_new_card(batch=failed.batch)] == [failed.pk]


def test_other_failure_is_reissued_to_the_card_on_record_as_before(tree, project, staff, leader):
    _enrolment, failed = _failed_in_march(tree, project, staff, leader, "户名不符")
    assert failed.failure_kind == Payment.FailureKind.OTHER
    [reissue] = _reissues(_batch(tree, project, staff, APRIL))
    assert (reissue.reissue_of_id, reissue.bank_card) == (failed.pk, OLD_CARD)
    assert services.waiting_for_new_card(batch=failed.batch) == []


def test_registry_records_when_the_card_changes(tree, staff):
    from beneficiaries.tests.factories import id_number

    before = timezone.now()
    person = services.person_register(
        user=staff, id_number=id_number(), name="赵六", village=tree.village, bank_card=OLD_CARD
    )
    assert person.bank_card_recorded_at >= before
    recorded = person.bank_card_recorded_at
    services.person_update(user=staff, person=person, phone="13800000000", bank_card=OLD_CARD)
    assert Person.objects.get(pk=person.pk).bank_card_recorded_at == recorded  # not a new card
    services.person_update(user=staff, person=person, bank_card=NEW_CARD)
    assert Person.objects.get(pk=person.pk).bank_card_recorded_at > recorded
    without = services.person_register(user=staff, id_number=id_number(), name="钱七", village=tree.village)
    assert without.bank_card_recorded_at is None


def test_migration_fills_the_new_fields(tree, project, staff, leader):
    enrolment, failed = _failed_in_march(tree, project, staff, leader, "账户已冻结")
    person = enrolment.person
    batch = PaymentBatch.objects.get(pk=failed.batch_id)
    Payment.objects.filter(pk=failed.pk).update(failure_kind="")
    PaymentBatch.objects.filter(pk=batch.pk).update(bank_file_at=None)
    Person.objects.filter(pk=person.pk).update(bank_card_recorded_at=None)
    migration = importlib.import_module("beneficiaries.migrations.0009_bank_file_and_closed_cards")
    migration.forward(apps, None)
    assert Payment.objects.get(pk=failed.pk).failure_kind == "closed_account"
    assert PaymentBatch.objects.get(pk=batch.pk).bank_file_at == batch.exported_at
    assert Person.objects.get(pk=person.pk).bank_card_recorded_at == person.created_at
