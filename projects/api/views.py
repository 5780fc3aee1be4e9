"""The projects API: create, read and update; no deletes (the audit trail keeps every change).

Every viewset starts from ``Model.objects.none()`` and reads through a selector, so lists hold
only the user's scope and a detail outside it answers 404. Writes go through the services,
which check the role rules again (403) and the business rules (400 naming the field)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from org.roles import FIELD, OFFICE
from projects import selectors, services
from projects.api import filters, serializers
from projects.models import FundLine, FundMovement, ProgressReport, Project, Site, Target


class CreateReadUpdateViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    write_roles = OFFICE


@extend_schema(tags=["projects"])
class ProjectViewSet(CreateReadUpdateViewSet):
    """Livelihood projects with completion rate, lagging flag and fund totals as of today."""

    queryset = Project.objects.none()
    serializer_class = serializers.ProjectSerializer
    filterset_class = filters.ProjectFilter
    search_fields = ["name", "code"]
    ordering_fields = ["year", "code", "name"]

    def get_queryset(self):
        return selectors.project_list(user=self.request.user, today=timezone.localdate())


@extend_schema(tags=["projects"])
class TargetViewSet(CreateReadUpdateViewSet):
    """Targets per project and division. Creating a village's target checks that the shares do
    not exceed the township's; ``split`` sets all shares at once and they must add up."""

    queryset = Target.objects.none()
    serializer_class = serializers.TargetSerializer
    filterset_class = filters.TargetFilter
    ordering_fields = ["division__code"]

    def get_queryset(self):
        return selectors.target_list(user=self.request.user)

    @extend_schema(request=serializers.SplitSerializer, responses=serializers.TargetSerializer(many=True))
    # Not a list: no filters, no pages (else the schema documents them and a paginated answer).
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def split(self, request, pk=None):
        target = self.get_object()
        payload = serializers.SplitSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        parts = [(part["division"], part["quantity"]) for part in payload.validated_data["parts"]]
        children = services.target_split(user=request.user, target=target, parts=parts)
        return Response(serializers.TargetSerializer(children, many=True).data, status=status.HTTP_200_OK)


@extend_schema(tags=["projects"])
class ProgressViewSet(CreateReadUpdateViewSet):
    """Monthly cumulative progress. Village cadres may record for their own village's targets."""

    queryset = ProgressReport.objects.none()
    serializer_class = serializers.ProgressSerializer
    filterset_class = filters.ProgressFilter
    ordering_fields = ["month"]
    write_roles = FIELD

    def get_queryset(self):
        return selectors.progress_list(user=self.request.user)


@extend_schema(tags=["projects"])
class FundLineViewSet(CreateReadUpdateViewSet):
    """Planned amount per project and fund source. Read by township and county roles; a village
    cadre's list is empty (projects.permissions.may_read_funds)."""

    queryset = FundLine.objects.none()
    serializer_class = serializers.FundLineSerializer
    filterset_fields = ["source"]

    def get_queryset(self):
        return selectors.fund_line_list(user=self.request.user)


@extend_schema(tags=["projects"])
class FundMovementViewSet(CreateReadUpdateViewSet):
    """Dated money received, allocated or spent; spent ≤ allocated ≤ received at every date.
    Read by township and county roles; a village cadre's list is empty."""

    queryset = FundMovement.objects.none()
    serializer_class = serializers.FundMovementSerializer
    filterset_class = filters.FundMovementFilter
    ordering_fields = ["date"]

    def get_queryset(self):
        return selectors.fund_movement_list(user=self.request.user)


@extend_schema(tags=["projects"])
class SiteViewSet(CreateReadUpdateViewSet):
    """Construction sites with their six controls."""

    queryset = Site.objects.none()
    serializer_class = serializers.SiteSerializer
    filterset_class = filters.SiteFilter
    search_fields = ["name", "location"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return selectors.site_list(user=self.request.user).prefetch_related("controls")

    @extend_schema(
        request={"multipart/form-data": serializers.SiteControlRecordSerializer},
        responses=serializers.SiteSerializer,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def controls(self, request, pk=None):
        """Record one control with its date and document; ``acceptance`` is the completion
        acceptance (township leaders, four-eyes)."""
        site = self.get_object()
        payload = serializers.SiteControlRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data["control"] == "acceptance":
            services.site_accept(
                user=request.user, site=site, accepted_on=data["done_on"], document=data["document"]
            )
        else:
            services.site_control_record(user=request.user, site=site, **data)
        return Response(
            serializers.SiteSerializer(
                self.get_queryset().get(pk=site.pk), context=self.get_serializer_context()
            ).data
        )
