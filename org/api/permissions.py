from rest_framework import permissions

from org.roles import has_role
from org.scoping import scope_prefix


class RolePermission(permissions.BasePermission):
    """Every API user needs a scope (a role with a division, or superuser). Reading is open to
    every role inside its scope; writing to the roles a view lists in ``write_roles`` (none by
    default), and never to a read-only user (auditors, everyone above the county)."""

    def has_permission(self, request, view):
        user = request.user
        if scope_prefix(user) is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        write_roles = tuple(getattr(view, "write_roles", ()))
        return has_role(user, *write_roles) and not user.is_read_only
