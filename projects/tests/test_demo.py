from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from core.money import rate
from projects.models import FundLine, FundMovement, ProgressReport, Project, Site, Target
from projects.services import fund_order_check

pytestmark = pytest.mark.django_db


def _splits_add_up():
    for parent in (
        Target.objects.filter(children__isnull=False).distinct().annotate(split=Sum("children__quantity"))
    ):
        assert parent.split == parent.quantity, parent


def _fund_order_holds():
    for line in FundLine.objects.prefetch_related("movements"):
        fund_order_check(line, list(line.movements.all()))


def test_small_profile_is_idempotent(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", profile="small", verbosity=0)
    counts = [M.objects.count() for M in (Project, Target, ProgressReport, FundLine, FundMovement, Site)]
    call_command("seed_demo", profile="small", verbosity=0)
    assert [
        M.objects.count() for M in (Project, Target, ProgressReport, FundLine, FundMovement, Site)
    ] == counts
    assert Project.objects.count() == 7 and set(
        Project.objects.values_list("division__level", flat=True)
    ) == {"township"}
    _splits_add_up()
    _fund_order_holds()


def test_county_profile_follows_the_summary(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", profile="county", only="org,projects", verbosity=0)
    call_command("seed_demo", profile="county", only="org,projects", verbosity=0)
    county_projects = Project.objects.filter(division__level="county")
    assert county_projects.count() == 33
    levels = set(Target.objects.filter(project__in=county_projects).values_list("division__level", flat=True))
    assert levels == {"county", "township", "village"}
    assert ProgressReport.objects.dates("month", "month").count() >= 1
    _splits_add_up()
    _fund_order_holds()
    planned = FundLine.objects.filter(project__in=county_projects).aggregate(total=Sum("planned"))["total"]
    sums = dict(
        FundMovement.objects.filter(fund_line__project__in=county_projects)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    # 到位率 101.66 % and 拨付率 100 % as in the summary (within rounding).
    assert abs(rate(sums["received"], planned) - Decimal("1.0166")) < Decimal("0.001")
    assert rate(sums["allocated"], sums["received"]) == Decimal("1.0000")
    self_raised = FundMovement.objects.filter(
        fund_line__project__in=county_projects, fund_line__source="self_raised", kind="received"
    ).aggregate(total=Sum("amount"))["total"]
    assert abs(rate(self_raised, sums["received"]) - Decimal("0.095")) < Decimal("0.001")  # 1.75 / 18.42
