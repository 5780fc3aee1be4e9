import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from beneficiaries import selectors
from beneficiaries.models import (
    AnomalyFinding,
    Callback,
    Enrolment,
    Household,
    Payment,
    PaymentBatch,
    Person,
    SubsidyStandard,
)
from common.masking import birth_year, phone_for
from org.models import Division
from org.selectors import division_choices


class PersonSerializer(serializers.ModelSerializer):
    """ID and bank card numbers leave masked, except for the roles that need them whole.

    Beside a masked ID number the birth date would rebuild it, so ``birth_date`` is given only
    with the whole number (null otherwise) and ``birth_year`` always; the phone is whole only for
    the roles that call residents (common.masking.sees_whole_phone) and beside whole numbers."""

    id_number = serializers.SerializerMethodField()
    bank_card = serializers.SerializerMethodField()
    birth_date = serializers.SerializerMethodField()
    birth_year = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    village_code = serializers.CharField(source="village.code", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "birth_year",
            "village",
            "village_code",
            "household",
            "relation",
            "phone",
            "status",
            "status_on",
            "bank_card",
            "bank_name",
        ]
        read_only_fields = fields
        # Blank is a value these fields hold: say so, or the schema's enum would not list "".
        extra_kwargs = {"relation": {"allow_blank": True}}

    def _whole(self) -> bool:
        return selectors.sees_whole_numbers(self.context["request"].user)

    def get_id_number(self, person) -> str:
        return person.id_number if self._whole() else person.masked_id_number

    def get_bank_card(self, person) -> str:
        return person.bank_card if self._whole() else person.masked_bank_card

    def get_birth_date(self, person) -> datetime.date | None:
        return person.birth_date if self._whole() else None

    def get_birth_year(self, person) -> int | None:
        return birth_year(person.birth_date)

    def get_phone(self, person) -> str:
        if self._whole():
            return person.phone
        return phone_for(self.context["request"].user, person.phone)


class PersonCreateSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=40)
    village = serializers.PrimaryKeyRelatedField(queryset=Division.objects.none())
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), required=False, allow_null=True
    )
    relation = serializers.ChoiceField(choices=Person.Relation.choices, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    bank_card = serializers.CharField(max_length=25, required=False, allow_blank=True, write_only=True)
    bank_name = serializers.CharField(max_length=60, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        self.fields["village"].queryset = division_choices(user=request.user, level=Division.Level.VILLAGE)
        self.fields["household"].queryset = selectors.household_list(user=request.user)


class EnrolmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    village_code = serializers.CharField(source="village.code", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "project",
            "project_name",
            "person",
            "person_name",
            "household",
            "village",
            "village_code",
            "tier",
            "persons_covered",
            "status",
            "applied_on",
            "village_notice",
            "township_notice",
            "final_notice",
            "approved_on",
            "active_from",
            "exit_reason",
            "exit_on",
            "exit_note",
        ]
        read_only_fields = fields
        # Blank is a value these fields hold: say so, or the schema's enum would not list "".
        extra_kwargs = {"exit_reason": {"allow_blank": True}}


class StandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubsidyStandard
        fields = [
            "id",
            "project",
            "tier",
            "unit",
            "period",
            "proration",
            "amount",
            "effective_from",
            "effective_to",
        ]
        read_only_fields = fields


class BatchSerializer(serializers.ModelSerializer):
    period_label = serializers.CharField(read_only=True)

    class Meta:
        model = PaymentBatch
        fields = [
            "id",
            "project",
            "division",
            "period_start",
            "period_end",
            "period",
            "period_label",
            "number",
            "status",
            "payment_count",
            "total_amount",
            "prepared_by",
            "checked_by",
            "approved_by",
            "exported_at",
            "reconciled_at",
        ]
        read_only_fields = fields


class HeldFindingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    rule = serializers.ChoiceField(choices=AnomalyFinding.Rule.choices)
    detail = serializers.CharField()


class HeldLineSerializer(serializers.Serializer):
    """A line of the batch held by open anomaly findings nobody has cleared for it."""

    payment = serializers.IntegerField(source="payment.pk")
    reference = serializers.CharField(source="payment.reference")
    person_name = serializers.CharField(source="payment.enrolment.person.name")
    amount = serializers.DecimalField(source="payment.amount", max_digits=14, decimal_places=2)
    findings = HeldFindingSerializer(many=True)


class BatchDetailSerializer(BatchSerializer):
    """One batch with its held lines (issue 15): while there are any it is neither checked nor
    approved; after approval they are shown, the batch stays approved."""

    held_lines = serializers.SerializerMethodField()

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "held_lines"]
        read_only_fields = fields

    @extend_schema_field(HeldLineSerializer(many=True))
    def get_held_lines(self, batch):
        return HeldLineSerializer(selectors.held_lines(batch), many=True).data


class PaymentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    person_name = serializers.CharField(source="enrolment.person.name", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "reference",
            "batch",
            "enrolment",
            "person_name",
            "covers_from",
            "covers_to",
            "kind",
            "months",
            "days",
            "amount",
            "status",
            "failure_reason",
            "reissue_of",
        ]
        read_only_fields = fields


class CallbackSerializer(serializers.ModelSerializer):
    # Not "method": publicity's survey responses have a "method" enum with other labels, and
    # the schema must name each enum once.
    contact_method = serializers.ChoiceField(source="method", choices=Callback.Method.choices)

    class Meta:
        model = Callback
        fields = [
            "id",
            "enrolment",
            "contact_method",
            "called_on",
            "reached",
            "knew_policy",
            "received_money",
            "satisfied",
            "notes",
        ]
        read_only_fields = ["id"]


class AnomalySerializer(serializers.ModelSerializer):
    class Meta:
        model = AnomalyFinding
        fields = [
            "id",
            "rule",
            "village",
            "person",
            "enrolment",
            "payment",
            "related",
            "detail",
            "status",
            "note",
            "first_seen",
            "last_seen",
        ]
        read_only_fields = fields
