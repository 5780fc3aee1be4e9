"""Reads on a read replica where it is safe, everything else on the primary.

With ``DATABASE_REPLICA_URL`` set, settings add a ``replica`` alias and this router sends a read
there only inside an explicit :func:`replica_reads` context that has not written yet:

- ``org.middleware.ReplicaReadMiddleware`` opens it for GET/HEAD/OPTIONS requests whose user has
  not just written (no pin cookie), so dashboards, lists and detail pages read the replica;
- ``common.jobs.job_run`` opens it around an export's handler, once the replica holds the job.

Everything else reads the primary: requests that write (POST, PUT, PATCH, DELETE), the few
seconds after them, Celery tasks, the shell, migrations. Inside the context the first write
through the router (save, create, update, delete, ``select_for_update``, ``get_or_create``)
pins the rest of it to the primary, and so does a transaction opened inside it: what was just
written, or is about to be, is read where it was written. Writes always go to the primary,
also for an object that was loaded from the replica. Migrations run on the primary only.

Without a ``replica`` alias every method answers None: Django's default routing, unchanged.

Here in org, not in config: the middleware (org) and the job runner (common) use the context,
and no app imports config, the wiring above them all. Raw SQL through ``connection.cursor()``
bypasses routers and always runs on the primary.
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"


@dataclass
class ReplicaReads:
    """The state of one :func:`replica_reads` context."""

    enabled: bool
    #: the primary's open atomic blocks when the context began: a transaction opened inside it
    #: reads the primary (a read that decides a write must see the primary)
    atomic_depth: int
    wrote: bool = False

    @property
    def uses_replica(self) -> bool:
        return self.enabled and not self.wrote and _atomic_depth() <= self.atomic_depth


_current: contextvars.ContextVar[ReplicaReads | None] = contextvars.ContextVar("replica_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _atomic_depth() -> int:
    return len(connections[DEFAULT_DB_ALIAS].atomic_blocks)


@contextmanager
def replica_reads(*, enabled: bool = True):
    """Let reads go to the replica (when one is configured and ``enabled``) until the first
    write. Yields the state (``.wrote`` says whether a write went through the router), or None
    without a replica. ``enabled=False`` only records writes (the middleware uses it to learn
    whether a pinned request wrote). A write in a nested context pins the outer one too."""
    if not replica_configured():
        yield None
        return
    outer = _current.get()
    state = ReplicaReads(
        enabled=enabled and (outer is None or outer.enabled),
        atomic_depth=_atomic_depth(),
        wrote=outer is not None and outer.wrote,
    )
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)
        if outer is not None and state.wrote:
            outer.wrote = True


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry; see the module docstring."""

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        state = _current.get()
        # Explicit, never None: Django would otherwise follow an instance's own database.
        return REPLICA if state is not None and state.uses_replica else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        if not replica_configured():
            return None
        state = _current.get()
        if state is not None:
            state.wrote = True
        # Explicit: an object read from the replica is saved on the primary, not where it came from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        if not replica_configured():
            return None
        both = {DEFAULT_DB_ALIAS, REPLICA}
        return True if {obj1._state.db, obj2._state.db} <= both else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
