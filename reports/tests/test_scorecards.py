from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from org.models import Role
from reports import services
from reports.models import ManualScore, Scorecard, ScorecardItem
from reports.tests.factories import scheme, township_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tree):
    # 城关镇: 40/100 → completion 40 %; funds 80,000/100,000 received (80 %)
    township_project(tree, division=tree.township, quantity="100", actual="40")
    # 陡沟镇: 150/100 → capped at 100 %; received 80,000 / 200,000 = 40 %
    township_project(tree, division=tree.township2, quantity="100", actual="150", planned="200000.00")
    return tree


def card(unit_name):
    return Scorecard.objects.get(unit_name=unit_name)


def test_each_item_against_hand_computed_numbers(data, users):
    made = scheme(data.county)
    inspection = ScorecardItem.objects.get(scheme=made, source="manual")
    reviewer = users[Role.COUNTY_REVIEWER]
    services.manual_score_set(
        user=reviewer, item_id=inspection.pk, unit_key=f"division:{data.township.pk}", percent="90"
    )
    services.scorecard_compute(user=reviewer, scheme_id=made.pk)
    first, second = card("城关镇"), card("陡沟镇")
    lines = {line.item.source: line for line in first.lines.all()}
    assert lines["completion"].points == Decimal("16.00")  # 40 % of 40
    assert lines["fund_received"].points == Decimal("24.00")  # 80 % of 30
    assert lines["manual"].points == Decimal("27.00")  # 90 % of 30
    assert first.total == Decimal("67.00")
    assert lines["fund_received"].numbers  # the source numbers are kept
    assert "80000.00" in lines["fund_received"].numbers.values()
    other = {line.item.source: line for line in second.lines.all()}
    assert other["completion"].points == Decimal("40.00")  # 150 % capped at 100 %
    assert other["fund_received"].points == Decimal("12.00")  # 40 % of 30
    assert other["manual"].points == Decimal("0.00") and "No score" in other["manual"].reason
    assert second.total == Decimal("52.00")
    assert (first.rank, second.rank) == (1, 2)


def test_recompute_replaces_and_is_idempotent(data, users):
    made = scheme(data.county)
    reviewer = users[Role.COUNTY_REVIEWER]
    services.scorecard_compute(user=reviewer, scheme_id=made.pk)
    services.scorecard_compute(user=reviewer, scheme_id=made.pk)
    assert Scorecard.objects.filter(scheme=made).count() == 2


def test_weights_must_add_up_to_100(data, users):
    made = scheme(data.county, items=[("完成率", "completion", "40"), ("到位率", "fund_received", "50")])
    with pytest.raises(ValidationError, match="90"):
        services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    assert not Scorecard.objects.exists()


def test_zero_target_gives_a_defined_result(tree, users):
    township_project(tree, quantity="0", actual="5", planned="0.00")
    made = scheme(tree.county, items=[("完成率", "completion", "50"), ("到位率", "fund_received", "50")])
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    first = card("城关镇")
    assert first.total == Decimal("0.00")
    assert all("denominator is 0" in line.reason for line in first.lines.all())


def test_unavailable_source_scores_nothing_and_says_why(data, users, monkeypatch):
    from reports import sources
    from reports.sources import registry

    # Every app has landed; a source whose app is missing must still score nothing and say why.
    # The list is patched where it is read: the registry.
    ghost = sources.ItemSource("ghost_rate", "Ghost rate", "ghostapp.selectors", needs="ghosts")
    monkeypatch.setattr(registry, "ITEM_SOURCES", [*registry.ITEM_SOURCES, ghost])
    made = scheme(data.county, items=[("幽灵", "ghost_rate", "50"), ("完成率", "completion", "50")])
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    line = card("城关镇").lines.get(item__source="ghost_rate")
    assert line.is_available is False and line.points == 0 and "Not available" in line.reason


def test_veto_rule():
    scores = [("a", "低保", Decimal("92")), ("b", "五保", Decimal("71.5")), ("c", "医疗救助", Decimal("88"))]
    assert set(services.vetoed_units(scores)) == {"b"}
    tied = [*scores, ("c", "养老", Decimal("71.5"))]
    assert set(services.vetoed_units(tied)) == {"b", "c"}
    assert services.vetoed_units([]) == {}


def test_vetoed_unit_ranks_last(data, users, monkeypatch):
    from reports import sources

    made = scheme(data.county)
    first_key = f"division:{data.township.pk}"
    monkeypatch.setattr(
        sources,
        "survey_scores",
        lambda units, period: [
            (first_key, "低保", Decimal("60")),
            (f"division:{data.township2.pk}", "五保", Decimal("90")),
        ],
    )
    services.scorecard_compute(user=users[Role.COUNTY_REVIEWER], scheme_id=made.pk)
    vetoed = card("城关镇")
    assert vetoed.is_vetoed and "低保" in vetoed.veto_reason
    assert vetoed.rank == 2 and card("陡沟镇").rank == 1


def test_who_may_compute(data, users):
    made = scheme(data.county)
    for role in (Role.TOWNSHIP_STAFF, Role.COUNTY_AUDITOR):
        with pytest.raises((PermissionDenied, Exception)):
            services.scorecard_compute(user=users[role], scheme_id=made.pk)
    assert not Scorecard.objects.exists()


def test_village_scheme_by_township(data, users):
    township_project(data, quantity="100", actual="50", villages=("village",))
    made = scheme(data.township, level="village", items=[("完成率", "completion", "100")])
    services.scorecard_compute(user=users[Role.TOWNSHIP_STAFF], scheme_id=made.pk)
    assert card("东庄村").total == Decimal("50.00")
    assert card("西湖村").total == Decimal("0.00")  # no project with a target: undefined → 0


def test_manual_score_bounds(data, users):
    made = scheme(data.county)
    item = ScorecardItem.objects.get(scheme=made, source="manual")
    with pytest.raises(ValidationError):
        services.manual_score_set(
            user=users[Role.COUNTY_REVIEWER],
            item_id=item.pk,
            unit_key=f"division:{data.township.pk}",
            percent="101",
        )
    with pytest.raises(ValidationError):
        services.manual_score_set(
            user=users[Role.COUNTY_REVIEWER],
            item_id=item.pk,
            unit_key=f"division:{data.other_township.pk}",
            percent="50",
        )
    assert not ManualScore.objects.exists()
