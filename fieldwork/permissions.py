"""Who may do what to field-work records (concerns), decided here once.

The guard (``concern_resolve_guard(concern, user)``) raises PermissionDenied with the reason and
is a ``check=`` of the transitions in ``fieldwork.states``; the predicate
(``may_take_concern_step(user, concern, step)``) answers yes or no for pages, the API and the
admin: scope, then the machine (role, state, guard)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from common.states import in_scope
from org.models import Role


def concern_resolve_guard(concern, user) -> None:
    """A village cadre resolves what the village solves itself; dispatched work is the township's."""
    from fieldwork.models import Concern

    if user.role == Role.VILLAGE_CADRE and concern.status != Concern.Status.IN_VILLAGE:
        raise PermissionDenied(gettext("Only the township records the resolution of a dispatched concern."))


def may_take_concern_step(user, concern, step: str) -> bool:
    from fieldwork.states import CONCERN

    return CONCERN.allows(concern, user, step) and in_scope(concern, user)
