"""Scoped API of the publicity app. Querysets come from selectors (the user's scope); writes
go through services; a notice has no update or delete endpoint (it is immutable once posted)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from org import selectors as org_selectors
from org.roles import FIELD, OFFICE
from publicity import selectors, services
from publicity.api import filters
from publicity.api.serializers import (
    ActivitySerializer,
    AnswerSerializer,
    CloseSerializer,
    NoticeInputSerializer,
    NoticeSerializer,
    ObjectionInputSerializer,
    ObjectionSerializer,
    PublicNoticeSerializer,
    QuotaRowSerializer,
    ReturnSerializer,
    SubmissionInputSerializer,
    SubmissionSerializer,
    SupervisorSerializer,
    SupervisorVisitSerializer,
    SurveyInputSerializer,
    SurveyRateSerializer,
    SurveyResponseInputSerializer,
    SurveyResponseSerializer,
    SurveySerializer,
    WithdrawSerializer,
)
from publicity.forms import township_divisions
from publicity.models import (
    Activity,
    InfoSubmission,
    Objection,
    PublicNotice,
    Supervisor,
    SupervisorVisit,
    Survey,
    SurveyResponse,
)


def _divisions(user):
    return township_divisions(org_selectors.division_list(user=user))


@extend_schema(tags=["publicity"])
class SubmissionViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Info submissions (信息报送) in the user's scope; drafts are edited, then submitted, then
    adopted or returned by the livelihood office, then published to the public column."""

    queryset = InfoSubmission.objects.none()
    serializer_class = SubmissionSerializer
    filterset_class = filters.SubmissionFilter
    search_fields = ["title"]
    ordering_fields = ["created_at", "submitted_at"]
    write_roles = OFFICE
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.submission_list(user=self.request.user)

    def _input(self, partial=False):
        serializer = SubmissionInputSerializer(
            data=self.request.data,
            partial=partial,
            departments=selectors.department_choices(user=self.request.user),
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=SubmissionInputSerializer, responses=SubmissionSerializer)
    def create(self, request, *args, **kwargs):
        submission = services.submission_create(user=request.user, **self._input())
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SubmissionInputSerializer, responses=SubmissionSerializer)
    def partial_update(self, request, *args, **kwargs):
        submission = self.get_object()
        data = self._input(partial=True)
        submission = services.submission_update(user=request.user, submission=submission, **data)
        return Response(SubmissionSerializer(submission).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def _transition(self, service, **kwargs):
        submission = service(user=self.request.user, submission=self.get_object(), **kwargs)
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(request=None, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(services.submission_submit)

    @extend_schema(request=None, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        return self._transition(services.submission_adopt)

    @extend_schema(request=ReturnSerializer, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition(services.submission_return, comment=serializer.validated_data["comment"])

    @extend_schema(request=None, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._transition(services.submission_publish)

    @extend_schema(request=None, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        return self._transition(services.submission_unpublish)


@extend_schema(tags=["publicity"])
class ActivityViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Publicity activities (宣传活动). Village cadres record those of their village."""

    queryset = Activity.objects.none()
    serializer_class = ActivitySerializer
    filterset_class = filters.ActivityFilter
    search_fields = ["title", "place"]
    ordering_fields = ["held_on"]
    write_roles = FIELD

    def get_queryset(self):
        return selectors.activity_list(user=self.request.user)

    def get_serializer(self, *args, **kwargs):
        if self.request and self.request.user.is_authenticated:
            kwargs.setdefault("divisions", _divisions(self.request.user))
            kwargs.setdefault("departments", selectors.department_choices(user=self.request.user))
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.activity_create(user=self.request.user, **serializer.validated_data)
        serializer.instance.photo_count = 0

    def perform_update(self, serializer):
        instance = services.activity_update(
            user=self.request.user, activity=serializer.instance, **serializer.validated_data
        )
        instance.photo_count = serializer.instance.photo_count
        serializer.instance = instance


@extend_schema(tags=["publicity"])
class NoticeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Public notices (公示) in the user's scope. Posted notices are immutable: no update or
    delete; they are closed (no objection / objection upheld) or withdrawn."""

    queryset = PublicNotice.objects.none()
    serializer_class = NoticeSerializer
    filterset_class = filters.NoticeFilter
    search_fields = ["title"]
    ordering_fields = ["starts_on", "ends_on"]
    write_roles = OFFICE

    def get_queryset(self):
        return selectors.notice_list(user=self.request.user)

    @extend_schema(request=NoticeInputSerializer, responses=NoticeSerializer)
    def create(self, request, *args, **kwargs):
        serializer = NoticeInputSerializer(data=request.data, divisions=_divisions(request.user))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["columns"] = [(c["key"], c["header"], c["mask"]) for c in data["columns"]]
        notice = services.notice_publish(user=request.user, **data)
        return Response(
            NoticeSerializer(self.get_queryset().get(pk=notice.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=CloseSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.notice_close(user=request.user, notice=self.get_object(), **serializer.validated_data)
        return Response(NoticeSerializer(self.get_object()).data)

    @extend_schema(request=WithdrawSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.notice_withdraw(
            user=request.user, notice=self.get_object(), reason=serializer.validated_data["reason"]
        )
        return Response(NoticeSerializer(self.get_object()).data)


@extend_schema(tags=["publicity"])
class ObjectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Objections (异议) to notices in scope. POST records one received on paper, by phone or
    in person; residents file theirs on the public site."""

    queryset = Objection.objects.none()
    serializer_class = ObjectionSerializer
    filterset_class = filters.ObjectionFilter
    ordering_fields = ["received_at"]
    write_roles = FIELD

    def get_queryset(self):
        return selectors.objection_list(user=self.request.user)

    @extend_schema(request=ObjectionInputSerializer, responses=ObjectionSerializer)
    def create(self, request, *args, **kwargs):
        serializer = ObjectionInputSerializer(
            data=request.data, notices=selectors.notice_list(user=request.user)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        objection = services.objection_record(
            user=request.user, **{**data, "received_at": data.get("received_at") or timezone.now()}
        )
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objection = services.objection_answer(
            user=request.user, objection=self.get_object(), **serializer.validated_data
        )
        return Response(ObjectionSerializer(objection).data)


@extend_schema(tags=["publicity"])
class SupervisorViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Invited supervisors (特邀监督员)."""

    queryset = Supervisor.objects.none()
    serializer_class = SupervisorSerializer
    filterset_class = filters.SupervisorFilter
    search_fields = ["name"]
    write_roles = OFFICE

    def get_queryset(self):
        return selectors.supervisor_list(user=self.request.user)

    def get_serializer(self, *args, **kwargs):
        if self.request and self.request.user.is_authenticated:
            kwargs.setdefault("divisions", _divisions(self.request.user))
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.supervisor_create(user=self.request.user, **serializer.validated_data)
        serializer.instance.visit_count = 0

    def perform_update(self, serializer):
        count = serializer.instance.visit_count
        serializer.instance = services.supervisor_update(
            user=self.request.user, supervisor=serializer.instance, **serializer.validated_data
        )
        serializer.instance.visit_count = count


@extend_schema(tags=["publicity"])
class SupervisorVisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = SupervisorVisit.objects.none()
    serializer_class = SupervisorVisitSerializer
    filterset_fields = ["supervisor"]
    write_roles = OFFICE

    def get_queryset(self):
        return selectors.supervisor_visit_list(user=self.request.user)

    def get_serializer(self, *args, **kwargs):
        if self.request and self.request.user.is_authenticated:
            kwargs.setdefault("supervisors", selectors.supervisor_list(user=self.request.user))
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.supervisor_visit_record(
            user=self.request.user, **serializer.validated_data
        )


@extend_schema(tags=["publicity"])
class QuotaViewSet(viewsets.GenericViewSet):
    """Each unit's information quota: due, done and missing for the month and the year."""

    serializer_class = QuotaRowSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, required=False),
            OpenApiParameter("month", OpenApiTypes.INT, required=False),
        ],
        responses=QuotaRowSerializer(many=True),
    )
    def list(self, request):
        today = timezone.localdate()
        try:
            year = int(request.query_params.get("year") or today.year)
            month = int(request.query_params.get("month") or today.month)
        except ValueError:
            return Response({"detail": "year and month are numbers"}, status=status.HTTP_400_BAD_REQUEST)
        if not 1 <= month <= 12 or not 2000 <= year <= today.year + 1:
            return Response({"detail": "year or month out of range"}, status=status.HTTP_400_BAD_REQUEST)
        rows = selectors.quota_status(user=request.user, year=year, month=month)
        return Response(QuotaRowSerializer(rows, many=True).data)


@extend_schema(tags=["public"])
class PublicNoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """The notices open today, for anyone (no login): masked snapshot only, no objections."""

    queryset = PublicNotice.objects.none()
    serializer_class = PublicNoticeSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [AnonRateThrottle]
    filter_backends = []

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.public_notice_queryset()
        return selectors.public_notice_queryset().open_on(timezone.localdate())


@extend_schema(tags=["publicity"])
class SurveyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Awareness (知晓率) and satisfaction (满意度) surveys with their rates over the answers
    the user sees."""

    queryset = Survey.objects.none()
    serializer_class = SurveySerializer
    filterset_fields = ["project", "division"]
    write_roles = OFFICE

    def get_queryset(self):
        return selectors.survey_list(user=self.request.user)

    @extend_schema(request=SurveyInputSerializer, responses=SurveySerializer)
    def create(self, request, *args, **kwargs):
        serializer = SurveyInputSerializer(
            data=request.data,
            projects=selectors.survey_project_choices(user=request.user),
            divisions=org_selectors.division_list(user=request.user),
        )
        serializer.is_valid(raise_exception=True)
        survey = services.survey_create(user=request.user, **serializer.validated_data)
        return Response(
            SurveySerializer(self.get_queryset().get(pk=survey.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["publicity"])
class SurveyResponseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Answers entered after calls or visits (village cadres: their village)."""

    queryset = SurveyResponse.objects.none()
    serializer_class = SurveyResponseSerializer
    filterset_fields = ["survey", "division", "method", "satisfaction", "is_aware"]
    write_roles = FIELD

    def get_queryset(self):
        return selectors.survey_response_list(user=self.request.user)

    @extend_schema(request=SurveyResponseInputSerializer, responses=SurveyResponseSerializer)
    def create(self, request, *args, **kwargs):
        serializer = SurveyResponseInputSerializer(
            data=request.data,
            surveys=selectors.survey_list(user=request.user),
            divisions=org_selectors.division_list(user=request.user, level="village"),
        )
        serializer.is_valid(raise_exception=True)
        response = services.survey_response_record(user=request.user, **serializer.validated_data)
        return Response(SurveyResponseSerializer(response).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["publicity"])
class SurveyRateViewSet(viewsets.GenericViewSet):
    """Awareness and satisfaction rates per project or per village for a year (for scorecards)."""

    serializer_class = SurveyRateSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, required=False),
            OpenApiParameter("by", OpenApiTypes.STR, enum=["project", "division"], required=False),
        ],
        responses=SurveyRateSerializer(many=True),
    )
    def list(self, request):
        by = request.query_params.get("by") or "project"
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
        except ValueError:
            return Response({"detail": "year is a number"}, status=status.HTTP_400_BAD_REQUEST)
        if by not in ("project", "division"):
            return Response({"detail": "by is project or division"}, status=status.HTTP_400_BAD_REQUEST)
        rows = selectors.survey_rates(user=request.user, year=year, by=by)
        key, name = (
            ("survey__project_id", "survey__project__name")
            if by == "project"
            else ("division_id", "division__name")
        )
        data = [{**row, "key": row[key], "name": row[name]} for row in rows]
        return Response(SurveyRateSerializer(data, many=True).data)
