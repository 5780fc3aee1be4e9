from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.jobs import job_label
from common.models import Job
from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter


@admin.register(Job)
class JobAdmin(ScopedModelAdmin):
    # Jobs are written by the worker only: the admin shows them, nobody edits them here.
    # get_queryset is Job.objects.visible_to: an officer sees their own jobs only, the system
    # administrator all of them (the same rule as the pages and the API).
    read_only = True
    list_display = [
        "created_at",
        "kind_label",
        "status",
        "created_by",
        "division",
        "processed",
        "total",
        "result_rows",
        "result_unmasked",
        "attempts",
    ]
    list_filter = ["status", "kind", "result_unmasked", ("division", ScopedRelatedFilter)]
    search_fields = ["kind", "created_by__username", "created_by__full_name", "upload_name", "result_name"]
    list_select_related = ["created_by", "division"]
    date_hierarchy = "created_at"
    # The files are not linked from here (their storage URL is not served): the job page's
    # download, which checks the user and writes the download log, is the only way to them.
    exclude = ["upload", "result"]
    readonly_fields = [field.name for field in Job._meta.fields if field.name not in ("upload", "result")]

    @admin.display(description=_("kind"))
    def kind_label(self, obj):
        return job_label(obj)
