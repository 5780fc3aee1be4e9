"""Fast inserts for imports and batches: COPY on PostgreSQL, ``bulk_create`` with history elsewhere
(SQLite in ``make run``). Model ``save()`` and signals are not called: callers validate everything
before (the roster import does, in memory).

On PostgreSQL the primary keys are taken from the table's sequence in one query, the rows stream
into ``COPY`` as the caller's generator makes them (the server stores and indexes one chunk while
Python prepares the next: the two run on two cores), and their "+" audit-history rows follow by a
second COPY of the same values.
"""

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

BATCH_SIZE = 2000


def _allocate_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, columns: list[str], rows) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _defaults(model, now) -> dict:
    """What a field left out of a row holds: its default, or ``now`` for auto_now(_add)."""
    defaults = {}
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        elif field.null:
            defaults[field.attname] = None
        elif field.empty_strings_allowed and field.blank:
            defaults[field.attname] = ""
    return defaults


def insert_rows(model, rows: Iterable[dict], *, count: int, user) -> list[int]:
    """Insert ``count`` rows given as ``{attname: value}`` (a field left out takes its default;
    a callable default is called once per call, not per row) and one "+" history row each.
    ``rows`` may be a generator: on PostgreSQL it is consumed while the COPY runs. Returns the
    new primary keys, in the order of ``rows``."""
    if not count:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        bulk_create_with_history(objs, model, batch_size=BATCH_SIZE, default_user=user)
        return [obj.pk for obj in objs]
    now = timezone.now()
    defaults = _defaults(model, now)
    fields = model._meta.concrete_fields
    pk_name = model._meta.pk.attname
    attnames = [f.attname for f in fields]
    ids = _allocate_ids(model, count)
    written = []

    required = set(attnames) - set(defaults) - {pk_name}

    def values():
        for pk, row in zip(ids, rows, strict=True):
            if not required <= row.keys():
                raise ValueError(f"{model.__name__} row without {', '.join(sorted(required - row.keys()))}")
            row = {**defaults, **row, pk_name: pk}
            value = [row[a] for a in attnames]
            written.append(value)
            yield value

    _copy(model._meta.db_table, [f.column for f in fields], values())
    history = model.history.model
    extra = {
        "history_date": now,
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": getattr(user, "pk", None),
    }
    position = {a: i for i, a in enumerate(attnames)}
    history_fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    layout = [(position.get(f.attname), extra.get(f.attname)) for f in history_fields]
    _copy(
        history._meta.db_table,
        [f.column for f in history_fields],
        ([value[i] if i is not None else other for i, other in layout] for value in written),
    )
    return ids


def insert_with_history(objs: list, model, *, user) -> list:
    """Insert ``objs`` (unsaved instances) and one "+" history row each; sets their pks."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return bulk_create_with_history(objs, model, batch_size=BATCH_SIZE, default_user=user)
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    attnames = [f.attname for f in fields]
    ids = insert_rows(
        model, ({a: getattr(obj, a) for a in attnames} for obj in objs), count=len(objs), user=user
    )
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
    return objs


ANALYZE_AFTER = 5000  # rows: below this a load never refreshes the planner's statistics


def analyze(*models, added: int) -> None:
    """Fresh planner statistics after a large load (``added`` rows, at least ANALYZE_AFTER), for the
    tables it at least doubled: PostgreSQL plans a freshly filled table as if it were empty until
    autovacuum comes by, while a table that grew by less keeps statistics good enough meanwhile."""
    if connection.vendor != "postgresql" or added < ANALYZE_AFTER:
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            (estimate,) = cursor.fetchone()
            if estimate < 0 or added >= estimate:  # -1: never analysed
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
