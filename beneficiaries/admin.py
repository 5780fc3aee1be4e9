from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Household, Person
from common.idcard import normalize_id_number
from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter
from org.models import Role

EDITORS = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    # Registration goes through the registry service (pages, API, roster import), which checks
    # the ID number; here officers correct contact details and see the audit history.
    write_roles = EDITORS
    list_display = ["name", "masked_id_number", "sex", "birth_date", "village", "status", "status_on"]
    list_filter = ["status", "sex", ("village", ScopedRelatedFilter)]
    search_fields = ["name", "name_search"]
    list_select_related = ["village"]
    fields = [
        "name",
        "masked_id_number",
        "sex",
        "birth_date",
        "village",
        "household",
        "relation",
        "phone",
        "status",
        "status_on",
        "masked_bank_card",
        "bank_name",
    ]
    readonly_fields = [
        "masked_id_number",
        "sex",
        "birth_date",
        "village",
        "status",
        "status_on",
        "masked_bank_card",
    ]
    raw_id_fields = ["household"]

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("Bank card"))
    def masked_bank_card(self, obj):
        return obj.masked_bank_card

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = normalize_id_number(search_term)
        if len(term) == 18:
            return queryset.with_id_number(term), False
        return super().get_search_results(
            request, queryset, search_term.lower() if search_term.isascii() else search_term
        )


@admin.register(Household)
class HouseholdAdmin(ScopedModelAdmin):
    write_roles = EDITORS
    list_display = ["number", "village", "head", "address", "phone"]
    list_filter = [("village", ScopedRelatedFilter)]
    search_fields = ["number", "address", "head__name"]
    list_select_related = ["village", "head"]
    raw_id_fields = ["head"]
