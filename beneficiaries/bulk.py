"""Fast inserts for imports: COPY on PostgreSQL (primary keys taken from the table's sequence in
one query, so the audit-history rows can be written by COPY as well), ``bulk_create`` with
history elsewhere (SQLite in ``make run``). Model ``save()`` and signals are not called:
callers validate everything before (the roster import does, in memory)."""

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


def insert_with_history(objs: list, model, *, user) -> list:
    """Insert ``objs`` (unsaved instances) and one "+" history row each; sets their pks."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return bulk_create_with_history(objs, model, batch_size=BATCH_SIZE, default_user=user)
    now = timezone.now()
    fields = model._meta.concrete_fields
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    for obj, pk in zip(objs, _allocate_ids(model, len(objs)), strict=True):
        obj.pk = pk
        obj._state.adding = False
    columns = [f.column for f in fields]
    attnames = [f.attname for f in fields]
    _copy(model._meta.db_table, columns, ([getattr(obj, a) for a in attnames] for obj in objs))
    history = model.history.model
    extra = {
        "history_date": now,
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": getattr(user, "pk", None),
    }
    history_fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    _copy(
        history._meta.db_table,
        [f.column for f in history_fields],
        (
            [extra[f.attname] if f.attname in extra else getattr(obj, f.attname) for f in history_fields]
            for obj in objs
        ),
    )
    return objs


def analyze(*models) -> None:
    """Fresh planner statistics after a large load (PostgreSQL plans a freshly filled table as
    if it were empty until autovacuum comes by)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
