"""The COPY path of imports and batches: keys in order, defaults, an audit row each, refusal of an
incomplete row, and statistics refreshed only when a load at least doubles a table."""

import pytest
from django.db import connection, transaction

from beneficiaries import bulk
from beneficiaries.models import Household, Person
from core.crypto import blind_index, encrypt

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path")


def _reltuples(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_rows_stream_in_with_their_keys_defaults_and_audit_rows(tree, users):
    user = next(iter(users.values()))
    made = []

    def rows():
        for number in ("A1", "A2", "A3"):
            made.append(number)
            yield {"village_id": tree.village.pk, "number": number}

    ids = bulk.insert_rows(Household, rows(), count=3, user=user)
    assert made == ["A1", "A2", "A3"]
    homes = {h.pk: h for h in Household.objects.filter(pk__in=ids)}
    assert [homes[pk].number for pk in ids] == ["A1", "A2", "A3"]
    assert all(h.address == "" and h.head_id is None and h.created_at for h in homes.values())
    for pk in ids:
        (record,) = Household.history.filter(id=pk)
        assert (record.history_type, record.history_user, record.number) == ("+", user, homes[pk].number)


@pytest.mark.django_db
def test_a_person_row_takes_the_model_defaults(tree):
    (pk,) = bulk.insert_rows(
        Person,
        [
            {
                "id_number_cipher": encrypt("110105194912310029"),
                "id_number_index": blind_index("110105194912310029", purpose="id"),
                "name": "张三",
                "sex": "F",
                "birth_date": "1949-12-31",
                "village_id": tree.village.pk,
            }
        ],
        count=1,
        user=None,
    )
    saved = Person.objects.get(pk=pk)
    assert saved.status == Person.Status.LIVING and saved.bank_card_index is None
    assert saved.id_number == "110105194912310029" and saved.updated_at == saved.created_at


@pytest.mark.django_db
def test_a_row_without_a_required_field_is_refused_and_nothing_is_written(tree):
    with pytest.raises(ValueError, match="without number"), transaction.atomic():
        bulk.insert_rows(
            Household,
            [{"village_id": tree.village.pk, "number": "B1"}, {"village_id": tree.village.pk}],
            count=2,
            user=None,
        )
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_statistics_are_refreshed_only_when_a_load_doubles_the_table(tree, monkeypatch):
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 5)
    with connection.cursor() as cursor:  # known statistics to start from: an empty table
        cursor.execute(f"ANALYZE {Household._meta.db_table}")
    assert _reltuples(Household) == 0
    rows = [{"village_id": tree.village.pk, "number": f"C{i:03d}"} for i in range(40)]
    bulk.insert_rows(Household, rows[:4], count=4, user=None)
    bulk.analyze(Household, added=4)  # below the minimum: nothing
    assert _reltuples(Household) == 0
    bulk.insert_rows(Household, rows[4:20], count=16, user=None)
    bulk.analyze(Household, added=16)  # 16 on 4 rows counted as none: analysed
    assert _reltuples(Household) == 20
    bulk.insert_rows(Household, rows[20:26], count=6, user=None)
    bulk.analyze(Household, added=6)  # 6 more on 20: the statistics are kept
    assert _reltuples(Household) == 20
    bulk.insert_rows(Household, rows[26:40], count=14, user=None)
    bulk.analyze(Household, added=20)  # 20 on 20: doubled, analysed
    assert _reltuples(Household) == 40
