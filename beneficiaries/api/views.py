from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from beneficiaries import selectors, services
from beneficiaries.api.serializers import (
    AnomalySerializer,
    BatchDetailSerializer,
    BatchSerializer,
    CallbackSerializer,
    EnrolmentSerializer,
    PaymentSerializer,
    PersonCreateSerializer,
    PersonSerializer,
    StandardSerializer,
)
from beneficiaries.models import (
    AnomalyFinding,
    Callback,
    Enrolment,
    Payment,
    PaymentBatch,
    Person,
    SubsidyStandard,
)
from org.models import AccessLog
from org.roles import FIELD
from org.services import access_log_record


class PersonFilter(filters.FilterSet):
    class Meta:
        model = Person
        fields = ["village", "status", "sex", "household"]


@extend_schema(tags=["beneficiaries"])
@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=False,
                description="Name (张三), its pinyin or initials (zhangsan, zs), or a whole ID number.",
            )
        ]
    )
)
class PersonViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Persons in scope. ``?q=`` searches name, pinyin, initials or a whole ID number (the same
    parameter as the persons page; the blind index makes it more than a text search, so it is
    not DRF's ``?search=``)."""

    queryset = Person.objects.none()
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    write_roles = FIELD

    def get_queryset(self):
        return selectors.person_list(user=self.request.user, search=self.request.query_params.get("q"))

    def get_serializer_class(self):
        return PersonCreateSerializer if self.action == "create" else PersonSerializer

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if selectors.sees_whole_numbers(request.user):
            access_log_record(
                user=request.user,
                action=AccessLog.Action.VIEW_UNMASKED,
                what="persons API list",
                rows=len(response.data.get("results", [])),
                request=request,
            )
        return response

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        if selectors.sees_whole_numbers(request.user):
            access_log_record(
                user=request.user,
                action=AccessLog.Action.VIEW_UNMASKED,
                what=f"{person.name} (API)",
                obj=person,
                rows=1,
                request=request,
            )
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request, *args, **kwargs):
        serializer = PersonCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        person = services.person_register(user=request.user, **serializer.validated_data)
        return Response(
            PersonSerializer(person, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class EnrolmentFilter(filters.FilterSet):
    class Meta:
        model = Enrolment
        fields = ["project", "village", "status", "tier", "person"]


@extend_schema(tags=["beneficiaries"])
class EnrolmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Enrolments in scope (rosters)."""

    queryset = Enrolment.objects.none()
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilter

    def get_queryset(self):
        return selectors.enrolment_list(user=self.request.user)


@extend_schema(tags=["beneficiaries"])
class StandardViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SubsidyStandard.objects.none()
    serializer_class = StandardSerializer
    filterset_fields = ["project", "tier", "period"]

    def get_queryset(self):
        return selectors.standard_list(user=self.request.user)


@extend_schema(tags=["beneficiaries"])
class BatchViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = PaymentBatch.objects.none()
    serializer_class = BatchSerializer
    filterset_fields = ["project", "division", "status", "period_start"]

    def get_queryset(self):
        return selectors.batch_list(user=self.request.user)

    def get_serializer_class(self):
        # the held lines on the detail only: a list would run held_lines per batch
        return BatchDetailSerializer if self.action == "retrieve" else BatchSerializer


@extend_schema(tags=["beneficiaries"])
class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Payment.objects.none()
    serializer_class = PaymentSerializer
    filterset_fields = ["batch", "enrolment", "status", "kind", "covers_from"]

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user)


@extend_schema(tags=["beneficiaries"])
class CallbackViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Callback.objects.none()
    serializer_class = CallbackSerializer
    filterset_fields = ["enrolment", "method", "reached"]
    write_roles = FIELD

    def get_queryset(self):
        return selectors.callback_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = CallbackSerializer(data=request.data, context=self.get_serializer_context())
        serializer.fields["enrolment"].queryset = selectors.enrolment_list(user=request.user)
        serializer.is_valid(raise_exception=True)
        callback = services.callback_record(user=request.user, **serializer.validated_data)
        return Response(CallbackSerializer(callback).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["beneficiaries"])
class AnomalyViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AnomalyFinding.objects.none()
    serializer_class = AnomalySerializer
    filterset_fields = ["rule", "status", "village"]

    def get_queryset(self):
        return selectors.anomaly_list(user=self.request.user)
