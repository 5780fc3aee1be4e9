"""The reports API: read-only. Monthly reports (every version, the snapshot on the detail) and
computed scorecards (with each item's rate, points, source numbers and reason). Querysets come
from the selectors, so a list holds only the user's scope and a detail outside it answers 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from reports import selectors
from reports.api import filters, serializers
from reports.models import MonthlyReport, Scorecard


@extend_schema(tags=["reports"])
class MonthlyReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly reports (月报) of the townships in scope, every version; ``is_current=true`` for
    the current ones only. The detail carries the immutable snapshot."""

    queryset = MonthlyReport.objects.none()
    filterset_class = filters.MonthlyReportFilter
    ordering_fields = ["month", "version", "generated_at"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.MonthlyReportDetailSerializer
        return serializers.MonthlyReportSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.monthly_report_detail_list(user=self.request.user)
        return selectors.monthly_report_list(user=self.request.user, current_only=False)


@extend_schema(tags=["reports"])
class ScorecardViewSet(viewsets.ReadOnlyModelViewSet):
    """Computed scorecards (考评) in scope: total, rank, one-vote veto, and per item the rate,
    the points, the numbers it came from and the reason."""

    queryset = Scorecard.objects.none()
    serializer_class = serializers.ScorecardSerializer
    filterset_class = filters.ScorecardFilter
    ordering_fields = ["rank", "total", "computed_at"]

    def get_queryset(self):
        return selectors.scorecard_api_list(user=self.request.user)
