from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from beneficiaries.selectors import person_list
from org.models import Role
from partycare import selectors, services
from partycare.api.filters import AidApplicationFilter, CareCaseFilter, PartyMemberFilter
from partycare.api.serializers import (
    AidActionSerializer,
    AidApplicationSerializer,
    AidCreateSerializer,
    BranchSerializer,
    CampaignSerializer,
    CareCaseSerializer,
    ConcernActionSerializer,
    ConcernSerializer,
    CoverageSerializer,
    HomeVisitCreateSerializer,
    HomeVisitSerializer,
    PairingSerializer,
    PartyMemberSerializer,
)
from partycare.models import (
    AidApplication,
    Branch,
    Campaign,
    CareCase,
    Concern,
    HomeVisit,
    Pairing,
    PartyMember,
)

RECORDERS = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE)


class VisitEnrolmentSerializer(serializers.Serializer):
    """An active enrolment of the household, for choosing what a callback visit calls back."""

    id = serializers.IntegerField()
    project = serializers.CharField()
    year = serializers.IntegerField()
    person = serializers.CharField()


class VisitHouseholdSerializer(serializers.Serializer):
    """One household for the phone's offline search (documents the households action), with
    its active enrolments so a callback visit can choose them offline."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    address = serializers.CharField()
    village = serializers.CharField()
    head = serializers.CharField()
    pinyin = serializers.CharField()
    enrolments = VisitEnrolmentSerializer(many=True)


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
    write_roles = RECORDERS

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
    write_roles = (*RECORDERS, Role.COUNTY_REVIEWER)

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
        from django.utils import timezone

        stale = self.request.query_params.get("stale") == "1"
        return selectors.pairing_list(user=self.request.user, today=timezone.localdate(), stale_only=stale)


@extend_schema(tags=["partycare"])
class HomeVisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Home visits in scope. POST stores a visit from the phone exactly once per ``client_id``:
    201 with the visit the first time, 200 with the stored visit on a repeat."""

    queryset = HomeVisit.objects.none()
    serializer_class = HomeVisitSerializer
    filterset_fields = ["purpose", "village", "visitor", "household"]
    write_roles = RECORDERS

    def get_queryset(self):
        return selectors.visit_list(user=self.request.user).prefetch_related(
            "photos", "concerns", selectors.visit_callbacks_prefetch()
        )

    @extend_schema(
        request={
            "multipart/form-data": HomeVisitCreateSerializer,
            "application/json": HomeVisitCreateSerializer,
        },
        responses={201: HomeVisitSerializer, 200: HomeVisitSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = HomeVisitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        residents = {item["resident"] for item in data["concerns"] if item.get("resident")}
        found = {p.pk: p for p in person_list(user=request.user).filter(pk__in=residents)}
        if residents - set(found):
            raise ValidationError({"concerns": _("A resident lies outside your area.")})
        concerns = [{**item, "resident": found.get(item.get("resident"))} for item in data["concerns"]]
        visit, created = services.visit_record(
            user=request.user,
            client_id=data["client_id"],
            household=data["household"],
            visited_on=data["visited_on"],
            purpose=data["purpose"],
            notes=data["notes"],
            photos=data["photos"],
            concerns=concerns,
            callbacks=data["callbacks"],
            callback=data["callback"],
            member=data["member"],
        )
        visit = selectors.visit_get(user=request.user, pk=visit.pk)
        return Response(
            HomeVisitSerializer(visit).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(responses={200: VisitHouseholdSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def households(self, request):
        """The households the user may visit, for the offline search on the phone."""
        rows = selectors.visit_household_choices(user=request.user)
        enrolments = selectors.visit_household_enrolments(user=request.user)
        return Response(
            [
                {
                    "id": row["pk"],
                    "number": row["number"],
                    "address": row["address"],
                    "village": row["village__name"],
                    "head": row["head__name"] or "",
                    "pinyin": row["head__name_search"] or "",
                    "enrolments": enrolments.get(row["pk"], []),
                }
                for row in rows
            ]
        )


@extend_schema(tags=["partycare"])
class ConcernViewSet(viewsets.ReadOnlyModelViewSet):
    """Concerns in scope; POST …/act/ takes the next step of the pipeline."""

    queryset = Concern.objects.none()
    serializer_class = ConcernSerializer
    filterset_fields = ["status", "category", "village", "is_overdue", "departments"]
    write_roles = RECORDERS

    def get_queryset(self):
        return selectors.concern_list(user=self.request.user)

    @extend_schema(request=ConcernActionSerializer, responses=ConcernSerializer)
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        concern = self.get_object()
        serializer = ConcernActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = concern_act(user=request.user, concern=concern, data=serializer.validated_data)
        return Response(ConcernSerializer(selectors.concern_get(user=request.user, pk=result.pk)).data)


def concern_act(*, user, concern, data):
    """Shared by the API and the pages: one pipeline step from validated form data."""
    from org.selectors import department_list

    name = data["action"]
    departments = list(department_list(user=user).filter(pk__in=data.get("departments") or []))
    if name == "triage":
        return services.concern_triage(
            user=user,
            concern=concern,
            decision=data.get("decision") or "",
            explanation=data.get("explanation", ""),
        )
    if name == "dispatch":
        return services.concern_dispatch(
            user=user, concern=concern, departments=departments, deadline=data.get("deadline")
        )
    if name == "whistle":
        return services.concern_whistle(
            user=user, concern=concern, departments=departments, deadline=data.get("deadline")
        )
    if name == "resolve":
        return services.concern_resolve(user=user, concern=concern, resolution=data.get("resolution", ""))
    if "is_satisfied" not in data or not data.get("feedback_how"):
        raise ValidationError(
            {"feedback_how": _("Say how the resident was told and whether they are satisfied.")}
        )
    return services.concern_feedback(
        user=user,
        concern=concern,
        how=data["feedback_how"],
        given_on=data.get("feedback_on") or timezone.localdate(),
        is_satisfied=data["is_satisfied"],
        note=data.get("note", ""),
    )
