"""The one scoping mechanism (issue 14, default deny): a user or a Scope says whose scope a
read is in; None is nobody and sees nothing; Scope.system(reason) is everything, logged."""

import logging

import pytest
from django.apps import apps

from org.models import Division, Role
from org.scoping import Scope, acting_user, division_in_scope, require_scope, scope_prefix

pytestmark = pytest.mark.django_db


def scoped_models():
    return [m for m in apps.get_models() if hasattr(m._default_manager, "visible_to")]


def test_scope_of_needs_someone_and_system_needs_a_reason():
    with pytest.raises(TypeError):
        Scope.of(None)
    with pytest.raises(TypeError):
        require_scope(None)
    with pytest.raises(ValueError):
        Scope.system("  ")
    system = Scope.system("nightly anomaly checks")
    assert Scope.of(system) is system and system.is_system and acting_user(system) is None


def test_system_work_is_recorded_with_its_reason(caplog):
    with caplog.at_level(logging.INFO, logger="org.scoping"):
        Scope.system("nightly anomaly checks")
    assert "System scope: nightly anomaly checks" in caplog.text


@pytest.mark.parametrize("model", scoped_models(), ids=lambda m: m._meta.label)
def test_none_sees_nothing_and_system_sees_everything(tree, model):
    assert not model._default_manager.visible_to(None).exists()
    everything = model._default_manager.visible_to(Scope.system("test")).count()
    assert everything == model._default_manager.count()


def test_a_users_scope_is_the_user(tree, users):
    staff = users[Role.TOWNSHIP_STAFF]
    mine = set(Division.objects.visible_to(staff).values_list("pk", flat=True))
    assert set(Division.objects.visible_to(Scope.of(staff)).values_list("pk", flat=True)) == mine
    assert tree.township.pk in mine and tree.township2.pk not in mine
    assert scope_prefix(Scope.of(staff)) == tree.township.code
    assert division_in_scope(Scope.system("test"), tree.other_village)
    assert not division_in_scope(None, tree.village)
