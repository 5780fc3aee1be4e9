"""The beat tasks of partycare read every member and concern: they say so (Scope.system)."""

import logging

import pytest

from partycare.tasks import concerns_flag_overdue_task, due_items_refresh_task

pytestmark = pytest.mark.django_db


def test_beat_tasks_run_as_recorded_system_work(tree, caplog):
    with caplog.at_level(logging.INFO, logger="org.scoping"):
        assert due_items_refresh_task(today="2026-06-01") == 0
        assert concerns_flag_overdue_task() == {"flagged": 0, "cleared": 0, "escalated": 0}
    assert "System scope: daily care due list over every member" in caplog.text
    assert "System scope: hourly overdue flags on every concern" in caplog.text
