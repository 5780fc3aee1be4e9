import pytest
from django.core.management import call_command

from beneficiaries.models import AnomalyFinding, Callback, Enrolment, Payment, PaymentBatch, SubsidyStandard

pytestmark = pytest.mark.django_db

MODELS = (Enrolment, SubsidyStandard, PaymentBatch, Payment, Callback, AnomalyFinding)


def test_small_profile_subsidies_are_idempotent_and_plant_every_rule(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", profile="small", verbosity=0)
    counts = [M.objects.count() for M in MODELS]
    call_command("seed_demo", profile="small", verbosity=0)
    assert [M.objects.count() for M in MODELS] == counts
    # 低保, 五保 and the disability allowance, May–October, the last month not yet reconciled
    assert set(PaymentBatch.objects.values_list("project__name", flat=True)) == {
        "农村居民最低生活保障",
        "农村五保供养",
        "贫困残疾人生活特别救助",
    }
    assert Payment.objects.filter(status="failed").exists()
    # reconciled within their month (the monthly report counts payments by that date)
    from django.utils import timezone

    for batch in PaymentBatch.objects.all():
        reconciled = timezone.localtime(batch.reconciled_at).date()
        assert (reconciled.year, reconciled.month) == (batch.period_start.year, batch.period_start.month)
        assert batch.bank_file_at < batch.exported_at < batch.reconciled_at
        # four-eyes: three different people, none of them missing (they were all empty)
        people = (batch.prepared_by_id, batch.checked_by_id, batch.approved_by_id)
        assert None not in people and len(set(people)) == 3
        assert (batch.prepared_by.role, batch.approved_by.role) == ("township_staff", "township_leader")
    assert set(AnomalyFinding.objects.values_list("rule", flat=True)) == {
        "exclusive",
        "two_villages",
        "paid_after_exit",
        "above_standard",
        "shared_card",
        "cadre_relative",
    }
    standards = set(SubsidyStandard.objects.values_list("amount", flat=True))
    assert {726, 360, 240} <= {int(a) for a in standards}
