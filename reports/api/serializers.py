"""Read-only shapes of monthly reports and scorecards. A report's list entry leaves the snapshot
out (it can be large); its detail carries the whole frozen snapshot."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reports.models import MonthlyReport, Scorecard, ScoreLine


class MonthlyReportSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    xlsx_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "township",
            "township_name",
            "month",
            "version",
            "is_current",
            "previous",
            "status",
            "status_display",
            "is_late",
            "summary",
            "generated_at",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "xlsx_url",
            "pdf_url",
        ]
        read_only_fields = fields

    def _file_url(self, report, kind) -> str | None:
        if not getattr(report, kind):
            return None
        url = reverse("reports:report-file", args=[report.pk, kind])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(OpenApiTypes.URI)
    def get_xlsx_url(self, report) -> str | None:
        return self._file_url(report, "xlsx")

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, report) -> str | None:
        return self._file_url(report, "pdf")


class MonthlyReportDetailSerializer(MonthlyReportSerializer):
    snapshot = serializers.JSONField(read_only=True, help_text="The frozen numbers: headline and sections.")

    class Meta(MonthlyReportSerializer.Meta):
        fields = [*MonthlyReportSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields


class ScoreLineSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    source = serializers.CharField(source="item.source", read_only=True)
    weight = serializers.DecimalField(source="item.weight", max_digits=7, decimal_places=2, read_only=True)
    numbers = serializers.JSONField(read_only=True, help_text="The source numbers behind the rate, by label.")

    class Meta:
        model = ScoreLine
        fields = [
            "item",
            "item_name",
            "source",
            "weight",
            "rate",
            "points",
            "is_available",
            "numbers",
            "reason",
        ]
        read_only_fields = fields


class ScorecardSerializer(serializers.ModelSerializer):
    scheme_name = serializers.CharField(source="scheme.name", read_only=True)
    year = serializers.IntegerField(source="scheme.year", read_only=True)
    period = serializers.CharField(source="scheme.period", read_only=True)
    level = serializers.CharField(source="scheme.level", read_only=True)
    lines = ScoreLineSerializer(many=True, read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "scheme",
            "scheme_name",
            "year",
            "period",
            "level",
            "unit_key",
            "unit_name",
            "division",
            "department",
            "total",
            "rank",
            "is_vetoed",
            "veto_reason",
            "computed_at",
            "lines",
        ]
        read_only_fields = fields
