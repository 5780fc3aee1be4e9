"""Scoped admin of the reports app. Monthly reports and scorecards are read-only (made by
tasks, changed only through the workflow); scorecard configurations are edited by the
assessing division (the county reviewer for townships, township staff for their units)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter
from org.roles import OFFICE_AND_REVIEWER
from reports import sources
from reports.models import ManualScore, MonthlyReport, Scorecard, ScorecardItem, ScorecardScheme, ScoreLine


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ScopedModelAdmin):
    read_only = True
    list_display = ["township", "month", "version", "status", "is_current", "is_late", "submitted_at"]
    list_filter = [("township", ScopedRelatedFilter), "month", "status", "is_current", "is_late"]
    date_hierarchy = "month"
    search_fields = ["township__name", "township__code"]
    fields = [
        "township",
        "month",
        "version",
        "is_current",
        "previous",
        "status",
        "summary",
        "downloads",
        "snapshot_tables",
        "generated_at",
        "generated_by",
        "prepared_by",
        "approved_by",
        "submitted_at",
        "is_late",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]
    readonly_fields = fields

    @admin.display(description=_("downloads"))
    def downloads(self, obj):
        links = []
        for kind, stored in (("xlsx", obj.xlsx), ("pdf", obj.pdf)):
            if stored:
                links.append((reverse("reports:report-file", args=[obj.pk, kind]), kind.upper()))
        return format_html_join(" · ", '<a href="{}">{}</a>', links) or "—"

    @admin.display(description=_("snapshot"))
    def snapshot_tables(self, obj):
        return render_to_string("reports/_sections.html", {"sections": obj.sections, "links": False})


class ScorecardItemForm(ModelForm):
    def clean_source(self):
        source = self.cleaned_data["source"]
        if source != sources.MANUAL and sources.item_source_get(source) is None:
            choices = ", ".join(key for key, _label in sources.item_source_choices())
            raise ValidationError(gettext("Unknown source; use one of: %(choices)s") % {"choices": choices})
        return source


class ScorecardItemInline(admin.TabularInline):
    model = ScorecardItem
    form = ScorecardItemForm
    extra = 1
    fields = ["order", "name", "source", "weight"]

    def has_add_permission(self, request, obj=None):
        return self.admin_site._registry[ScorecardScheme]._may_write(request)

    def has_change_permission(self, request, obj=None):
        return self.admin_site._registry[ScorecardScheme]._may_write(request)

    def has_delete_permission(self, request, obj=None):
        return self.admin_site._registry[ScorecardScheme]._may_write(request)

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(ScorecardScheme)
class ScorecardSchemeAdmin(ScopedModelAdmin):
    write_roles = OFFICE_AND_REVIEWER
    list_display = ["name", "year", "period", "level", "division", "weight_total"]
    list_filter = ["year", "period", "level", ("division", ScopedRelatedFilter)]
    inlines = [ScorecardItemInline]
    readonly_fields = ["sources_help", "ranking_link"]

    @admin.display(description=_("total weight"))
    def weight_total(self, obj):
        total = sum((item.weight for item in obj.items.all()), 0)
        return format_html(
            '<span style="color:{}">{}</span>', "inherit" if total == 100 else "#b22222", total
        )

    @admin.display(description=_("item sources"))
    def sources_help(self, obj):
        return format_html_join("", "<div><code>{}</code> {}</div>", sources.item_source_choices())

    @admin.display(description=_("ranking"))
    def ranking_link(self, obj):
        if not obj or not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("reports:scheme-detail", args=[obj.pk]),
            gettext("Ranking and reasons"),
        )


class ScoreLineInline(admin.TabularInline):
    model = ScoreLine
    fields = ["item", "rate", "points", "reason", "numbers"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


@admin.register(Scorecard)
class ScorecardAdmin(ScopedModelAdmin):
    read_only = True
    list_display = ["unit_name", "scheme", "total", "rank", "is_vetoed"]
    list_filter = [
        ("scheme", ScopedRelatedFilter),
        ("division", ScopedRelatedFilter),
        "scheme__year",
        "scheme__period",
        "is_vetoed",
    ]
    inlines = [ScoreLineInline]
    readonly_fields = [
        "scheme",
        "unit_key",
        "unit_name",
        "division",
        "department",
        "total",
        "rank",
        "is_vetoed",
        "veto_reason",
        "computed_at",
        "computed_by",
    ]


@admin.register(ManualScore)
class ManualScoreAdmin(ScopedModelAdmin):
    write_roles = OFFICE_AND_REVIEWER
    list_display = ["item", "unit_name", "percent", "entered_by"]
    list_filter = ["item__scheme__year", ("item__scheme", ScopedRelatedFilter)]
    readonly_fields = ["unit_name", "entered_by"]

    def save_model(self, request, obj, form, change):
        # Through the service: it checks the unit belongs to the configuration and the bounds.
        from reports.services import manual_score_set

        manual_score_set(
            user=request.user, item_id=obj.item_id, unit_key=obj.unit_key, percent=obj.percent, note=obj.note
        )
