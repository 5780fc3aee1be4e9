from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import (
    AnomalyFinding,
    Callback,
    Enrolment,
    ExclusivePair,
    Household,
    Payment,
    PaymentBatch,
    PaymentClearance,
    Person,
    Recovery,
    SubsidyStandard,
    UserPerson,
)
from common.masking import ResidentPhoneAdminMixin
from common.masking import birth_year as year_of_birth
from core.idcard import normalize_id_number
from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter
from org.roles import OFFICE


@admin.register(Person)
class PersonAdmin(ResidentPhoneAdminMixin, ScopedModelAdmin):
    # Registration goes through the registry service (pages, API, roster import), which checks
    # the ID number; here officers correct contact details and see the audit history.
    write_roles = OFFICE
    # The birth year, not the date: beside the masked ID number the date would rebuild it.
    list_display = ["name", "masked_id_number", "sex", "birth_year", "village", "status", "status_on"]
    list_filter = ["status", "sex", ("village", ScopedRelatedFilter)]
    search_fields = ["name", "name_search"]
    list_select_related = ["village"]
    fields = [
        "name",
        "masked_id_number",
        "sex",
        "birth_year",
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
        "birth_year",
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

    @admin.display(description=_("Birth year"))
    def birth_year(self, obj):
        return year_of_birth(obj.birth_date)

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
class HouseholdAdmin(ResidentPhoneAdminMixin, ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["number", "village", "head", "address", "phone"]
    list_filter = [("village", ScopedRelatedFilter)]
    search_fields = ["number", "address", "head__name"]
    list_select_related = ["village", "head"]
    raw_id_fields = ["head"]


# Enrolments, batches and payments change only through their services (state machines,
# four-eyes, the bank's result): the admin shows them and their audit history, read-only.
class ReadOnlyScopedAdmin(ScopedModelAdmin):
    read_only = True


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyScopedAdmin):
    list_display = ["person", "project", "village", "tier", "status", "active_from", "exit_on"]
    list_filter = ["status", ("village", ScopedRelatedFilter)]
    search_fields = ["person__name", "person__name_search"]
    list_select_related = ["person", "project", "village"]


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "project",
        "division",
        "period_start",
        "period_end",
        "number",
        "status",
        "payment_count",
        "total_amount",
    ]
    list_filter = ["status"]
    list_select_related = ["project", "division"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyScopedAdmin):
    list_display = ["enrolment", "covers_from", "covers_to", "kind", "amount", "status", "failure_reason"]
    list_filter = ["status", "kind"]
    list_select_related = ["enrolment__person", "enrolment__project"]
    exclude = ["bank_card_cipher", "bank_card_index"]


@admin.register(SubsidyStandard)
class SubsidyStandardAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "project",
        "tier",
        "amount",
        "unit",
        "period",
        "proration",
        "effective_from",
        "effective_to",
    ]
    list_select_related = ["project"]


@admin.register(Callback)
class CallbackAdmin(ReadOnlyScopedAdmin):
    list_display = ["enrolment", "method", "called_on", "reached", "satisfied"]
    list_select_related = ["enrolment__person", "enrolment__project"]


@admin.register(AnomalyFinding)
class AnomalyFindingAdmin(ReadOnlyScopedAdmin):
    list_display = ["rule", "village", "person", "status", "last_seen"]
    list_filter = ["status", "rule"]
    list_select_related = ["village", "person"]


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyScopedAdmin):
    # recorded by the services when a death, move or exit is recorded late; recovered or waived
    # on the recovery page (a waiver needs a leader): read-only here, with its audit history
    list_display = [
        "person",
        "enrolment",
        "covers_from",
        "covers_to",
        "amount",
        "reason",
        "status",
        "recorded_at",
    ]
    list_filter = ["status", "reason", ("enrolment__village", ScopedRelatedFilter)]
    search_fields = ["person__name", "person__name_search"]
    list_select_related = ["person", "enrolment__person", "enrolment__project"]


@admin.register(PaymentClearance)
class PaymentClearanceAdmin(ReadOnlyScopedAdmin):
    """A held line let through despite a finding: a record, written by services.payment_clear only."""

    list_display = ["payment", "finding", "reason", "cleared_by", "cleared_at"]
    list_select_related = ["payment", "finding", "cleared_by"]
    raw_id_fields = ["payment", "finding"]


# Configuration data the office keeps here: exclusive project pairs and users' own entries.
@admin.register(ExclusivePair)
class ExclusivePairAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["first", "second", "note"]
    list_select_related = ["first", "second"]


@admin.register(UserPerson)
class UserPersonAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["user", "person"]
    list_select_related = ["user", "person"]
    raw_id_fields = ["person"]
