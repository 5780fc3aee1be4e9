"""The beat task of partycare reads every member: it says so (Scope.system)."""

import logging

import pytest

from partycare.tasks import due_items_refresh_task

pytestmark = pytest.mark.django_db


def test_beat_tasks_run_as_recorded_system_work(tree, caplog):
    with caplog.at_level(logging.INFO, logger="org.scoping"):
        assert due_items_refresh_task(today="2026-06-01") == 0
    assert "System scope: daily care due list over every member" in caplog.text
