from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import serializers

from partycare import selectors
from partycare.models import (
    AidApplication,
    Branch,
    Campaign,
    CareCase,
    DueItem,
    Pairing,
    PartyMember,
)


class BranchSerializer(serializers.ModelSerializer):
    branch_kind = serializers.ChoiceField(source="kind", choices=Branch.Kind.choices, read_only=True)
    division_code = serializers.CharField(source="division.code", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Branch
        fields = [
            "id",
            "name",
            "branch_kind",
            "division",
            "division_code",
            "secretary",
            "is_active",
            "member_count",
        ]
        read_only_fields = fields


class DueItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DueItem
        fields = ["item", "rule", "due_by"]
        read_only_fields = fields


class PartyMemberSerializer(serializers.ModelSerializer):
    """Name and masked ID come from the person registry; age and party age are computed."""

    name = serializers.CharField(source="person.name", read_only=True)
    id_number = serializers.CharField(source="person.masked_id_number", read_only=True)
    birth_year = serializers.SerializerMethodField()
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    age = serializers.SerializerMethodField()
    party_age = serializers.SerializerMethodField()
    due = DueItemSerializer(source="due_items", many=True, read_only=True)

    class Meta:
        model = PartyMember
        fields = [
            "id",
            "person",
            "name",
            "id_number",
            "birth_year",
            "age",
            "branch",
            "branch_name",
            "joined_on",
            "full_member_on",
            "party_age",
            "status",
            "status_on",
            *PartyMember.FLAG_FIELDS,
            "due",
        ]
        read_only_fields = fields

    def get_birth_year(self, member) -> int:
        # Not the date: beside the masked ID number it would rebuild the number.
        return member.person.birth_date.year

    def get_age(self, member) -> int:
        return member.age_on(timezone.localdate())

    def get_party_age(self, member) -> int:
        return member.party_age_on(timezone.localdate())


class CareCaseSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.person.name", read_only=True)
    care_kind = serializers.ChoiceField(source="kind", choices=CareCase.Kind.choices)

    class Meta:
        model = CareCase
        fields = [
            "id",
            "member",
            "member_name",
            "care_kind",
            "occurred_on",
            "visitors",
            "notes",
            "money",
            "goods",
            "campaign",
            "trigger",
            "created_at",
        ]
        read_only_fields = ["id", "member_name", "created_at"]
        extra_kwargs = {"campaign": {"required": False}, "trigger": {"read_only": True}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        self.fields["member"].queryset = selectors.member_list(user=request.user)
        self.fields["campaign"].queryset = selectors.campaign_list(user=request.user)


class CampaignSerializer(serializers.ModelSerializer):
    holiday_display = serializers.CharField(source="get_holiday_display", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "division",
            "holiday",
            "holiday_display",
            "year",
            "holiday_date",
            "status",
            "created_at",
        ]
        read_only_fields = fields


class CoverageRowSerializer(serializers.Serializer):
    branch = serializers.IntegerField(source="branch.pk")
    branch_name = serializers.CharField(source="branch.name")
    due = serializers.IntegerField()
    visited = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    money = serializers.DecimalField(max_digits=14, decimal_places=2)


class CoverageSerializer(serializers.Serializer):
    due = serializers.IntegerField()
    visited = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    money = serializers.DecimalField(max_digits=14, decimal_places=2)
    branches = CoverageRowSerializer(many=True)


class AidApplicationSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.person.name", read_only=True)
    aid_kind = serializers.ChoiceField(source="kind", choices=AidApplication.Kind.choices, read_only=True)

    class Meta:
        model = AidApplication
        fields = [
            "id",
            "member",
            "member_name",
            "aid_kind",
            "year",
            "cause",
            "situation",
            "amount",
            "amount_reason",
            "status",
            "prepared_at",
            "notice_reference",
            "notice_id",
            "notice_starts_on",
            "notice_ends_on",
            "paid_on",
            "rejection_reason",
        ]
        read_only_fields = fields


class AidCreateSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=PartyMember.objects.none())
    aid_kind = serializers.ChoiceField(choices=AidApplication.Kind.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    cause = serializers.ChoiceField(choices=AidApplication.Cause.choices, required=False, allow_blank=True)
    situation = serializers.CharField(required=False, allow_blank=True)
    amount_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        self.fields["member"].queryset = selectors.member_list(user=request.user)


class AidActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["branch_check", "notice", "township_check", "county_approve", "pay", "reject"]
    )
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True)
    title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    # no starts_on: a notice starts when it is posted (the server's clock); omitted ends_on =
    # the earliest allowed day
    ends_on = serializers.DateField(required=False, allow_null=True)
    paid_on = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs):
        if "starts_on" in getattr(self, "initial_data", {}):
            raise serializers.ValidationError(
                {
                    "starts_on": gettext("A notice starts when it is posted: the server sets %(field)s.")
                    % {"field": "starts_on"}
                }
            )
        return attrs


class PairingSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.person.name", read_only=True, default=None)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "division",
            "helper_kind",
            "helper_name",
            "helper_member",
            "member",
            "member_name",
            "household",
            "started_on",
            "ended_on",
            "last_contact_on",
        ]
        read_only_fields = fields
