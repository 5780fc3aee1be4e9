from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter, confine_library_admins
from org.models import AccessLog, Department, Division, Role, User


@admin.register(Division)
class DivisionAdmin(ScopedModelAdmin):
    # The administrative tree is master data: only the system administrator edits it.
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    ordering = ["code"]


@admin.register(Department)
class DepartmentAdmin(ScopedModelAdmin):
    write_roles = (Role.TOWNSHIP_STAFF,)
    list_display = ["name", "division", "phone", "is_livelihood_office", "is_active"]
    list_filter = ["is_livelihood_office", "is_active", ("division", ScopedRelatedFilter)]
    search_fields = ["name", "division__name"]
    list_select_related = ["division"]


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    # Roles and scope are security settings: officers see the users of their scope, only the
    # system administrator creates users or changes their role.
    list_display = ["username", "full_name", "role", "division", "is_active", "last_login"]
    list_filter = ["role", "is_active", ("division", ScopedRelatedFilter)]
    search_fields = ["username", "full_name", "phone"]
    list_select_related = ["division"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "email")}),
        (_("Role and scope"), {"fields": ("role", "division", "department")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Role and scope"), {"fields": ("full_name", "role", "division", "department")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ()
    # A version page never shows the password (its history table leaves it out too; the
    # version form would fill it in from the live row).
    history_hidden_fields = ("password",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not request.user.is_superuser:
            # Officers read the users of their scope; the password hash summary is none of it.
            fieldsets = self._without(fieldsets, ("password",))
        return fieldsets

    def user_change_password(self, request, id, form_url=""):
        self.get_object_in_scope_or_404(request, id)
        return super().user_change_password(request, id, form_url)


@admin.register(AccessLog)
class AccessLogAdmin(ScopedModelAdmin):
    read_only = True
    list_display = ["at", "user", "action", "what", "rows", "requested_by", "division", "address"]
    # "Downloaded unmasked personal data" is an action of its own: the action filter finds it.
    list_filter = ["action", ("division", ScopedRelatedFilter)]
    search_fields = ["what", "user__username", "user__full_name", "object_id"]
    list_select_related = ["user", "requested_by", "division"]
    date_hierarchy = "at"


# Last: the admins the libraries registered before us (groups, API tokens, celery beat's
# schedules, axes' login attempts) become the superuser's alone.
confine_library_admins()
