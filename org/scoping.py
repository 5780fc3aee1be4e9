"""The scoping function: what a user may see, decided in one place.

Scope follows the administrative tree. A user attached to a division sees that division and
everything below it; the administrative code is a path (county 6 digits → township 9 →
village 12), so "below" is a prefix match on the code, one indexed comparison.

Every page, API endpoint, export, admin page and task narrows its queryset through
``scope_q`` (usually via ``ScopedQuerySet.visible_to``). Anything outside answers 404.
"""

from django.db.models import Q

NOTHING = Q(pk__in=[])


def scope_prefix(user) -> str | None:
    """The administrative-code prefix the user may see: "" for everything, None for nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    if not user.role or user.division_id is None:
        return None
    return user.division.code


def scope_q(user, path: str) -> Q:
    """A filter that keeps the rows whose division (reached through ``path``) the user may see."""
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
    """Whether one division (an object, not a query) is visible to the user."""
    prefix = scope_prefix(user)
    return prefix is not None and division is not None and division.code.startswith(prefix)
