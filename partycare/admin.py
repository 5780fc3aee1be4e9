"""Admin for the configuration a township or county keeps: branches, aid standards, pioneer index
items, yearly ratings and commitments. Members, care, aid and campaigns go through the pages
(services check dates, four-eyes and scope); here they are read-only with their history."""

from django.contrib import admin

from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter
from org.models import Role
from org.roles import OFFICE
from partycare.models import (
    AidApplication,
    AidStandard,
    Branch,
    BranchRating,
    Commitment,
    MemberRating,
    PartyMember,
    PioneerItem,
)


@admin.register(Branch)
class BranchAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["name", "kind", "division", "secretary", "is_active"]
    list_filter = ["kind", "is_active", ("division", ScopedRelatedFilter)]
    search_fields = ["name"]
    list_select_related = ["division"]


@admin.register(AidStandard)
class AidStandardAdmin(ScopedModelAdmin):
    write_roles = (Role.COUNTY_REVIEWER,)
    list_display = ["year", "kind", "minimum", "standard", "cap"]


@admin.register(PioneerItem)
class PioneerItemAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["name", "division", "year", "section", "source", "points_per_unit", "max_points"]
    list_filter = ["year", "section", "source"]
    list_select_related = ["division"]


@admin.register(BranchRating)
class BranchRatingAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["branch", "year", "rating"]
    list_filter = ["year", "rating"]
    list_select_related = ["branch"]
    raw_id_fields = ["branch"]


@admin.register(MemberRating)
class MemberRatingAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["member", "year", "rating"]
    list_filter = ["year", "rating"]
    list_select_related = ["member__person"]
    raw_id_fields = ["member"]


@admin.register(Commitment)
class CommitmentAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["text", "branch", "member", "year", "status", "checked_on"]
    list_filter = ["year", "status"]
    list_select_related = ["branch", "member__person"]
    raw_id_fields = ["branch", "member", "checked_by"]


@admin.register(PartyMember)
class PartyMemberAdmin(ScopedModelAdmin):
    read_only = True
    list_display = ["person", "branch", "joined_on", "status"]
    list_filter = ["status"]
    list_select_related = ["person", "branch"]
    search_fields = ["person__name", "person__name_search"]


@admin.register(AidApplication)
class AidApplicationAdmin(ScopedModelAdmin):
    read_only = True
    list_display = ["member", "kind", "year", "amount", "status"]
    list_filter = ["status", "kind", "year"]
    list_select_related = ["member__person"]
