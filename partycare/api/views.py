from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from org.roles import AID_HANDLERS, FIELD
from partycare import selectors, services
from partycare.api.filters import AidApplicationFilter, CareCaseFilter, PartyMemberFilter
from partycare.api.serializers import (
    AidActionSerializer,
    AidApplicationSerializer,
    AidCreateSerializer,
    BranchSerializer,
    CampaignSerializer,
    CareCaseSerializer,
    CoverageSerializer,
    PairingSerializer,
    PartyMemberSerializer,
)
from partycare.models import (
    AidApplication,
    Branch,
    Campaign,
    CareCase,
    Pairing,
    PartyMember,
)


@extend_schema(tags=["partycare"])
class BranchViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Branch.objects.none()
    serializer_class = BranchSerializer
    filterset_fields = ["division", "kind", "is_active"]
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.branch_list(user=self.request.user)


@extend_schema(tags=["partycare"])
class PartyMemberViewSet(viewsets.ReadOnlyModelViewSet):
    """Party members in scope; ``?due=`` filters by what they are due for today."""

    queryset = PartyMember.objects.none()
    serializer_class = PartyMemberSerializer
    filterset_class = PartyMemberFilter
    search_fields = ["person__name", "person__name_search"]
    ordering_fields = ["joined_on", "person__birth_date"]

    def get_queryset(self):
        return selectors.member_list(user=self.request.user)


@extend_schema(tags=["partycare"])
class CareCaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Care records in scope; POST records one through the service (future dates refused)."""

    queryset = CareCase.objects.none()
    serializer_class = CareCaseSerializer
    filterset_class = CareCaseFilter
    write_roles = FIELD

    def get_queryset(self):
        return selectors.care_case_list(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.care_case_record(
            user=self.request.user,
            member=data["member"],
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            visitors=data["visitors"],
            notes=data.get("notes", ""),
            money_given=data.get("money", "0"),
            goods=data.get("goods", ""),
            campaign=data.get("campaign"),
        )


@extend_schema(tags=["partycare"])
class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Campaign.objects.none()
    serializer_class = CampaignSerializer
    filterset_fields = ["holiday", "year", "status", "division"]

    def get_queryset(self):
        return selectors.campaign_list(user=self.request.user)

    @extend_schema(responses=CoverageSerializer)
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        campaign = self.get_object()
        return Response(
            CoverageSerializer(selectors.campaign_coverage(user=request.user, campaign=campaign)).data
        )


@extend_schema(tags=["partycare"])
class AidApplicationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Hardship aid in scope. POST prepares one; POST …/act/ takes the next step of the workflow
    (each step by another person; the county approval only by the county reviewer)."""

    queryset = AidApplication.objects.none()
    serializer_class = AidApplicationSerializer
    filterset_class = AidApplicationFilter
    write_roles = AID_HANDLERS

    def get_queryset(self):
        return selectors.aid_list(user=self.request.user)

    @extend_schema(request=AidCreateSerializer, responses={201: AidApplicationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = AidCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        application = services.aid_apply(user=request.user, kind=data.pop("aid_kind"), **data)
        return Response(AidApplicationSerializer(application).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AidActionSerializer, responses=AidApplicationSerializer)
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        application = self.get_object()
        serializer = AidActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, user = serializer.validated_data, request.user
        name = data["action"]
        if name == "branch_check":
            result = services.aid_branch_check(user=user, application=application)
        elif name == "notice":
            result = services.aid_notice_post(
                user=user,
                application=application,
                ends_on=data.get("ends_on"),
                title=data.get("title", ""),
            )
        elif name == "township_check":
            result = services.aid_township_check(user=user, application=application)
        elif name == "county_approve":
            result = services.aid_county_approve(user=user, application=application)
        elif name == "pay":
            result = services.aid_pay(
                user=user,
                application=application,
                paid_on=data.get("paid_on"),
                reference=data.get("reference", ""),
            )
        else:
            result = services.aid_reject(user=user, application=application, reason=data.get("reason", ""))
        return Response(AidApplicationSerializer(result).data)


@extend_schema(tags=["partycare"])
@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "stale",
                OpenApiTypes.STR,
                enum=["0", "1"],
                required=False,
                description="1: only the pairings with no contact for 90 days.",
            )
        ]
    )
)
class PairingViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Pairing.objects.none()
    serializer_class = PairingSerializer
    filterset_fields = ["helper_kind", "member", "household"]

    def get_queryset(self):

        stale = self.request.query_params.get("stale") == "1"
        return selectors.pairing_list(user=self.request.user, today=timezone.localdate(), stale_only=stale)
