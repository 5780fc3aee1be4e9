import pytest
from django.core.management import call_command

from reports.models import MonthlyReport, Scorecard

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_varied(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", profile="small", verbosity=0)
    counts = (MonthlyReport.objects.count(), Scorecard.objects.count())
    call_command("seed_demo", profile="small", verbosity=0)
    assert (MonthlyReport.objects.count(), Scorecard.objects.count()) == counts
    if MonthlyReport.objects.count() >= 3:  # early in the year there may be fewer months
        assert MonthlyReport.objects.filter(is_current=False).exists()
        assert len(set(MonthlyReport.objects.values_list("status", flat=True))) >= 2
    assert Scorecard.objects.exists()
