"""The guards of field work's transitions: each raises PermissionDenied with the reason and is the
``check=`` of a transition in ``fieldwork.states``. Below the machines (states imports them); the
yes/no predicates are in ``fieldwork.permissions``."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from fieldwork.models import Concern
from org.models import Role


def concern_resolve_guard(concern, user) -> None:
    """A village cadre resolves what the village solves itself; dispatched work is the township's."""
    if user.role == Role.VILLAGE_CADRE and concern.status != Concern.Status.IN_VILLAGE:
        raise PermissionDenied(gettext("Only the township records the resolution of a dispatched concern."))
