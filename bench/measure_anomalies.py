"""The nightly anomaly checks at province scale (issue 17).

- anomaly_county_scale: one county's part of the nightly run (beneficiaries.services.anomalies:
  the seven rules over the county's villages and the upsert of what they find, under the
  county's lock), with the database holding that county only (the floor) and then that county
  plus N copies of it as other counties (ours): ratio ~1 when a county's run never reads the
  others' rows. Beside it, ``scan_*``: the same rules run over everything and filtered to the
  county afterwards, the shape of the run before issue 17, on both databases.

The other counties are copies of the bench county (341226: divisions, households, persons,
enrolments, payments) under codes 35xxxx, with their own ID and card indexes (so no finding
crosses into the measured county), written by INSERT … SELECT in a transaction rolled back at
the end: the cached profile stays as it was. BENCH_ANOMALY_COUNTIES (default 10) sets N.
"""

import os
import time

from django.db import connection, transaction

from bench.harness import line, measurement
from beneficiaries.anomalies import RULES
from beneficiaries.models import Enrolment, Household, Payment, Person
from beneficiaries.services.anomalies import ANOMALY_TASK, _check_area, county_lock
from org.audit import SYSTEM
from org.models import Division

COUNTY = "341226"
OTHERS = int(os.environ.get("BENCH_ANOMALY_COUNTIES", "10"))
REPEAT = 3


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _median(function) -> float:
    timings = sorted(_rolled_back(function) for _ in range(REPEAT))
    return timings[len(timings) // 2]


def _rolled_back(function) -> float:
    with transaction.atomic():
        elapsed = _timed(function)
        transaction.set_rollback(True)
    return elapsed


def _county_run():
    """What anomaly_check_county does for the county (without a run row to update)."""
    if not county_lock(COUNTY):
        raise RuntimeError("the bench county is locked by another run")
    return _check_area(COUNTY, rules=None, actor=SYSTEM, reason=ANOMALY_TASK)


def _scan_then_filter():
    """The run before issue 17: every rule over everything, filtered to the county's villages."""
    villages = set(
        Division.objects.filter(level="village", code__startswith=COUNTY).values_list("pk", flat=True)
    )
    return sum(1 for function in RULES.values() for found in function("") if found.village_id in villages)


# --- copies of the county under other codes ----------------------------------------------------


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def _copy(cursor, table: str, *, where: str, overrides: dict, params=(), joins: str = "") -> None:
    """INSERT INTO table SELECT every column of the rows of ``where`` (alias src), ``overrides``
    replacing some by SQL expressions."""
    columns = [c for c in _columns(table) if c != "id" or "id" in overrides]
    select = ", ".join(overrides.get(c, f"src.{c}") for c in columns)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {select} FROM {table} src {joins} WHERE {where}", params
    )


