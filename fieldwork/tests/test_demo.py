"""The county demo's visits and concerns, its code scaled down: the proportions hold."""

import random

from beneficiaries.models import Callback
from fieldwork import demo
from fieldwork.models import Concern, HomeVisit, VisitCallback
from fieldwork.tests.builders import TODAY, S, enrol, household
from projects.tests.factories import ProjectFactory


def test_county_demo_visits_scaled_down_hold_the_proportions(tree, users):
    assert demo.SIZES["county"] == (20_000, 5_000)
    dibao = ProjectFactory(division=tree.township, code="DB")
    villages = [tree.village, tree.village2, tree.village3]
    for n in range(60):
        h = household(villages[n % 3], number=f"{n:03d}", head_name=f"周{n}")
        if n % 4 == 0:
            enrol(dibao, h.head)
    seeded = demo.seed_visits(size="county", rng=random.Random(7), today=TODAY, visits=2000, concerns=500)
    assert seeded["visits"] == HomeVisit.objects.count() == 2000
    assert 450 <= seeded["concerns"] == Concern.objects.count() <= 550  # 20,000 : 5,000
    counts = {state: Concern.objects.filter(status=state).count() for state in S.values}
    assert all(counts.values()), counts  # every state of the pipeline
    shares = dict(demo.STATE_SHARES)
    for state, weight in shares.items():
        assert abs(counts[state] / seeded["concerns"] - weight / 100) < 0.05, (state, counts)
    # the states are consistent with their fields
    assert not Concern.objects.filter(status=S.DISPATCHED, deadline__isnull=True).exists()
    assert not Concern.objects.filter(status=S.DISPATCHED, departments__isnull=True).exists()
    assert not Concern.objects.filter(status=S.CLOSED, decision="explain", explanation="").exists()
    assert not Concern.objects.filter(status=S.RESOLVED, resolved_on__isnull=True).exists()
    purposes = {p: HomeVisit.objects.filter(purpose=p).count() for p in HomeVisit.Purpose.values}
    assert all(300 <= n <= 700 for n in purposes.values()), purposes
    # callback visits to households with an enrolment record their callbacks
    assert (
        seeded["callbacks"]
        == Callback.objects.filter(method="visit").count()
        == VisitCallback.objects.count()
        > 0
    )
    assert not VisitCallback.objects.exclude(visit__purpose="callback").exists()
    # idempotent
    again = demo.seed_visits(size="county", rng=random.Random(7), today=TODAY, visits=2000, concerns=500)
    assert again == {"visits": 0, "concerns": 0, "callbacks": 0} and HomeVisit.objects.count() == 2000
