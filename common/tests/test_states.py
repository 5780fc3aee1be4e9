"""The state-machine helper, exercised on a division's active flag (any field works)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from common.states import StateMachine, Transition
from org.models import Division, Role


def _refuse_county(division, user):
    if division.level == Division.Level.COUNTY:
        raise ValidationError({"level": "a county stays active"})


MACHINE = StateMachine(
    field="is_active",
    transitions=[
        Transition(
            "close",
            sources=(True,),
            target=False,
            roles=(Role.TOWNSHIP_STAFF,),
            label="停用",
            check=_refuse_county,
        ),
        Transition(
            "reopen", sources=(False,), target=True, roles=(Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
        ),
    ],
)


def test_transition_writes_state_and_history(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    closed = MACHINE.transition(obj=tree.village, user=staff, name="close")
    assert closed.is_active is False
    assert Division.objects.get(pk=tree.village.pk).is_active is False
    record = closed.history.first()
    assert record.history_user == staff and record.prev_record.is_active is True


def test_wrong_state_is_refused_with_the_state_named(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    MACHINE.transition(obj=tree.village, user=staff, name="close")
    with pytest.raises(ValidationError) as excinfo:
        MACHINE.transition(obj=tree.village, user=staff, name="close")
    assert excinfo.value.error_dict["is_active"][0].code == "invalid_transition"
    assert "停用" in excinfo.value.message_dict["is_active"][0]


def test_role_is_checked_before_anything_changes(tree, users):
    with pytest.raises(PermissionDenied):
        MACHINE.transition(obj=tree.village, user=users[Role.COUNTY_AUDITOR], name="close")
    assert Division.objects.get(pk=tree.village.pk).is_active is True


def test_check_refuses_and_nothing_changes(tree, users):
    with pytest.raises(ValidationError):
        MACHINE.transition(obj=tree.county, user=users["admin"], name="close")
    assert Division.objects.get(pk=tree.county.pk).is_active is True


def test_available_lists_what_the_user_may_do(tree, users):
    assert [t.name for t in MACHINE.available(tree.village, users[Role.TOWNSHIP_STAFF])] == ["close"]
    assert MACHINE.available(tree.village, users[Role.TOWNSHIP_LEADER]) == []


@pytest.mark.django_db(transaction=True)
def test_two_people_at_once_exactly_one_succeeds(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    barrier = threading.Barrier(2)
    outcomes = []

    def act():
        try:
            barrier.wait()
            MACHINE.transition(obj=tree.village, user=staff, name="close")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Division.objects.get(pk=tree.village.pk).history.count() == 2  # created + one close


def test_available_runs_the_guard_and_blocked_says_why(tree, users):
    admin = users["admin"]
    # the guard refuses a county: the step is not offered (it was, before issue 14), and the
    # page can say why
    assert MACHINE.available(tree.county, admin) == []
    assert MACHINE.blocked(tree.county, admin) == {"close": "a county stays active"}
    assert MACHINE.refusal(tree.county, admin, "close") == "a county stays active"
    assert [t.name for t in MACHINE.available(tree.village, admin)] == ["close"]
    assert MACHINE.blocked(tree.village, admin) == {}
    # another role's step is not listed as blocked: it is someone else's work
    assert MACHINE.blocked(tree.village, users[Role.TOWNSHIP_LEADER]) == {}


def test_transition_without_a_queryset_reads_through_the_users_scope(tree, users):
    from django.http import Http404

    staff = users[Role.TOWNSHIP_STAFF]
    with pytest.raises(Http404):  # the bare manager would have found and closed it
        MACHINE.transition(obj=tree.other_village, user=staff, name="close")
    assert Division.objects.get(pk=tree.other_village.pk).is_active is True


def test_transition_with_a_scoped_queryset_answers_404_outside_it(tree, users):
    from django.http import Http404

    staff = users[Role.TOWNSHIP_STAFF]
    with pytest.raises(Http404):
        MACHINE.transition(
            obj=tree.village3, user=staff, name="close", queryset=Division.objects.visible_to(staff)
        )
    assert Division.objects.get(pk=tree.village3.pk).is_active is True
