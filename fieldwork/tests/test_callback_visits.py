"""A callback visit (受益回访) records beneficiaries Callbacks, exactly once, counted in the
coverage; answers for the whole household; the households the phone gets; the data migration
that turned the old answer columns into Callbacks."""

import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from beneficiaries.models import Callback, Enrolment
from beneficiaries.selectors import callback_coverage, callback_pending
from fieldwork.models import HomeVisit, VisitCallback
from fieldwork.tests.builders import TODAY, D, enrol, household, visit
from org.models import Role
from projects.tests.factories import ProjectFactory

# --- callbacks ------------------------------------------------------------------------------


def test_callback_visit_records_one_callback_per_enrolment_and_counts_in_coverage(family, cadre):
    v, created = visit(
        cadre,
        family["household"],
        callbacks=[
            {
                "enrolment": family["head"],
                "reached": True,
                "knew_policy": True,
                "received_money": True,
                "satisfied": False,
            },
            {"enrolment": family["wife"].pk, "reached": False},
        ],
    )
    assert created
    by_enrolment = {c.enrolment_id: c for c in Callback.objects.all()}
    assert set(by_enrolment) == {family["head"].pk, family["wife"].pk}
    head = by_enrolment[family["head"].pk]
    assert (head.method, head.called_on, head.recorded_by) == ("visit", TODAY, cadre)
    assert (head.reached, head.knew_policy, head.received_money, head.satisfied) == (True, True, True, False)
    wife = by_enrolment[family["wife"].pk]
    assert (wife.reached, wife.knew_policy, wife.satisfied) == (False, None, None)
    assert set(v.callbacks.all()) == set(by_enrolment.values())
    assert head.history.count() == 1  # recorded through the service: audited
    # beneficiaries' coverage counts the reached one; the head is no longer "not yet called"
    row = next(r for r in callback_coverage(user=cadre, project_id=family["dibao"].pk))
    assert (row["enrolled"], row["called"]) == (2, 1)
    pending = set(callback_pending(user=cadre).values_list("pk", flat=True))
    assert family["head"].pk not in pending and {family["wife"].pk, family["neighbour"].pk} <= pending


def test_visit_sent_three_times_makes_one_set_of_callbacks(family, cadre):
    api = APIClient()
    api.force_authenticate(cadre)
    payload = {
        "client_id": str(uuid.uuid4()),
        "household": family["household"].pk,
        "visited_on": "2026-11-20",
        "purpose": "callback",
        "callbacks": json.dumps(
            [
                {"enrolment": family["head"].pk, "reached": True, "knew_policy": True, "satisfied": True},
                {"enrolment": family["wife"].pk, "reached": True, "received_money": False},
            ]
        ),
    }
    codes = [api.post("/api/v1/home-visits/", payload, format="multipart").status_code for _ in range(3)]
    assert codes == [201, 200, 200]
    assert HomeVisit.objects.count() == 1
    assert Callback.objects.count() == 2 and VisitCallback.objects.count() == 2
    body = api.get(f"/api/v1/home-visits/{HomeVisit.objects.get().pk}/").json()
    assert sorted((c["enrolment"], c["reached"]) for c in body["callbacks"]) == sorted(
        [(family["head"].pk, True), (family["wife"].pk, True)]
    )
    assert {c["project_name"] for c in body["callbacks"]} == {"农村低保", "高龄津贴"}


@pytest.mark.parametrize(
    ("callbacks", "message"),
    [
        ([{"enrolment": "neighbour", "reached": True}], "not one of this household"),
        ([{"enrolment": "head", "reached": True}, {"enrolment": "head", "reached": False}], "twice"),
        ([{"enrolment": "head", "reached": False, "satisfied": True}], "not reached"),
        ([{"enrolment": "head"}], "was reached"),
    ],
)
def test_bad_callbacks_are_refused_and_nothing_is_written(family, cadre, callbacks, message):
    items = [{**item, "enrolment": family[item["enrolment"]]} for item in callbacks]
    with pytest.raises(ValidationError, match=message):
        visit(cadre, family["household"], callbacks=items)
    assert not HomeVisit.objects.exists() and not Callback.objects.exists()


def test_callbacks_only_on_a_callback_visit(family, cadre):
    with pytest.raises(ValidationError, match="Only a callback visit"):
        visit(
            cadre,
            family["household"],
            purpose="collect",
            callbacks=[{"enrolment": family["head"], "reached": True}],
        )
    assert not Callback.objects.exists()


