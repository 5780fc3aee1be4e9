"""Filters narrow the scoped querysets; they never widen them. Foreign keys are filtered by
number (not by a choice list over all rows), so a filter value outside the scope simply
matches nothing, and does not tell whether the row exists."""

from django_filters import rest_framework as filters

from projects.models import FundMovement, FundSource, ProgressReport, Project, Site, Target
from projects.selectors import lagging_q


class ProjectFilter(filters.FilterSet):
    division = filters.NumberFilter(field_name="division_id")
    lead_department = filters.NumberFilter(field_name="lead_department_id")
    lagging = filters.BooleanFilter(method="filter_lagging", label="lagging")

    class Meta:
        model = Project
        fields = ["year", "kind", "category", "division", "lead_department", "lagging"]

    def filter_lagging(self, queryset, name, value):
        return queryset.filter(lagging_q()) if value else queryset.exclude(lagging_q())


class TargetFilter(filters.FilterSet):
    project = filters.NumberFilter(field_name="project_id")
    division = filters.NumberFilter(field_name="division_id")
    parent = filters.NumberFilter(field_name="parent_id")
    year = filters.NumberFilter(field_name="project__year")

    class Meta:
        model = Target
        fields = ["project", "division", "parent", "unit", "year"]


class ProgressFilter(filters.FilterSet):
    target = filters.NumberFilter(field_name="target_id")
    project = filters.NumberFilter(field_name="target__project_id")
    month_from = filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = ProgressReport
        fields = ["target", "project", "month", "month_from", "month_to", "is_correction"]


class FundMovementFilter(filters.FilterSet):
    project = filters.NumberFilter(field_name="fund_line__project_id")
    source = filters.ChoiceFilter(field_name="fund_line__source", choices=FundSource.choices)
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = FundMovement
        fields = ["project", "source", "kind", "date_from", "date_to"]


class SiteFilter(filters.FilterSet):
    project = filters.NumberFilter(field_name="project_id")
    division = filters.NumberFilter(field_name="division_id")
    accepted = filters.BooleanFilter(field_name="accepted_on", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Site
        fields = ["project", "division", "accepted"]
