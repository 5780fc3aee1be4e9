"""The scoping function: what a user may see, decided in one place.

Scope follows the administrative tree. A user attached to a division sees that division and
everything below it; the administrative code is a path (county 6 digits → township 9 →
village 12), so "below" is a prefix match on the code, one indexed comparison.

Every page, API endpoint, export, admin page and task narrows its queryset through
``scope_q`` (usually via ``ScopedQuerySet.visible_to``). Anything outside answers 404.

Whose scope is always said: ``visible_to(user)`` or ``visible_to(Scope.of(user))`` for a
person, ``visible_to(Scope.system("nightly anomaly checks"))`` for the portal's own work
(everything, and logged as system work with its reason). ``None`` is nobody: it sees nothing,
and a service handed ``None`` for its user refuses (``require_scope``).
``tests/test_default_deny.py`` fails on a read of a scoped model in a view, API, admin, export,
job, task or selector module that does not go through ``visible_to``.
"""

import logging
from contextlib import ContextDecorator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

logger = logging.getLogger(__name__)

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope(ContextDecorator):
    """Whose scope a read is in: one user's (``Scope.of(user)``) or the portal's own system
    work (``Scope.system(reason)``: everything, recorded with its reason).

    Accepted wherever a user is (``scope_q``, ``scope_prefix``, ``visible_to``). Used as a
    context manager or decorator it also marks a block or function as system work for the
    default-deny scan (``with Scope.system("…"):`` / ``@Scope.system("…")``).
    """

    user: Any = None
    reason: str = ""

    @classmethod
    def of(cls, user) -> "Scope":
        if isinstance(user, Scope):
            return user
        if user is None:
            raise TypeError("Scope.of(None): say whose scope it is (a user) or use Scope.system(reason).")
        return cls(user=user)

    @classmethod
    def system(cls, reason: str) -> "Scope":
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("Scope.system() needs a reason (what system work reads everything).")
        logger.info("System scope: %s", reason)
        return cls(user=None, reason=reason)

    @property
    def is_system(self) -> bool:
        return self.user is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __str__(self):
        return f"system ({self.reason})" if self.is_system else str(self.user)


def require_scope(user) -> Scope:
    """The Scope of a service's ``user`` argument (a user or a Scope). ``None`` raises
    TypeError: system work passes ``Scope.system(reason)``, never ``None``."""
    if user is None:
        raise TypeError(
            "No scope given (user=None): pass the acting user, or Scope.system(reason) for system work."
        )
    return Scope.of(user)


def acting_user(user):
    """The person behind a user-or-Scope (None for system work): for role checks and history."""
    return user.user if isinstance(user, Scope) else user


def scope_prefix(user) -> str | None:
    """The administrative-code prefix a user (or Scope) may see: "" for everything, None for
    nothing. ``None`` (no one) sees nothing; ``Scope.system(…)`` sees everything."""
    if isinstance(user, Scope):
        if user.is_system:
            return ""
        user = user.user
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    if not user.role or user.division_id is None:
        return None
    return user.division.code


def scope_q(user, path: str) -> Q:
    """A filter that keeps the rows whose division (reached through ``path``) the user (or
    Scope) may see."""
    prefix = scope_prefix(user)
    if prefix is None:
        return NOTHING
    if prefix == "":
        # Not Q(): an empty Q vanishes when OR-ed with another condition ("Q() | Q(x)" is Q(x)),
        # which would silently hide rows from the administrator.
        return Q(pk__isnull=False)
    lookup = f"{path}__code__startswith" if path else "code__startswith"
    return Q(**{lookup: prefix})


def division_in_scope(user, division) -> bool:
    """Whether one division (an object, not a query) is visible to the user (or Scope)."""
    prefix = scope_prefix(user)
    return prefix is not None and division is not None and division.code.startswith(prefix)
