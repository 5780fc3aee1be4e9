"""org.audit: each helper writes the rows and one history row per row, naming the acting user (or
no user and "system: <task>" for SYSTEM), with the values before (the previous history row) and
after."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from common.models import Job
from org import audit
from org.audit import (
    SYSTEM,
    audited_bulk_create,
    audited_bulk_update,
    audited_create,
    audited_save,
    audited_update,
)
from org.models import Division, Role


@pytest.fixture
def staff(users):
    return users[Role.TOWNSHIP_STAFF]


def villages(tree, n):
    return [
        audited_create(
            Division,
            user=SYSTEM,
            reason="test",
            code=f"{tree.township.code}{300 + i:03d}",
            name=f"村{i}",
            level="village",
            parent=tree.township,
        )
        for i in range(n)
    ]


def latest(obj):
    return obj.history.order_by("-history_id").first()


def test_save_names_the_user_and_the_reason_and_forgets_them_afterwards(tree, staff):
    village = Division.objects.get(pk=tree.village.pk)
    village.name = "新名"
    audited_save(village, user=staff, update_fields=["name"], reason="renamed")
    record = latest(village)
    assert (record.history_user, record.history_change_reason, record.history_type) == (staff, "renamed", "~")
    assert (record.prev_record.name, record.name) == ("东庄村", "新名")
    assert not hasattr(village, "_history_user") and not hasattr(village, "_change_reason")


def test_system_is_no_user_and_says_the_task(tree):
    village = Division.objects.get(pk=tree.village.pk)
    village.is_active = False
    audited_save(village, user=SYSTEM, reason="nightly_close")
    record = latest(village)
    assert record.history_user is None and record.history_change_reason == "system: nightly_close"


@pytest.mark.parametrize(
    ("user", "reason", "message"),
    [
        (None, "", "acting user"),
        (SYSTEM, "", "which task"),
    ],
)
def test_a_missing_actor_is_refused_before_anything_is_written(tree, user, reason, message):
    village = Division.objects.get(pk=tree.village.pk)
    village.name = "不该写"
    with pytest.raises(TypeError, match=message):
        audited_save(village, user=user, reason=reason)
    with pytest.raises(TypeError, match=message):
        audited_update(Division.objects.filter(pk=village.pk), user=user, reason=reason, name="不该写")
    assert Division.objects.get(pk=village.pk).name == "东庄村"


def test_a_model_without_history_is_refused(db, staff):
    with pytest.raises(TypeError, match="no audit history"):
        audited_update(Job.objects.all(), user=staff, progress=1)


def test_update_writes_each_row_and_its_history_in_batches(tree, staff):
    rows = villages(tree, 5)
    with CaptureQueriesContext(connection) as queries:
        count = audited_update(
            Division.objects.filter(parent=tree.township, code__gte=f"{tree.township.code}300"),
            user=staff,
            reason="bulk rename",
            batch_size=2,
            name=Concat(F("name"), Value("（撤）")),
            is_active=False,
        )
    assert count == 5
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements == [
        "SAVEPOINT",  # the helper's transaction, inside the test's
        "SELECT",  # the keys, locked (FOR UPDATE OF)
        *["UPDATE", "INSERT"] * 3,  # per batch of 2: the rows, then INSERT … SELECT of their history
        "RELEASE",
    ]
    for row in rows:
        record = latest(row)
        assert (record.history_user, record.history_change_reason) == (staff, "bulk rename")
        assert (record.prev_record.name, record.name) == (row.name, f"{row.name}（撤）")  # F() resolved
        assert (record.prev_record.is_active, record.is_active) == (True, False)
    assert Division.objects.get(pk=tree.village.pk).is_active  # outside the filter: untouched
    assert tree.village.history.count() == 1


def test_update_of_nothing_writes_nothing(tree, staff):
    assert audited_update(Division.objects.filter(code="none"), user=staff, name="x") == 0


@pytest.mark.parametrize("expression", [False, True], ids=["arrays", "django-bulk-update"])
def test_bulk_update_from_partial_objects_keeps_whole_rows_in_history(tree, staff, expression):
    rows = villages(tree, 3)
    changed = [
        Division(pk=row.pk, name=Value(f"改{i}") if expression else f"改{i}", parent_id=tree.township2.pk)
        for i, row in enumerate(rows)
    ]
    assert audit._by_arrays([Division._meta.get_field("name")], changed) is (not expression)
    assert audited_bulk_update(changed, ["name", "parent"], user=staff, reason="moved") == 3
    for i, row in enumerate(rows):
        record = latest(row)
        assert record.history_user == staff and record.history_change_reason == "moved"
        assert (record.name, record.parent_id) == (f"改{i}", tree.township2.pk)
        assert (record.prev_record.name, record.prev_record.parent_id) == (row.name, tree.township.pk)
        assert record.code == row.code and record.level == "village"  # from the table, not the partial object


def test_bulk_update_by_arrays_takes_decimals_dates_and_nulls(tree, staff):
    from beneficiaries.tests.factories import standard
    from projects.tests.factories import ProjectFactory

    project = ProjectFactory(division=tree.township)
    first = standard(project=project, amount="600.00", tier="A")
    second = standard(project=project, amount="960.00", tier="B")
    first.amount, first.effective_to = Decimal("650.50"), datetime.date(2026, 6, 30)
    second.amount, second.effective_to = Decimal("1000.00"), None
    audited_bulk_update([first, second], ["amount", "effective_to"], user=staff)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.amount, first.effective_to) == (Decimal("650.50"), datetime.date(2026, 6, 30))
    assert (second.amount, second.effective_to) == (Decimal("1000.00"), None)
    assert latest(first).amount == Decimal("650.50") and latest(first).prev_record.amount == Decimal("600.00")


def test_bulk_create_writes_plus_rows_and_ignored_conflicts_get_none(tree, staff):
    new = [
        Division(code=f"{tree.township.code}4{i:02d}", name=f"新{i}", level="village", parent=tree.township)
        for i in range(3)
    ]
    created = audited_bulk_create(new, user=staff, reason="created")
    assert [d.history.get().history_user for d in created] == [staff] * 3
    assert not hasattr(created[0], "_history_user")
    again = [
        Division(code=tree.village.code, name="重复", level="village", parent=tree.township),
        Division(code=f"{tree.township.code}499", name="另一个", level="village", parent=tree.township),
    ]
    added = audited_bulk_create(
        again, user=SYSTEM, reason="sync", ignore_conflicts=True, unique_fields=["code"]
    )
    assert [d.code for d in added] == [f"{tree.township.code}499"]
    assert added[0].history.get().history_change_reason == "system: sync"
    assert tree.village.history.count() == 1 and Division.objects.get(pk=tree.village.pk).name == "东庄村"
