from django_filters import rest_framework as filters

from publicity.models import Activity, InfoSubmission, Objection, PublicNotice, Supervisor


class SubmissionFilter(filters.FilterSet):
    submitted_after = filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")

    class Meta:
        model = InfoSubmission
        fields = ["kind", "status", "department", "division"]


class ActivityFilter(filters.FilterSet):
    held_after = filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_before = filters.DateFilter(field_name="held_on", lookup_expr="lte")
    year = filters.NumberFilter(field_name="held_on", lookup_expr="year")

    class Meta:
        model = Activity
        fields = ["kind", "division", "department"]


class NoticeFilter(filters.FilterSet):
    class Meta:
        model = PublicNotice
        fields = ["kind", "status", "division", "stage"]


class ObjectionFilter(filters.FilterSet):
    class Meta:
        model = Objection
        fields = ["notice", "status", "channel", "outcome"]


class SupervisorFilter(filters.FilterSet):
    class Meta:
        model = Supervisor
        fields = ["division", "is_active"]
