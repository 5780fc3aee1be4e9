"""Every write of an audited model goes through here, so the audit history (django-simple-history)
records who changed what, bulk writes included.

A model is audited when it has ``history = HistoricalRecords(...)``. Services write such a model
only with these helpers, never with ``queryset.update()``, ``bulk_update()``, ``bulk_create()`` or
a hand-set ``_history_user`` (``tests/test_audit_writes.py`` scans the code for that):

- ``audited_save(obj, user=…)``: one row, through ``save()``;
- ``audited_create(Model, user=…, **fields)``: a new row, like ``Model.objects.create``;
- ``audited_update(queryset, user=…, **values)``: the same values on many rows;
- ``audited_bulk_update(objs, fields, user=…)``: a value of its own on each of many rows;
- ``audited_bulk_create(objs, user=…)``: many new rows.

Each history row names the acting ``user`` and carries ``reason`` as its change reason. Work that
nobody in particular does (the hourly overdue flags, the nightly anomaly run) passes
``user=SYSTEM`` and says which task it is: such a history row has no user (``history_user`` is
NULL) and the change reason ``"system: <reason>"``. ``user=None`` is refused, so a forgotten user
is an error, not an anonymous change.

The bulk helpers write in batches of ``BATCH_SIZE`` rows: one statement for the rows, then one
``INSERT INTO <history> … SELECT … FROM <table>`` that copies them, as the database now holds them
(values given as expressions such as ``F()`` or ``Subquery`` included), into "~" (or "+") history
rows; no row passes through Python for its history. The row before the change is the object's
previous history row, so each change shows its before and after.

The roster import's COPY path (``beneficiaries.bulk.insert_rows``) writes its own "+" history rows
and stays apart: it is the only other place allowed to write audited tables in bulk.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.models import registered_models
from simple_history.utils import get_history_manager_for_model

BATCH_SIZE = 2000
REASON_LENGTH = 100  # simple-history's history_change_reason is a CharField(max_length=100)


class _System:
    """The actor of scheduled work: recorded as no user and a change reason "system: <task>"."""

    def __repr__(self):
        return "SYSTEM"

    def __bool__(self):
        return True


SYSTEM = _System()


def is_audited(model) -> bool:
    """Whether ``model`` (a class) keeps an audit history."""
    return model in registered_models.values()


def _require_audited(model) -> None:
    if not is_audited(model):
        raise TypeError(f"{model.__name__} keeps no audit history: write it the ordinary way.")


def actor(user, reason: str = "") -> tuple:
    """``(history_user, change_reason)`` for ``user`` (a user or ``SYSTEM``) and ``reason``."""
    reason = (reason or "").strip()
    if user is None:
        raise TypeError("Pass the acting user, or org.audit.SYSTEM for scheduled work.")
    if user is SYSTEM:
        if not reason:
            raise TypeError("System work says which task it is: pass reason='<task>'.")
        return None, f"system: {reason}"[:REASON_LENGTH]
    if not getattr(user, "is_authenticated", False):
        raise TypeError(f"{user!r} is not a user who can be named in the audit history.")
    return user, (reason[:REASON_LENGTH] or None)


def audited_save(obj, *, user, update_fields: Iterable[str] | None = None, reason: str = "", **save_kwargs):
    """``obj.save(update_fields=…)`` with its history row naming ``user`` and ``reason``. Returns
    ``obj``."""
    _require_audited(type(obj))
    history_user, change_reason = actor(user, reason)
    obj._history_user = history_user
    obj._change_reason = change_reason
    try:
        obj.save(update_fields=update_fields, **save_kwargs)
    finally:
        # a later save of the same instance must name its own user, not inherit this one
        del obj._history_user
        del obj._change_reason
    return obj


def audited_create(model, *, user, reason: str = "", **fields):
    """``model.objects.create(**fields)`` with its "+" history row naming ``user``."""
    return audited_save(model(**fields), user=user, reason=reason, force_insert=True)


def _chunks(items: Sequence, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_history(model, pks: list, *, history_user, change_reason, history_type: str, now) -> None:
    """One history row for each of the rows ``pks`` as the table holds them now, copied by the
    database (``INSERT INTO <history> … SELECT … FROM <table>``): no row passes through Python."""
    if not pks:
        return
    history = get_history_manager_for_model(model).model
    quote = connection.ops.quote_name
    meta = history._meta
    tracked = [
        (meta.get_field(f.attname).column, model._meta.get_field(f.name).column)
        for f in history.tracked_fields
    ]
    marks = [
        (meta.get_field("history_date"), now),
        (meta.get_field("history_change_reason"), change_reason),
        (meta.get_field("history_type"), history_type),
        (meta.get_field("history_user"), getattr(history_user, "pk", None)),
    ]
    columns = [quote(target) for target, _source in tracked] + [
        quote(field.column) for field, _value in marks
    ]
    selected = [f"t.{quote(source)}" for _target, source in tracked] + ["%s"] * len(marks)
    params = [field.get_db_prep_save(value, connection) for field, value in marks]
    key = f"t.{quote(model._meta.pk.column)}"
    if connection.vendor == "postgresql":
        where, params = f"{key} = ANY(%s)", [*params, list(pks)]
    else:
        where, params = f"{key} IN ({', '.join(['%s'] * len(pks))})", [*params, *pks]
    # table and column names come from the models' metadata, quoted; the values are parameters
    sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)})"
    sql += f" SELECT {', '.join(selected)} FROM {quote(model._meta.db_table)} AS t WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@transaction.atomic
def audited_update(queryset, *, user, reason: str = "", batch_size: int = BATCH_SIZE, **values) -> int:
    """``queryset.update(**values)`` with one "~" history row per affected row. The rows are
    locked first (so they still match when written), then updated by key in batches. Returns the
    number of rows updated."""
    model = queryset.model
    _require_audited(model)
    history_user, change_reason = actor(user, reason)
    if not values:
        raise TypeError("audited_update needs at least one field to set.")
    if connection.features.has_select_for_update_of:
        queryset = queryset.select_for_update(of=("self",))
    # a filter across a to-many relation may name a row twice
    pks = list(dict.fromkeys(queryset.order_by("pk").values_list("pk", flat=True)))
    now = timezone.now()
    count = 0
    for chunk in _chunks(pks, batch_size):
        count += model._default_manager.filter(pk__in=chunk).update(**values)
        _write_history(
            model,
            chunk,
            history_user=history_user,
            change_reason=change_reason,
            history_type="~",
            now=now,
        )
    return count


# Field types whose values PostgreSQL takes as one typed array each (UPDATE … FROM unnest(…)):
# one statement per batch instead of Django's CASE WHEN per row and field.
_ARRAY_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _update_by_arrays(model, fields: list, objs: list) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [model._meta.pk, *fields]
    names = [connection.ops.quote_name(f.column) for f in columns]
    assignments = ", ".join(f"{name} = d.{name}" for name in names[1:])
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
    # table, column and type names come from the model's metadata, quoted; the values are parameters
    sql = f"UPDATE {table} AS t SET {assignments} FROM unnest({arrays}) AS d({', '.join(names)})"  # noqa: S608
    sql += f" WHERE t.{names[0]} = d.{names[0]}"
    params = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs] for f in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _by_arrays(fields: list, objs: list) -> bool:
    if connection.vendor != "postgresql":
        return False
    if any(f.get_internal_type() not in _ARRAY_TYPES for f in fields):
        return False
    return not any(hasattr(getattr(obj, f.attname), "resolve_expression") for obj in objs for f in fields)


@transaction.atomic
def audited_bulk_update(
    objs: Iterable, fields: Iterable[str], *, user, reason: str = "", batch_size: int = BATCH_SIZE
) -> int:
    """``Model.objects.bulk_update(objs, fields)`` with one "~" history row per object. ``objs``
    need only their key and ``fields`` set (``Household(pk=…, head_id=…)`` will do): the history
    is copied from the table after the update. Returns the number of rows updated."""
    objs = list(objs)
    if not objs:
        return 0
    model = type(objs[0])
    _require_audited(model)
    history_user, change_reason = actor(user, reason)
    concrete = [model._meta.get_field(name) for name in fields]
    if not concrete:
        raise TypeError("audited_bulk_update needs at least one field to set.")
    now = timezone.now()
    count = 0
    for chunk in _chunks(objs, batch_size):
        if _by_arrays(concrete, chunk):
            count += _update_by_arrays(model, concrete, chunk)
        else:
            count += model._default_manager.bulk_update(chunk, [f.name for f in concrete])
        _write_history(
            model,
            [obj.pk for obj in chunk],
            history_user=history_user,
            change_reason=change_reason,
            history_type="~",
            now=now,
        )
    return count


@transaction.atomic
def audited_bulk_create(
    objs: Iterable,
    *,
    user,
    reason: str = "",
    batch_size: int = BATCH_SIZE,
    ignore_conflicts: bool = False,
    unique_fields: Sequence[str] = (),
) -> list:
    """``Model.objects.bulk_create(objs)`` with one "+" history row per new row. Returns the new
    rows (with their keys).

    ``ignore_conflicts=True`` skips rows a unique constraint refuses (a concurrent run stored them
    first); it needs ``unique_fields``, the fields that name a row, to find which rows this call
    added (those without a history row yet) and write history for those only."""
    objs = list(objs)
    if not objs:
        return []
    model = type(objs[0])
    _require_audited(model)
    history_user, change_reason = actor(user, reason)
    now = timezone.now()
    if not ignore_conflicts:
        created = model._default_manager.bulk_create(objs, batch_size=batch_size)
        for chunk in _chunks(created, batch_size):
            _write_history(
                model,
                [obj.pk for obj in chunk],
                history_user=history_user,
                change_reason=change_reason,
                history_type="+",
                now=now,
            )
        return created
    if not unique_fields:
        raise TypeError("ignore_conflicts=True needs unique_fields to tell the rows this call added.")
    model._default_manager.bulk_create(objs, batch_size=batch_size, ignore_conflicts=True)
    history = get_history_manager_for_model(model).model
    pk_name = model._meta.pk.attname
    has_history = models.Exists(history.objects.filter(**{pk_name: models.OuterRef("pk")}))
    created = []
    for chunk in _chunks(objs, batch_size):
        attnames = [model._meta.get_field(name).attname for name in unique_fields]
        if len(attnames) == 1:
            named = models.Q(**{f"{attnames[0]}__in": [getattr(obj, attnames[0]) for obj in chunk]})
        else:
            named = models.Q()
            for obj in chunk:
                named |= models.Q(**{a: getattr(obj, a) for a in attnames})
        added = list(model._default_manager.filter(named).exclude(has_history).order_by("pk"))
        _write_history(
            model,
            [obj.pk for obj in added],
            history_user=history_user,
            change_reason=change_reason,
            history_type="+",
            now=now,
        )
        created += added
    return created
