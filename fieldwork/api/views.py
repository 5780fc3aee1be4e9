"""Field work's API: home visits (the phone's offline sync posts here, once per client id, and
reads the household list it searches offline) and concerns with their pipeline step."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from beneficiaries.selectors import person_list
from fieldwork import selectors, services
from fieldwork.api.serializers import (
    ConcernActionSerializer,
    ConcernSerializer,
    HomeVisitCreateSerializer,
    HomeVisitSerializer,
)
from fieldwork.models import Concern, HomeVisit
from org.roles import FIELD


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


@extend_schema(tags=["fieldwork"])
class HomeVisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Home visits in scope. POST stores a visit from the phone exactly once per ``client_id``:
    201 with the visit the first time, 200 with the stored visit on a repeat."""

    queryset = HomeVisit.objects.none()
    serializer_class = HomeVisitSerializer
    filterset_fields = ["purpose", "village", "visitor", "household"]
    write_roles = FIELD

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


@extend_schema(tags=["fieldwork"])
class ConcernViewSet(viewsets.ReadOnlyModelViewSet):
    """Concerns in scope; POST …/act/ takes the next step of the pipeline."""

    queryset = Concern.objects.none()
    serializer_class = ConcernSerializer
    filterset_fields = ["status", "category", "village", "is_overdue", "departments"]
    write_roles = FIELD

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
