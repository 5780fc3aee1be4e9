"""One notice-days setting (settings.NOTICE_MIN_DAYS): the form, the service and the database
follow it, and a new value of it shows up in makemigrations."""

import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from common.tests.db import guards_off
from core import clock
from publicity import services
from publicity.forms import NoticeForm
from publicity.models import PublicNotice, notice_period_constraint
from publicity.tests.factories import NoticeFactory

COLUMNS = [("name", "姓名", "name")]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _publish(user, division, *, days):
    """Post now, ``days`` full days after today (the day of posting does not count)."""
    start = clock.today()
    return services.notice_publish(
        user=user,
        kind=PublicNotice.Kind.ENROLMENT,
        division=division,
        title="公示",
        ends_on=start + datetime.timedelta(days=days),
        rows=[{"name": "张三"}],
        columns=COLUMNS,
    )


def test_the_default_is_seven_days_and_the_service_says_why(tree, staff):
    assert settings.NOTICE_MIN_DAYS == 7
    start = clock.today()
    with pytest.raises(ValidationError) as excinfo:
        _publish(staff, tree.village, days=6)
    assert excinfo.value.message_dict["ends_on"] == [
        f"A notice must stay up at least 7 full days after the day it is posted: posted on "
        f"{start.isoformat()}, it ends on {(start + datetime.timedelta(days=7)).isoformat()} at the "
        f"earliest, not {(start + datetime.timedelta(days=6)).isoformat()}."
    ]
    assert _publish(staff, tree.village, days=7).days == 7


def test_the_service_and_the_form_follow_the_setting(settings, tree, staff):
    settings.NOTICE_MIN_DAYS = 10
    with pytest.raises(ValidationError, match=r"at least 10 full days"):
        _publish(staff, tree.village, days=9)
    assert PublicNotice.objects.count() == 0
    assert _publish(staff, tree.village, days=10).days == 10

    start = clock.today()
    data = {
        "kind": PublicNotice.Kind.ENROLMENT,
        "division": tree.village.pk,
        "title": "公示",
        "ends_on": (start + datetime.timedelta(days=9)).isoformat(),
    }
    divisions = type(tree.village).objects.filter(pk=tree.village.pk)
    form = NoticeForm(data, divisions=divisions)
    assert not form.is_valid() and "at least 10 full days" in form.errors["ends_on"][0]
    assert "starts_on" not in form.fields  # the period starts when the notice is posted
    assert NoticeForm(divisions=divisions).initial["ends_on"] == start + datetime.timedelta(days=10)


def test_the_constraint_is_the_setting():
    (constraint,) = [c for c in PublicNotice._meta.constraints if c.name.startswith("notice_at_least")]
    assert constraint == notice_period_constraint(settings.NOTICE_MIN_DAYS)
    assert constraint.name == "notice_at_least_7_full_days"
    assert (
        str(constraint.violation_error_message)
        == "A notice stays up at least 7 full days after the day it is posted."
    )


def test_the_database_refuses_a_short_notice_on_raw_insert_and_update(tree, staff):
    notice = NoticeFactory(division=tree.village, posted_by=staff)
    fields = [f.column for f in PublicNotice._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(fields)
    copied = ", ".join("starts_on + 6" if name == "ends_on" else name for name in fields)
    with (
        pytest.raises(IntegrityError, match="notice_at_least_7_full_days"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO publicity_publicnotice ({columns}) "
            f"SELECT {copied} FROM publicity_publicnotice WHERE id = %s",
            [notice.pk],
        )
    with guards_off():  # the freeze trigger would refuse any change first
        with pytest.raises(IntegrityError, match="notice_at_least_7_full_days"), transaction.atomic():
            PublicNotice.objects.filter(pk=notice.pk).update(
                ends_on=notice.starts_on + datetime.timedelta(days=6)
            )
        # the shortest allowed period passes: 7 full days after the day of posting
        PublicNotice.objects.filter(pk=notice.pk).update(
            ends_on=notice.starts_on + datetime.timedelta(days=7)
        )


def test_a_new_value_of_the_setting_shows_up_in_makemigrations():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "publicity", "--check", "--dry-run"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "NOTICE_MIN_DAYS": "10"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "notice_at_least_10_full_days" in result.stdout
