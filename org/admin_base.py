"""The admin base every app's ModelAdmin extends: scoped querysets, role-based rights.

Django's per-model permissions are not used: the role table in ``org.roles`` decides, and the
same scoping function as the pages narrows every list, every object lookup (outside → 404,
the admin's "does not exist" redirect) and every foreign-key choice.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from org.roles import ADMIN_ROLES, has_role


class ScopedModelAdmin(SimpleHistoryAdmin):
    #: roles that may add/change/delete; the county auditor is never among them.
    write_roles: tuple = ()
    #: immutable records (a submitted report, a posted notice): nobody edits them here.
    read_only: bool = False

    def get_queryset(self, request):
        return self.model._default_manager.visible_to(request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_role(request.user, *ADMIN_ROLES)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def _may_write(self, request):
        if self.read_only or request.user.is_read_only:
            return False
        return request.user.is_superuser or has_role(request.user, *self.write_roles)

    def has_add_permission(self, request):
        return self.has_module_permission(request) and self._may_write(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and self._may_write(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request) and self._may_write(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        manager = db_field.related_model._default_manager
        if hasattr(manager, "visible_to"):
            kwargs["queryset"] = manager.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        manager = db_field.related_model._default_manager
        if hasattr(manager, "visible_to"):
            kwargs["queryset"] = manager.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# List filters over related objects show only the values present in the (scoped) rows,
# never the names of divisions outside the user's scope.
ScopedRelatedFilter = admin.RelatedOnlyFieldListFilter
