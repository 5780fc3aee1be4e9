from rest_framework import serializers

from beneficiaries import selectors
from beneficiaries.models import Household, Person
from org.models import Division
from org.selectors import division_choices


class PersonSerializer(serializers.ModelSerializer):
    """ID and bank card numbers leave masked, except for the roles that need them whole."""

    id_number = serializers.SerializerMethodField()
    bank_card = serializers.SerializerMethodField()
    village_code = serializers.CharField(source="village.code", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "sex",
            "birth_date",
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

    def _whole(self) -> bool:
        return selectors.sees_whole_numbers(self.context["request"].user)

    def get_id_number(self, person) -> str:
        return person.id_number if self._whole() else person.masked_id_number

    def get_bank_card(self, person) -> str:
        return person.bank_card if self._whole() else person.masked_bank_card


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
