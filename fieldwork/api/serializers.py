"""Serializers of field work's API: visits as the phone sends them (multipart, JSON text for
the lists), visits and concerns as read, and a concern's pipeline step."""

import json

from rest_framework import serializers

from fieldwork.models import Concern, HomeVisit, WhistleCall


# Named concern_status / concern_category in the API (as branch_kind above): other apps' "status"
# and "category" fields have other choices, and the schema names its enums by field name.
class ConcernBriefSerializer(serializers.ModelSerializer):
    concern_category = serializers.ChoiceField(
        source="category", choices=Concern.Category.choices, read_only=True
    )
    concern_status = serializers.ChoiceField(source="status", choices=Concern.Status.choices, read_only=True)

    class Meta:
        model = Concern
        fields = ["id", "concern_category", "description", "concern_status", "is_common"]
        read_only_fields = fields


class VisitCallbackBriefSerializer(serializers.Serializer):
    """A callback (回访) the visit recorded in beneficiaries, one per enrolment answered."""

    id = serializers.IntegerField(read_only=True)
    enrolment = serializers.IntegerField(source="enrolment_id", read_only=True)
    project_name = serializers.CharField(source="enrolment.project.name", read_only=True)
    person_name = serializers.CharField(source="enrolment.person.masked_name", read_only=True)
    reached = serializers.BooleanField(read_only=True)
    knew_policy = serializers.BooleanField(read_only=True, allow_null=True)
    received_money = serializers.BooleanField(read_only=True, allow_null=True)
    satisfied = serializers.BooleanField(read_only=True, allow_null=True)


class HomeVisitSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    head_name = serializers.CharField(source="household.head.name", read_only=True, default="")
    visitor_name = serializers.CharField(source="visitor.display_name", read_only=True)
    photos = serializers.SerializerMethodField()
    concerns = ConcernBriefSerializer(many=True, read_only=True)
    callbacks = VisitCallbackBriefSerializer(many=True, read_only=True)

    class Meta:
        model = HomeVisit
        fields = [
            "id",
            "client_id",
            "household",
            "household_number",
            "head_name",
            "village",
            "visited_on",
            "purpose",
            "notes",
            "callbacks",
            "visitor",
            "visitor_name",
            "photos",
            "concerns",
            "created_at",
        ]
        read_only_fields = fields

    def get_photos(self, visit) -> list[str]:
        return [photo.image.url for photo in visit.photos.all()]


class ConcernItemSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Concern.Category.choices)
    description = serializers.CharField(max_length=2000)
    resident = serializers.IntegerField(required=False, allow_null=True)
    is_common = serializers.BooleanField(required=False, default=False)


class CallbackItemSerializer(serializers.Serializer):
    """One enrolment called back during a visit; the answers stay empty when not reached."""

    enrolment = serializers.IntegerField()
    reached = serializers.BooleanField()
    knew_policy = serializers.BooleanField(required=False, allow_null=True, default=None)
    received_money = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfied = serializers.BooleanField(required=False, allow_null=True, default=None)


def _json_text(value, empty):
    if isinstance(value, str):
        try:
            return json.loads(value or empty)
        except ValueError:
            raise serializers.ValidationError("Not JSON.") from None
    return value


class HomeVisitCreateSerializer(serializers.Serializer):
    """A visit from the phone (multipart: photos as repeated ``photos`` files; ``concerns``,
    ``callbacks`` and ``callback`` as JSON text). ``callbacks``: one item per enrolment called
    back (a list of {enrolment, reached, knew_policy, received_money, satisfied});
    ``callback``: answers for the whole household, from a phone that had no enrolment list
    (applied to the household's enrolments active on the visit date)."""

    client_id = serializers.UUIDField()
    household = serializers.IntegerField()
    visited_on = serializers.DateField()
    purpose = serializers.ChoiceField(choices=HomeVisit.Purpose.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    concerns = serializers.JSONField(required=False, default=list)
    callbacks = serializers.JSONField(required=False, default=list)
    callback = serializers.JSONField(required=False, default=None)
    member = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_concerns(self, value):
        value = _json_text(value, "[]")
        items = ConcernItemSerializer(data=value, many=True)
        items.is_valid(raise_exception=True)
        return items.validated_data

    def validate_callbacks(self, value):
        value = _json_text(value, "[]")
        if value is None:
            return []
        items = CallbackItemSerializer(data=value, many=True)
        items.is_valid(raise_exception=True)
        return items.validated_data

    def validate_callback(self, value):
        value = _json_text(value, "null")
        if value in (None, "", {}):
            return None
        if not isinstance(value, dict):
            raise serializers.ValidationError(
                "An object with reached, knew_policy, received_money, satisfied."
            )
        answers = {}
        for key in ("reached", "knew_policy", "received_money", "satisfied"):
            if value.get(key) not in (None, True, False):
                raise serializers.ValidationError(f"{key}: true, false or null.")
            answers[key] = value.get(key)
        return answers


class WhistleCallSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = WhistleCall
        fields = ["id", "department", "department_name", "called_at", "reported_at", "reported_by", "note"]
        read_only_fields = fields


class ConcernSerializer(serializers.ModelSerializer):
    concern_category = serializers.ChoiceField(
        source="category", choices=Concern.Category.choices, read_only=True
    )
    concern_status = serializers.ChoiceField(source="status", choices=Concern.Status.choices, read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    resident_name = serializers.CharField(source="resident.masked_name", read_only=True, default="")

    class Meta:
        model = Concern
        fields = [
            "id",
            "village",
            "village_name",
            "concern_category",
            "description",
            "resident",
            "resident_name",
            "visit",
            "is_common",
            "concern_status",
            "decision",
            "explanation",
            "departments",
            "deadline",
            "is_overdue",
            "escalated_to_leader_on",
            "resolution",
            "resolved_on",
            "feedback_how",
            "feedback_on",
            "is_satisfied",
            "created_at",
        ]
        read_only_fields = fields
        # Blank is a value these fields hold: say so, or the schema's enum would not list "".
        extra_kwargs = {"decision": {"allow_blank": True}, "feedback_how": {"allow_blank": True}}


class ConcernActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["triage", "dispatch", "whistle", "resolve", "feedback"])
    decision = serializers.ChoiceField(choices=Concern.Decision.choices, required=False)
    explanation = serializers.CharField(required=False, allow_blank=True, default="")
    departments = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    feedback_how = serializers.ChoiceField(choices=Concern.FeedbackHow.choices, required=False)
    feedback_on = serializers.DateField(required=False)
    is_satisfied = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
