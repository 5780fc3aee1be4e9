"""The admin base every app's ModelAdmin extends: scoped querysets, role-based rights.

Django's per-model permissions are not used: the role table in ``org.roles`` decides, and the
same scoping function as the pages narrows every list, every object lookup and every
foreign-key choice. An object outside the user's scope answers 404 on every object URL
(change, delete, history, a history version, a user's password page) — never the admin's
"does not exist" redirect, which would tell an existing object from a missing one.

The history pages django-simple-history adds are inside the same rules (see
:meth:`ScopedModelAdmin.history_form_view`): anyone who may read the record in scope may read
its versions; reverting to a version is switched off for everyone but the superuser.

Admin pages other libraries register (axes' login attempts, celery beat's schedules, API
tokens, groups) are confined to the superuser by :func:`confine_library_admins`.
"""

import functools

from django.contrib import admin
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import URLPattern
from simple_history.admin import SimpleHistoryAdmin

from org.roles import ADMIN_ROLES, has_role

# Set on the request while simple-history's version page renders for someone who may only read.
_HISTORY_READ_ONLY = "_portal_history_read_only_fields"
_IN_HISTORY_FORM = "_portal_in_history_form"


def _has_simple_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


class ScopedModelAdmin(SimpleHistoryAdmin):
    #: roles that may add/change/delete; the county auditor is never among them.
    write_roles: tuple = ()
    #: immutable records (a submitted report, a posted notice): nobody edits them here, nor
    #: reverts them to an earlier version — not even the superuser.
    read_only: bool = False
    #: fields never shown on a history page (the version form or the list of changes).
    history_hidden_fields: tuple = ()

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

    # --- every object URL: outside the scope is 404 --------------------------------------

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "does not exist"; for us a missing object and an
        # object outside the scope are the same answer, and that answer is 404.
        raise Http404

    def get_object_in_scope_or_404(self, request, object_id, from_field=None):
        """The object through the scoped queryset, or 404 — before any permission check, so
        an outsider's object gives the same answer (404) to every role and every method."""
        obj = self.get_object(request, unquote(object_id), from_field)
        if obj is None:
            raise Http404
        return obj

    def _lookup_first(self, request, object_id):
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        if to_field and not self.to_field_allowed(request, to_field):
            return None  # Django answers DisallowedModelAdminToField (400) itself
        return self.get_object_in_scope_or_404(request, object_id, to_field)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._lookup_first(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._lookup_first(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    # --- the history pages -----------------------------------------------------------------

    def may_revert(self, request, obj=None) -> bool:
        """Whether the history's version page may save an earlier version over the record.

        Only the superuser, and never on an immutable (``read_only``) model. A revert is a
        plain ``save()`` of old field values: it would skip everything the portal's services
        enforce — the state machines (an accepted report back to draft), four-eyes (who
        prepared, who approved), the immutability of submitted reports and posted notices, the
        role table, and the audit of *why* something changed. Officers change records through
        the pages and the API, which call those services; the superuser's revert is kept for
        repairs of plain configuration rows only.
        """
        return (
            request.user.is_active
            and request.user.is_superuser
            and not self.read_only
            and self.has_change_permission(request, obj)
        )

    # simple-history asks these (and, with SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS,
    # Django's model permissions, which our roles do not use): answer from the role table.
    def has_view_history_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_change_history_permission(self, request, obj=None):
        return self.may_revert(request, obj)

    def has_view_history_or_change_history_permission(self, request, obj=None):
        return self.has_view_history_permission(request, obj) or self.has_change_history_permission(
            request, obj
        )

    def revert_disabled(self, request, obj=None):
        return not self.may_revert(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        """The list of versions, only for an object in scope (simple-history would fall back to
        the latest version of any object outside the queryset: a deleted one, or one outside the
        scope). The superuser may still list the versions of a deleted object."""
        if not _has_simple_history(self.model):
            # No version table: Django's own log of admin actions, with the same 404 rule.
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        if not request.user.is_superuser:
            obj = self.get_object_in_scope_or_404(request, object_id)
            if not self.has_view_permission(request, obj):
                raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One earlier version: shown read-only to whoever may read the record in scope; a
        POST (simple-history's "revert") saves only for :meth:`may_revert`, else 403."""
        if not _has_simple_history(self.model):
            raise Http404
        obj = self.get_object_in_scope_or_404(request, object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        try:
            history_model._meta.pk.to_python(version_id)
        except ValidationError:
            raise Http404 from None
        setattr(request, _IN_HISTORY_FORM, True)
        if not self.may_revert(request, obj):
            if request.method not in ("GET", "HEAD"):
                raise PermissionDenied
            # Every field the version page would show, shown as text rather than as inputs.
            setattr(request, _HISTORY_READ_ONLY, flatten_fieldsets(self.get_fieldsets(request, obj)))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        read_only = getattr(request, _HISTORY_READ_ONLY, None)
        if read_only is not None:
            return [*fields, *(name for name in read_only if name not in fields)]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if getattr(request, _IN_HISTORY_FORM, False):
            fieldsets = self._without(fieldsets, self.history_hidden_fields)
        return fieldsets

    @staticmethod
    def _without(fieldsets, hidden):
        if not hidden:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # As simple-history's, with the hidden fields left out of every diff.
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=self.history_hidden_fields,
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


class SuperuserOnlyAdmin:
    """Mixed in front of a library's ModelAdmin: only the superuser reads or changes it.

    Those admins ask Django's model permissions, which the portal's roles never hold; this
    says the same by construction, so a permission granted by accident cannot open them.
    """

    def _superuser(self, request):
        return request.user.is_active and request.user.is_superuser

    def get_urls(self):
        # Every view of the library's admin answers 403 to a logged-in non-superuser before it
        # looks anything up (Django's history page would otherwise redirect for a missing
        # object and answer 403 for an existing one). Not staff: the login page, as usual.
        def guard(view):
            @functools.wraps(view)
            def guarded(request, *args, **kwargs):
                if request.user.is_active and request.user.is_staff and not request.user.is_superuser:
                    raise PermissionDenied
                return view(request, *args, **kwargs)

            return guarded

        return [
            URLPattern(url.pattern, guard(url.callback), url.default_args, url.name)
            if isinstance(url, URLPattern)
            else url
            for url in super().get_urls()
        ]

    def has_module_permission(self, request):
        return self._superuser(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return self._superuser(request) and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request) and super().has_delete_permission(request, obj)


def confine_library_admins(site=admin.site):
    """Re-register every ModelAdmin registered so far that is not one of ours with
    :class:`SuperuserOnlyAdmin` in front. Called at the end of ``org/admin.py``: the libraries
    (auth, authtoken, django_celery_beat, axes) come before ``org`` in INSTALLED_APPS, so
    their admins are registered by then; tests/test_admin_matrix.py fails on any admin that
    lets a portal role in, whatever its order."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, (ScopedModelAdmin, SuperuserOnlyAdmin)):
            continue
        cls = type(model_admin)
        confined = type(f"SuperuserOnly{cls.__name__}", (SuperuserOnlyAdmin, cls), {"__module__": __name__})
        site.unregister(model)
        site.register(model, confined)


# List filters over related objects show only the values present in the (scoped) rows,
# never the names of divisions outside the user's scope.
ScopedRelatedFilter = admin.RelatedOnlyFieldListFilter
