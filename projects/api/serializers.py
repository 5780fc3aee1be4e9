"""Serializers check shape and type; create/update call the services (which check rights and
rules). Related objects are looked up through selectors, so an id outside the user's scope is
"does not exist", exactly like an id that does not exist."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from org import selectors as org_selectors
from projects import selectors, services
from projects.models import (
    FundLine,
    FundMovement,
    FundSource,
    ProgressReport,
    Project,
    Site,
    SiteControl,
    Target,
)

AMOUNT = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 4, "read_only": True, "allow_null": True}


@extend_schema_field(OpenApiTypes.INT)
class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up in ``selector(user=request.user)``."""

    def __init__(self, *, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.selector(user=request.user if request else None)


def _today(_user=None):
    return timezone.localdate()


def _projects(*, user):
    return selectors.project_list(user=user, today=_today())


def _targets(*, user):
    return selectors.target_list(user=user)


class ProjectSerializer(serializers.ModelSerializer):
    division = ScopedRelatedField(selector=org_selectors.division_list)
    lead_department = ScopedRelatedField(selector=org_selectors.department_list)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    target_total = serializers.DecimalField(**AMOUNT, read_only=True)
    actual_total = serializers.DecimalField(**AMOUNT, read_only=True)
    completion_rate = serializers.DecimalField(**RATE)
    is_lagging = serializers.BooleanField(read_only=True)
    # Null for the roles that do not read funds (projects.permissions.may_read_funds).
    planned_total = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    received_total = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    allocated_total = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    spent_total = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    received_rate = serializers.DecimalField(**RATE)
    allocated_rate = serializers.DecimalField(**RATE)
    spent_rate = serializers.DecimalField(**RATE)

    class Meta:
        model = Project
        fields = [
            "id",
            "year",
            "code",
            "name",
            "kind",
            "kind_display",
            "category",
            "category_display",
            "division",
            "lead_department",
            "responsible_person",
            "responsible_phone",
            "policy",
            "carried_from",
            "target_total",
            "actual_total",
            "completion_rate",
            "is_lagging",
            "planned_total",
            "received_total",
            "allocated_total",
            "spent_total",
            "received_rate",
            "allocated_rate",
            "spent_rate",
        ]
        read_only_fields = ["carried_from"]
        validators = []  # the service checks the code with a message that names it

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["year"].read_only = True
            fields["division"].read_only = True
        return fields

    def create(self, validated_data):
        return services.project_create(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("year", None)
        validated_data.pop("division", None)
        services.project_update(user=self.context["request"].user, project=instance, **validated_data)
        return selectors.project_get(user=self.context["request"].user, pk=instance.pk, today=_today())


class TargetSerializer(serializers.ModelSerializer):
    project = ScopedRelatedField(selector=_projects)
    division = ScopedRelatedField(selector=org_selectors.division_list)
    unit = serializers.CharField(max_length=10, help_text="One of 例, 人, 户, 所, 平方米, 万元.")
    quantity = serializers.DecimalField(**AMOUNT)
    division_name = serializers.CharField(source="division.name", read_only=True)
    children_total = serializers.DecimalField(**AMOUNT, read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "project",
            "division",
            "division_name",
            "parent",
            "quantity",
            "unit",
            "children_total",
        ]
        read_only_fields = ["parent"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["project"].read_only = True
            fields["division"].read_only = True
        return fields

    def create(self, validated_data):
        return services.target_set(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.target_set(
            user=self.context["request"].user,
            project=instance.project,
            division=instance.division,
            quantity=validated_data.get("quantity", instance.quantity),
            unit=validated_data.get("unit", instance.unit),
        )


class SplitPartSerializer(serializers.Serializer):
    division = ScopedRelatedField(selector=org_selectors.division_list)
    quantity = serializers.DecimalField(**AMOUNT)


class SplitSerializer(serializers.Serializer):
    parts = SplitPartSerializer(many=True)


class ProgressSerializer(serializers.ModelSerializer):
    target = ScopedRelatedField(selector=_targets)
    month = serializers.CharField(max_length=7, help_text="YYYY-MM")
    actual = serializers.DecimalField(**AMOUNT)
    completion_rate = serializers.DecimalField(**RATE)
    recorded_by = serializers.CharField(source="recorded_by.display_name", read_only=True, allow_null=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "target",
            "month",
            "actual",
            "completion_rate",
            "is_correction",
            "correction_reason",
            "note",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["is_correction", "recorded_at"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["target"].read_only = True
            fields["month"].read_only = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["month"] = instance.month.strftime("%Y-%m")
        return data

    def create(self, validated_data):
        return services.progress_record(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.progress_record(
            user=self.context["request"].user,
            target=instance.target,
            month=instance.month,
            actual=validated_data.get("actual", instance.actual),
            correction_reason=validated_data.get("correction_reason", ""),
            note=validated_data.get("note", instance.note),
        )


class FundLineSerializer(serializers.ModelSerializer):
    project = ScopedRelatedField(selector=_projects)
    source = serializers.ChoiceField(choices=FundSource.choices)
    planned = serializers.DecimalField(**AMOUNT)

    class Meta:
        model = FundLine
        fields = ["id", "project", "source", "planned"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["project"].read_only = True
            fields["source"].read_only = True
        return fields

    def create(self, validated_data):
        return services.fund_line_set(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.fund_line_set(
            user=self.context["request"].user,
            project=instance.project,
            source=instance.source,
            planned=validated_data.get("planned", instance.planned),
        )


class FundMovementSerializer(serializers.ModelSerializer):
    project = ScopedRelatedField(selector=_projects, source="fund_line.project")
    source = serializers.ChoiceField(choices=FundSource.choices, source="fund_line.source")
    kind = serializers.ChoiceField(choices=FundMovement.Kind.choices)
    amount = serializers.DecimalField(**AMOUNT)

    class Meta:
        model = FundMovement
        fields = ["id", "project", "source", "kind", "date", "amount", "reference", "note", "recorded_at"]
        read_only_fields = ["recorded_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["project"].read_only = True
            fields["source"].read_only = True
        return fields

    def create(self, validated_data):
        line = validated_data.pop("fund_line")
        return services.fund_movement_record(
            user=self.context["request"].user,
            project=line["project"],
            source=line["source"],
            **validated_data,
        )

    def update(self, instance, validated_data):
        validated_data.pop("fund_line", None)
        return services.fund_movement_update(
            user=self.context["request"].user, movement=instance, **validated_data
        )


class SiteControlSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteControl
        fields = ["control", "done_on", "document"]


class SiteSerializer(serializers.ModelSerializer):
    project = ScopedRelatedField(selector=_projects)
    division = ScopedRelatedField(selector=org_selectors.division_list)
    investment = serializers.DecimalField(**AMOUNT)
    controls = SiteControlSerializer(many=True, read_only=True)

    class Meta:
        model = Site
        fields = [
            "id",
            "project",
            "division",
            "name",
            "location",
            "builder",
            "supervisor_unit",
            "investment",
            "start_date",
            "end_date",
            "accepted_on",
            "controls",
        ]
        read_only_fields = ["accepted_on"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["project"].read_only = True
            fields["division"].read_only = True
        return fields

    def create(self, validated_data):
        return services.site_create(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.site_update(user=self.context["request"].user, site=instance, **validated_data)


class SiteControlRecordSerializer(serializers.Serializer):
    control = serializers.ChoiceField(choices=SiteControl.Control.choices)
    done_on = serializers.DateField()
    document = serializers.FileField()
