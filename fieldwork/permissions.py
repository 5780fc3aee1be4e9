"""Who may do what to field-work records (concerns), decided here once.

The guard (``fieldwork.guards.concern_resolve_guard``) is a ``check=`` of the transitions in
``fieldwork.states``; the predicate
(``may_take_concern_step(user, concern, step)``) answers yes or no for pages, the API and the
admin: scope, then the machine (role, state, guard)."""

from common.states import in_scope
from fieldwork.states import CONCERN


def may_take_concern_step(user, concern, step: str) -> bool:
    return CONCERN.allows(concern, user, step) and in_scope(concern, user)
