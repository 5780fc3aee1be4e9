"""Admin pages of the projects app, all scoped through ScopedModelAdmin.

Projects and sites have only one-row rules, which the model's clean and constraints enforce, so
township officers may edit them here. Targets, progress and funds have rules across rows (splits
add up, cumulative figures, spent ≤ allocated ≤ received) that live in the services: here they
are read-only for officers (they use the pages or the API) and writable by the system
administrator alone, for repairs.
"""

from django.contrib import admin

from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter
from org.roles import OFFICE
from projects.models import FundLine, FundMovement, ProgressReport, Project, Site, SiteControl, Target


@admin.register(Project)
class ProjectAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = [
        "code",
        "name",
        "year",
        "kind",
        "category",
        "division",
        "lead_department",
        "responsible_person",
    ]
    list_filter = [
        "year",
        "kind",
        "category",
        ("division", ScopedRelatedFilter),
        ("lead_department", ScopedRelatedFilter),
    ]
    search_fields = ["code", "name", "responsible_person"]
    list_select_related = ["division", "lead_department"]
    raw_id_fields = ["carried_from"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(Target)
class TargetAdmin(ScopedModelAdmin):
    list_display = ["project", "division", "quantity", "unit", "parent"]
    list_filter = ["unit", "project__year", ("division", ScopedRelatedFilter)]
    search_fields = ["project__name", "project__code", "division__name", "division__code"]
    list_select_related = ["project", "division", "parent__division", "parent__project"]
    raw_id_fields = ["project", "parent"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ScopedModelAdmin):
    list_display = ["target", "month", "actual", "is_correction", "recorded_by", "recorded_at"]
    list_filter = ["is_correction", "month", "target__project__year"]
    search_fields = ["target__project__name", "target__division__name", "correction_reason"]
    list_select_related = ["target__project", "target__division", "recorded_by"]
    raw_id_fields = ["target"]


@admin.register(FundLine)
class FundLineAdmin(ScopedModelAdmin):
    list_display = ["project", "source", "planned"]
    list_filter = ["source", "project__year"]
    search_fields = ["project__name", "project__code"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(FundMovement)
class FundMovementAdmin(ScopedModelAdmin):
    list_display = ["fund_line", "kind", "date", "amount", "reference", "recorded_by"]
    list_filter = ["kind", "fund_line__source", "date"]
    search_fields = ["fund_line__project__name", "reference", "note"]
    list_select_related = ["fund_line__project", "recorded_by"]
    raw_id_fields = ["fund_line"]
    date_hierarchy = "date"


class SiteControlInline(admin.TabularInline):
    model = SiteControl
    extra = 0
    fields = ["control", "done_on", "document", "recorded_by"]
    readonly_fields = ["recorded_by"]


@admin.register(Site)
class SiteAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["name", "project", "division", "investment", "start_date", "end_date", "accepted_on"]
    list_filter = [("division", ScopedRelatedFilter), "accepted_on"]
    search_fields = ["name", "location", "builder", "project__name"]
    list_select_related = ["project", "division"]
    raw_id_fields = ["project"]
    readonly_fields = ["accepted_on", "accepted_by", "created_by"]
    inlines = [SiteControlInline]


@admin.register(SiteControl)
class SiteControlAdmin(ScopedModelAdmin):
    list_display = ["site", "control", "done_on", "document"]
    list_filter = ["control"]
    search_fields = ["site__name"]
    list_select_related = ["site"]
    raw_id_fields = ["site"]
