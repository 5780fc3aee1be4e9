"""The hourly beat task reads every concern: it says so (Scope.system). Under the name it had in
partycare it still runs, for messages queued before the move."""

import logging

import pytest

from config.celery import app
from fieldwork.tasks import concerns_flag_overdue_task

pytestmark = pytest.mark.django_db


def test_beat_task_runs_as_recorded_system_work(tree, caplog):
    with caplog.at_level(logging.INFO, logger="org.scoping"):
        assert concerns_flag_overdue_task() == {"flagged": 0, "cleared": 0, "escalated": 0}
    assert "System scope: hourly overdue flags on every concern" in caplog.text


def test_the_old_task_name_still_runs_the_task(tree):
    assert concerns_flag_overdue_task.name == "fieldwork.concerns_flag_overdue"
    old = app.tasks["partycare.concerns_flag_overdue"]
    assert old() == {"flagged": 0, "cleared": 0, "escalated": 0}