def _map(cursor, name: str, table: str, where: str, params=()) -> None:
    """A temp table old → new id for the rows of ``where``, new ids from the table's sequence."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(
        f"CREATE TEMP TABLE {name} AS SELECT id AS old, nextval(pg_get_serial_sequence('{table}', 'id')) AS new "
        f"FROM {table} src WHERE {where}",
        params,
    )
    cursor.execute(f"CREATE INDEX ON {name} (old)")


def _add_copy(code: str) -> None:
    division = Division._meta.db_table
    household, person = Household._meta.db_table, Person._meta.db_table
    enrolment, payment = Enrolment._meta.db_table, Payment._meta.db_table
    like = COUNTY + "%"
    with connection.cursor() as cursor:
        _copy(cursor, division, where="src.code = %s", overrides={"code": "%s"}, params=[code, COUNTY])
        for level in ("township", "village"):
            _copy(
                cursor,
                division,
                joins=f"JOIN {division} up ON up.id = src.parent_id JOIN {division} copy ON copy.code = %s || substr(up.code, 7)",
                where="src.level = %s AND src.code LIKE %s",
                overrides={"code": "%s || substr(src.code, 7)", "parent_id": "copy.id"},
                params=[code, code, level, like],
            )
        cursor.execute("DROP TABLE IF EXISTS bench_village")
        cursor.execute(
            f"CREATE TEMP TABLE bench_village AS SELECT old.id AS old, new.id AS new FROM {division} old "
            f"JOIN {division} new ON new.code = %s || substr(old.code, 7) WHERE old.level = 'village' AND old.code LIKE %s",
            [code, like],
        )
        in_county = "src.village_id IN (SELECT old FROM bench_village)"
        _map(cursor, "bench_household", household, in_county)
        _copy(
            cursor,
            household,
            joins="JOIN bench_household m ON m.old = src.id JOIN bench_village v ON v.old = src.village_id",
            where="TRUE",
            overrides={"id": "m.new", "village_id": "v.new", "head_id": "NULL"},
        )
        _map(cursor, "bench_person", person, in_county)
        _copy(
            cursor,
            person,
            joins=(
                "JOIN bench_person m ON m.old = src.id JOIN bench_village v ON v.old = src.village_id "
                "LEFT JOIN bench_household h ON h.old = src.household_id"
            ),
            where="TRUE",
            overrides={
                "id": "m.new",
                "village_id": "v.new",
                "household_id": "h.new",
                "id_number_index": "md5(src.id_number_index || %s) || md5(src.id_number_index)",
                "bank_card_index": "md5(src.bank_card_index || %s) || md5(src.bank_card_index)",
            },
            params=[code, code],
        )
        _map(cursor, "bench_enrolment", enrolment, in_county)
        _copy(
            cursor,
            enrolment,
            joins=(
                "JOIN bench_enrolment m ON m.old = src.id JOIN bench_village v ON v.old = src.village_id "
                "JOIN bench_person p ON p.old = src.person_id LEFT JOIN bench_household h ON h.old = src.household_id"
            ),
            where="TRUE",
            overrides={"id": "m.new", "village_id": "v.new", "person_id": "p.new", "household_id": "h.new"},
        )
        _copy(
            cursor,
            payment,
            joins="JOIN bench_enrolment e ON e.old = src.enrolment_id",
            where="src.reissue_of_id IS NULL",
            overrides={
                "enrolment_id": "e.new",
                "bank_card_index": "md5(src.bank_card_index || %s) || md5(src.bank_card_index)",
            },
            params=[code],
        )
        cursor.execute(f"ANALYZE {division}, {household}, {person}, {enrolment}, {payment}")


def _rows() -> dict:
    return {
        "villages": Division.objects.filter(level="village").count(),
        "persons": Person.objects.count(),
        "payments": Payment.objects.count(),
    }


@measurement("anomaly_county_scale")
def anomaly_county_scale() -> str:
    with transaction.atomic():
        _county_run()  # warm: the first run stores the findings; the timed ones refresh them
        transaction.set_rollback(True)
    alone = _median(_county_run)
    scan_alone = _median(_scan_then_filter)
    rows_alone = _rows()
    with transaction.atomic():
        started = time.perf_counter()
        for i in range(OTHERS):
            _add_copy(f"35{i:04d}")
        copy_s = time.perf_counter() - started
        with_others = _median(_county_run)
        scan_with_others = _median(_scan_then_filter)
        rows = _rows()
        transaction.set_rollback(True)
    return line(
        "anomaly_county_scale",
        ours_s=with_others,
        floor_s=alone,
        other_counties=OTHERS,
        rows_alone=rows_alone,
        rows_with_others=rows,
        scan_alone_s=scan_alone,
        scan_with_others_s=scan_with_others,
        scan_ratio=round(scan_with_others / scan_alone, 2) if scan_alone else None,
        copy_s=copy_s,
        note="ours: the county's run with N other counties in the database; floor: the same run with the county alone; scan_*: every rule over everything, filtered to the county after (the run before issue 17)",
    )
