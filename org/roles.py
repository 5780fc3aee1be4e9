"""What each role may do, in one table (DESIGN.md "Who uses it").

Scope (which divisions) comes from ``org.scoping``; this module says which *actions* a role
may take inside its scope. Apps ask ``has_role`` / ``require_role`` instead of testing role
strings themselves.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from org.models import Role

TOWNSHIP_ROLES = frozenset({Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER})
COUNTY_ROLES = frozenset({Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR})
# Roles that may create and edit records at all (each app narrows this per model).
EDITOR_ROLES = frozenset({Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE})
# Who approves what others prepared (four-eyes): a township's leader; the county's reviewer.
APPROVER_ROLES = frozenset({Role.TOWNSHIP_LEADER})
COUNTY_APPROVER_ROLES = frozenset({Role.COUNTY_REVIEWER})
# Roles that may use the Django admin (village cadres work on their phones instead).
ADMIN_ROLES = frozenset(
    {Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR}
)


def has_role(user, *roles) -> bool:
    """True for an active user holding one of ``roles``; the superuser holds every role."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.role in roles


def require_role(user, *roles) -> None:
    """Raise PermissionDenied naming the roles allowed, when ``user`` holds none of them."""
    if not has_role(user, *roles):
        names = "、".join(str(Role(role).label) for role in roles)
        raise PermissionDenied(gettext("Only these roles may do this: %(roles)s.") % {"roles": names})


def can_edit(user) -> bool:
    return has_role(user, *EDITOR_ROLES)
