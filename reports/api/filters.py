"""Filters narrow the scoped querysets; they never widen them. Divisions and schemes are
filtered by number, so a value outside the scope matches nothing and reveals nothing."""

from django_filters import rest_framework as filters

from reports.models import MonthlyReport, Period, Scorecard, UnitLevel


class MonthlyReportFilter(filters.FilterSet):
    township = filters.NumberFilter(field_name="township_id")
    month = filters.DateFilter(field_name="month", help_text="The first day of the month reported on.")
    month_from = filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = filters.DateFilter(field_name="month", lookup_expr="lte")
    status = filters.ChoiceFilter(choices=MonthlyReport.Status.choices)
    is_current = filters.BooleanFilter()
    is_late = filters.BooleanFilter()

    class Meta:
        model = MonthlyReport
        fields = ["township", "month", "month_from", "month_to", "status", "is_current", "is_late"]


class ScorecardFilter(filters.FilterSet):
    scheme = filters.NumberFilter(field_name="scheme_id")
    year = filters.NumberFilter(field_name="scheme__year")
    period = filters.ChoiceFilter(field_name="scheme__period", choices=Period.choices)
    level = filters.ChoiceFilter(field_name="scheme__level", choices=UnitLevel.choices)
    division = filters.NumberFilter(field_name="division_id")
    is_vetoed = filters.BooleanFilter()

    class Meta:
        model = Scorecard
        fields = ["scheme", "year", "period", "level", "division", "is_vetoed"]
