import itertools

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
    # 低保, 五保 and the disability allowance, March–October, every month reconciled
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
    _batches_obey_the_rules()


def _batches_obey_the_rules():
    """The demo's batches were made by the services (issue 15): each line has its history row
    and names its span; no day of an enrolment is paid twice; nothing is paid after an exit;
    each failure before October is
    re-issued in a later batch; the one amount above the standard was changed in the draft with a
    reason; and what each enrolment was paid is what coverage says it is owed."""
    import datetime
    from decimal import Decimal

    from beneficiaries import coverage
    from beneficiaries.services.batches import rates_by_tier

    payments = list(Payment.objects.select_related("enrolment__person", "batch", "standard"))
    assert Payment.history.filter(history_type="+").count() == len(payments)
    spans, paid = {}, {}
    for p in payments:
        assert p.basis.startswith(f"{p.covers_from:%Y-%m-%d} – {p.covers_to:%Y-%m-%d}, ")
        if p.status != "failed":
            spans.setdefault(p.enrolment_id, []).append((p.covers_from, p.covers_to))
            paid[p.enrolment_id] = paid.get(p.enrolment_id, Decimal("0")) + p.amount
        if p.enrolment.status == "exited":
            assert p.covers_to <= p.enrolment.exit_on, p
    for taken in spans.values():
        taken.sort()
        assert all(a[1] < b[0] for a, b in itertools.pairwise(taken)), taken
    # monthly from March, when the enrolments are paid from: nothing is owed as arrears
    assert {p.batch.period for p in payments} == {"month"}
    assert {p.kind for p in payments} == {"regular", "reissue"}
    reissued = {p.reissue_of_id for p in payments if p.kind == "reissue"}
    for p in payments:
        if p.status == "failed" and p.batch.period_start.month < 10:
            assert p.pk in reissued, p
    (adjusted,) = [p for p in payments if p.adjust_reason]
    assert adjusted.batch.period_start == datetime.date(2026, 3, 1)
    # paid = owed for March–October (the deceased was paid as living: the planted finding)
    rates = {}
    for e in {p.enrolment for p in payments}:
        if e.project_id not in rates:
            rates[e.project_id] = rates_by_tier(e.project)
        programme = coverage.in_programme(active_from=e.active_from, exit_on=e.exit_on)
        owed = coverage.to_cents(
            coverage.entitled_to(
                datetime.date(2026, 10, 31),
                rule="month_any",
                programme=programme,
                rates=rates[e.project_id][e.tier],
                persons=e.persons_covered,
                year=2026,
            )
        )
        extra = Decimal("100") if e.pk == adjusted.enrolment_id else Decimal("0")
        assert paid[e.pk] == owed + extra, e
