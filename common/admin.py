from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.jobs import job_label
from common.models import Job
from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter


@admin.register(Job)
class JobAdmin(ScopedModelAdmin):
    # Jobs are written by the worker only: the admin shows them, nobody edits them here.
    read_only = True
    list_display = [
        "created_at",
        "kind_label",
        "status",
        "created_by",
        "division",
        "processed",
        "total",
        "attempts",
    ]
    list_filter = ["status", "kind", ("division", ScopedRelatedFilter)]
    search_fields = ["kind", "created_by__username", "created_by__full_name", "upload_name", "result_name"]
    list_select_related = ["created_by", "division"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Job._meta.fields]

    @admin.display(description=_("kind"))
    def kind_label(self, obj):
        return job_label(obj)
