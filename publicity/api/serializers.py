"""API shapes. Output serializers are read-only; input serializers check shape and the views
hand the data to the services (the only writers)."""

from django.utils.translation import gettext
from rest_framework import serializers

from common.masking import mask_name, mask_phone, phone_for
from org.models import Department, Division
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


class SubmissionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = InfoSubmission
        fields = [
            "id",
            "division",
            "department",
            "department_name",
            "kind",
            "kind_display",
            "title",
            "body",
            "photo_before",
            "photo_after",
            "media_link",
            "status",
            "status_display",
            "return_comment",
            "submitted_at",
            "decided_at",
            "published_at",
            "created_at",
        ]
        read_only_fields = fields


class SubmissionInputSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none())
    kind = serializers.ChoiceField(choices=InfoSubmission.Kind.choices)
    title = serializers.CharField(max_length=120)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    photo_before = serializers.ImageField(required=False, allow_null=True, default=None)
    photo_after = serializers.ImageField(required=False, allow_null=True, default=None)
    media_link = serializers.URLField(required=False, allow_blank=True, default="")

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


class ActivitySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "division",
            "division_name",
            "department",
            "kind",
            "kind_display",
            "title",
            "held_on",
            "place",
            "organisers",
            "audience_estimate",
            "materials_count",
            "materials_description",
            "notes",
            "photo_count",
        ]
        read_only_fields = ["id", "division_name", "kind_display", "photo_count"]
        extra_kwargs = {
            "division": {"queryset": Division.objects.none()},
            "department": {"queryset": Department.objects.none()},
        }

    def __init__(self, *args, divisions=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if divisions is not None:
            self.fields["division"].queryset = divisions
            self.fields["department"].queryset = departments


class ObjectionSerializer(serializers.ModelSerializer):
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = [
            "id",
            "notice",
            "channel",
            "channel_display",
            "name",
            "contact",
            "text",
            "received_at",
            "status",
            "status_display",
            "answer",
            "outcome",
            "answered_at",
        ]
        read_only_fields = fields
        # Blank is a value these fields hold: say so, or the schema's enum would not list "".
        extra_kwargs = {"outcome": {"allow_blank": True}}

    def get_contact(self, objection) -> str:
        """The objector's phone or address, whole only for the roles that answer them."""
        request = self.context.get("request")
        return phone_for(request.user if request else None, objection.contact)


class ObjectionInputSerializer(serializers.Serializer):
    notice = serializers.PrimaryKeyRelatedField(queryset=PublicNotice.objects.none())
    channel = serializers.ChoiceField(choices=Objection.Channel.choices)
    name = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def __init__(self, *args, notices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if notices is not None:
            self.fields["notice"].queryset = notices


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000)
    outcome = serializers.ChoiceField(choices=Objection.Outcome.choices)


class NoticeSerializer(serializers.ModelSerializer):
    """Officers' view of a notice: the masked snapshot as posted, and its objections."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    objection_count = serializers.IntegerField(read_only=True)
    open_objection_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PublicNotice
        fields = [
            "id",
            "division",
            "division_name",
            "kind",
            "kind_display",
            "stage",
            "title",
            "body",
            "starts_on",
            "ends_on",
            "objection_address",
            "contact_phone",
            "columns",
            "rows",
            "status",
            "status_display",
            "posted_at",
            "closed_at",
            "close_note",
            "objection_count",
            "open_objection_count",
        ]
        read_only_fields = fields


class NoticeColumnSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)
    header = serializers.CharField(max_length=60)
    mask = serializers.ChoiceField(
        choices=["", "name", "id_number", "phone", "bank_card", "birth_date"], allow_blank=True, default=""
    )


class NoticeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PublicNotice.Kind.choices)
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.none())
    stage = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=150)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    # No starts_on: the notice starts when it is posted (the server's clock). ends_on omitted =
    # the earliest allowed day (NOTICE_MIN_DAYS full days after the day of posting).
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    objection_address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    columns = NoticeColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField(), max_length=5000)

    #: set by the server at posting; a client sending them is told so rather than ignored
    SERVER_FIELDS = ("starts_on", "posted_at")

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if divisions is not None:
            self.fields["division"].queryset = divisions

    def validate(self, attrs):
        typed = [name for name in self.SERVER_FIELDS if name in getattr(self, "initial_data", {})]
        if typed:
            raise serializers.ValidationError(
                {
                    name: gettext("A notice starts when it is posted: the server sets %(field)s.")
                    % {"field": name}
                    for name in typed
                }
            )
        return attrs


class CloseSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PublicNoticeSerializer(serializers.ModelSerializer):
    """What residents see: the masked snapshot, the period and where to object. No objections."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)

    class Meta:
        model = PublicNotice
        fields = [
            "id",
            "division_name",
            "kind",
            "kind_display",
            "stage",
            "title",
            "body",
            "starts_on",
            "ends_on",
            "objection_address",
            "contact_phone",
            "columns",
            "rows",
        ]
        read_only_fields = fields


class SupervisorSerializer(serializers.ModelSerializer):
    visit_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Supervisor
        fields = ["id", "division", "name", "phone", "work_unit", "appointed_on", "is_active", "visit_count"]
        read_only_fields = ["id", "visit_count"]
        extra_kwargs = {"division": {"queryset": Division.objects.none()}}

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if divisions is not None:
            self.fields["division"].queryset = divisions


class SupervisorVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisorVisit
        fields = ["id", "supervisor", "visited_on", "place", "opinion", "follow_up"]
        read_only_fields = ["id"]
        extra_kwargs = {"supervisor": {"queryset": Supervisor.objects.none()}}

    def __init__(self, *args, supervisors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if supervisors is not None:
            self.fields["supervisor"].queryset = supervisors


class QuotaLineSerializer(serializers.Serializer):
    rule = serializers.CharField()
    label = serializers.CharField()
    month_due = serializers.IntegerField(allow_null=True)
    month_done = serializers.IntegerField(allow_null=True)
    month_missing = serializers.IntegerField(allow_null=True)
    year_due = serializers.IntegerField()
    year_done = serializers.IntegerField()
    year_missing = serializers.IntegerField()


class QuotaRowSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department.pk")
    department_name = serializers.CharField(source="department.name")
    division = serializers.CharField(source="department.division.code")
    projects = serializers.IntegerField()
    construction_projects = serializers.IntegerField()
    lines = QuotaLineSerializer(many=True)


class SurveySerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    response_count = serializers.IntegerField(read_only=True)
    awareness_rate = serializers.DecimalField(max_digits=6, decimal_places=4, read_only=True, allow_null=True)
    satisfaction_rate = serializers.DecimalField(
        max_digits=6, decimal_places=4, read_only=True, allow_null=True
    )

    class Meta:
        model = Survey
        fields = [
            "id",
            "project",
            "project_name",
            "division",
            "title",
            "awareness_question",
            "satisfaction_question",
            "response_count",
            "awareness_rate",
            "satisfaction_rate",
        ]
        read_only_fields = fields


class SurveyInputSerializer(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Survey.objects.none())
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.none())
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    awareness_question = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    satisfaction_question = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )

    def __init__(self, *args, projects=None, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if projects is not None:
            self.fields["project"].queryset = projects
            self.fields["division"].queryset = divisions


class SurveyResponseSerializer(serializers.ModelSerializer):
    """Answers as the office sees them: the respondent's name and phone masked."""

    respondent_name = serializers.SerializerMethodField()
    respondent_phone = serializers.SerializerMethodField()

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "survey",
            "division",
            "method",
            "responded_on",
            "respondent_name",
            "respondent_phone",
            "is_aware",
            "satisfaction",
            "comment",
        ]
        read_only_fields = fields

    def get_respondent_name(self, obj) -> str:
        return mask_name(obj.respondent_name)

    def get_respondent_phone(self, obj) -> str:
        return mask_phone(obj.respondent_phone)


class SurveyResponseInputSerializer(serializers.Serializer):
    survey = serializers.PrimaryKeyRelatedField(queryset=Survey.objects.none())
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.none())
    method = serializers.ChoiceField(choices=SurveyResponse.Method.choices)
    responded_on = serializers.DateField(required=False, allow_null=True, default=None)
    respondent_name = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    respondent_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    is_aware = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=SurveyResponse.Satisfaction.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, surveys=None, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if surveys is not None:
            self.fields["survey"].queryset = surveys
            self.fields["division"].queryset = divisions


class SurveyRateSerializer(serializers.Serializer):
    key = serializers.IntegerField()
    name = serializers.CharField()
    response_count = serializers.IntegerField()
    aware_count = serializers.IntegerField()
    satisfied_count = serializers.IntegerField()
    awareness_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    satisfaction_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
