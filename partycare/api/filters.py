from django_filters import rest_framework as filters

from partycare.models import AidApplication, CareCase, DueItem, PartyMember


class PartyMemberFilter(filters.FilterSet):
    due = filters.ChoiceFilter(choices=DueItem.Item.choices, method="filter_due", label="due item")

    class Meta:
        model = PartyMember
        fields = ["branch", "status", *PartyMember.FLAG_FIELDS]

    def filter_due(self, queryset, name, value):
        return queryset.filter(due_items__item=value).distinct()


class CareCaseFilter(filters.FilterSet):
    occurred_after = filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = CareCase
        fields = ["member", "kind", "campaign"]


class AidApplicationFilter(filters.FilterSet):
    class Meta:
        model = AidApplication
        fields = ["status", "kind", "year", "member"]