def test_household_answers_count_for_the_enrolments_active_that_day(family, cadre, tree):
    """A phone without the enrolment list (or an older form) sends one set of answers."""
    h = family["household"]
    late = enrol(ProjectFactory(division=tree.township, code="L1"), h.head, active_from=D(2026, 12, 1))
    gone = enrol(
        ProjectFactory(division=tree.township, code="G1"),
        h.head,
        status=Enrolment.Status.EXITED,
        exit_on=D(2026, 6, 30),
    )
    v, _ = visit(cadre, h, callback={"reached": True, "knew_policy": False, "satisfied": True})
    called = set(Callback.objects.values_list("enrolment_id", flat=True))
    assert called == {family["head"].pk, family["wife"].pk}  # not the late one, not the exited
    assert late.pk not in called and gone.pk not in called
    assert set(Callback.objects.values_list("knew_policy", "satisfied", "received_money")) == {
        (False, True, None)
    }
    assert v.callbacks.count() == 2


def test_household_answers_without_any_enrolment_go_into_the_notes(tree, cadre):
    h = household(tree.village, number="009")
    v, _ = visit(
        cadre, h, notes="老人在家", callback={"reached": True, "knew_policy": True, "satisfied": False}
    )
    assert not Callback.objects.exists()
    assert v.notes.startswith("老人在家\n【回访】见到本人：是；知晓政策：是") and "满意：否" in v.notes


def test_households_for_the_phone_carry_their_active_enrolments_in_two_queries(family, cadre, tree):
    api = APIClient()
    api.force_authenticate(cadre)

    def fetch():
        with CaptureQueriesContext(connection) as queries:
            rows = api.get("/api/v1/home-visits/households/").json()
        return rows, len(queries)

    rows, small = fetch()
    mine = next(r for r in rows if r["id"] == family["household"].pk)
    assert sorted(e["project"] for e in mine["enrolments"]) == ["农村低保", "高龄津贴"]
    assert {e["person"] for e in mine["enrolments"]} == {"张三", "李梅"}
    for n in range(5):
        more = household(tree.village, number=f"1{n:02d}", head_name=f"孙{n}")
        enrol(family["dibao"], more.head)
    enrol(
        ProjectFactory(division=tree.township, code="X9"),
        family["household"].head,
        status=Enrolment.Status.EXITED,
        exit_on=D(2026, 3, 1),
    )
    rows, large = fetch()
    # session + user, households, enrolments: the same whatever the number of households
    assert large == small and len(rows) == 7
    mine = next(r for r in rows if r["id"] == family["household"].pk)
    assert len(mine["enrolments"]) == 2  # the exited one is not offered


# --- the data migration -----------------------------------------------------------------------


@pytest.mark.migration
@pytest.mark.django_db(transaction=True)
def test_migration_moves_old_answers_into_callbacks(tree, users):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("partycare", "0005_home_visit_member")]
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    OldVisit = old.get_model("partycare", "HomeVisit")
    cadre = users[Role.VILLAGE_CADRE]
    h = household(tree.village)
    project = ProjectFactory(division=tree.township, code="DB")
    active = enrol(project, h.head)
    alone = household(tree.village, number="002")
    answered = OldVisit.objects.create(
        client_id=uuid.uuid4(),
        household_id=h.pk,
        village_id=tree.village.pk,
        visited_on=D(2026, 5, 1),
        purpose="callback",
        notes="",
        visitor_id=cadre.pk,
        callback_reached=True,
        callback_knew_policy=False,
        callback_satisfied=True,
    )
    lonely = OldVisit.objects.create(
        client_id=uuid.uuid4(),
        household_id=alone.pk,
        village_id=tree.village.pk,
        visited_on=D(2026, 5, 1),
        purpose="callback",
        notes="记录",
        visitor_id=cadre.pk,
        callback_reached=None,
        callback_satisfied=True,
    )
    try:
        MigrationExecutor(connection).migrate(latest)
        callback = Callback.objects.get()
        assert (callback.enrolment_id, callback.method, callback.called_on) == (
            active.pk,
            "visit",
            D(2026, 5, 1),
        )
        assert (callback.reached, callback.knew_policy, callback.satisfied) == (True, False, True)
        assert callback.history.get().history_user_id == users[Role.VILLAGE_CADRE].pk
        assert list(HomeVisit.objects.get(pk=answered.pk).callbacks.all()) == [callback]
        notes = HomeVisit.objects.get(pk=lonely.pk).notes
        assert notes.startswith("记录\n【回访】") and "满意：是" in notes
    finally:
        MigrationExecutor(connection).migrate(latest)
