from django.contrib import admin

from common.masking import ResidentPhoneAdminMixin
from org.admin_base import ScopedModelAdmin, ScopedRelatedFilter
from org.roles import OFFICE
from publicity.models import (
    Activity,
    ActivityPhoto,
    InfoSubmission,
    Objection,
    PublicNotice,
    QuotaReminder,
    Supervisor,
    SupervisorVisit,
    Survey,
    SurveyResponse,
)


@admin.register(InfoSubmission)
class InfoSubmissionAdmin(ScopedModelAdmin):
    # Status changes go through the pages (the state machine); the admin shows and searches.
    read_only = True
    list_display = ["title", "department", "kind", "status", "submitted_at", "decided_at"]
    list_filter = ["kind", "status", ("department", ScopedRelatedFilter), ("division", ScopedRelatedFilter)]
    search_fields = ["title", "department__name"]
    list_select_related = ["department"]
    date_hierarchy = "submitted_at"


@admin.register(QuotaReminder)
class QuotaReminderAdmin(ScopedModelAdmin):
    read_only = True
    list_display = ["department", "division", "year", "month", "created_at"]
    list_filter = ["year", "month", ("division", ScopedRelatedFilter)]
    search_fields = ["department__name"]
    list_select_related = ["department", "division"]


class ActivityPhotoInline(admin.TabularInline):
    model = ActivityPhoto
    extra = 0
    fields = ["image", "caption", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["title", "kind", "held_on", "division", "place", "audience_estimate", "materials_count"]
    list_filter = ["kind", ("division", ScopedRelatedFilter)]
    search_fields = ["title", "place", "organisers"]
    list_select_related = ["division"]
    date_hierarchy = "held_on"
    readonly_fields = ["created_by", "created_at"]
    inlines = [ActivityPhotoInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ActivityPhoto)
class ActivityPhotoAdmin(ScopedModelAdmin):
    read_only = True
    list_display = ["activity", "caption", "uploaded_by", "uploaded_at"]
    search_fields = ["caption", "activity__title"]
    list_select_related = ["activity", "uploaded_by"]


class ObjectionInline(ResidentPhoneAdminMixin, admin.TabularInline):
    resident_phone_fields = ("contact",)
    model = Objection
    extra = 0
    fields = ["channel", "name", "contact", "text", "status", "outcome", "answer"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PublicNotice)
class PublicNoticeAdmin(ScopedModelAdmin):
    # Immutable once posted: nobody edits a notice here (withdraw it on its page instead).
    read_only = True
    # starts_on and posted_at are set by the service from the server's clock (never typed);
    # shown here, never editable, whatever the role (the freeze trigger refuses a change too).
    readonly_fields = ["starts_on", "ends_on", "posted_at", "posted_by", "closed_at", "closed_by"]
    list_display = ["title", "kind", "stage", "division", "starts_on", "ends_on", "status"]
    list_filter = ["kind", "status", ("division", ScopedRelatedFilter)]
    search_fields = ["title", "stage"]
    list_select_related = ["division"]
    date_hierarchy = "starts_on"
    inlines = [ObjectionInline]


@admin.register(Objection)
class ObjectionAdmin(ResidentPhoneAdminMixin, ScopedModelAdmin):
    resident_phone_fields = ("contact",)
    read_only = True
    list_display = ["notice", "channel", "received_at", "status", "outcome", "answered_at"]
    list_filter = ["channel", "status", "outcome"]
    search_fields = ["text", "notice__title"]
    list_select_related = ["notice"]


class SupervisorVisitInline(admin.TabularInline):
    model = SupervisorVisit
    extra = 0
    fields = ["visited_on", "place", "opinion", "follow_up", "recorded_by"]
    readonly_fields = ["recorded_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Supervisor)
class SupervisorAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["name", "phone", "work_unit", "division", "appointed_on", "is_active"]
    list_filter = ["is_active", ("division", ScopedRelatedFilter)]
    search_fields = ["name", "phone", "work_unit"]
    list_select_related = ["division"]
    inlines = [SupervisorVisitInline]


@admin.register(SupervisorVisit)
class SupervisorVisitAdmin(ScopedModelAdmin):
    read_only = True
    list_display = ["supervisor", "visited_on", "place", "recorded_by"]
    search_fields = ["place", "opinion", "supervisor__name"]
    list_select_related = ["supervisor", "recorded_by"]
    date_hierarchy = "visited_on"


@admin.register(Survey)
class SurveyAdmin(ScopedModelAdmin):
    write_roles = OFFICE
    list_display = ["title", "project", "division", "created_at"]
    list_filter = [("division", ScopedRelatedFilter)]
    search_fields = ["title", "project__name"]
    list_select_related = ["project", "division"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ResidentPhoneAdminMixin, ScopedModelAdmin):
    # Answers are entered on the survey page (scope and village checks live in the service).
    read_only = True
    resident_phone_fields = ("respondent_phone",)

    def phone_whole(self, request) -> bool:
        return False  # masked for everyone, as in the API: answers are read, not followed up

    list_display = ["survey", "division", "responded_on", "method", "is_aware", "satisfaction"]
    list_filter = ["method", "is_aware", "satisfaction", ("division", ScopedRelatedFilter)]
    search_fields = ["survey__title", "comment"]
    list_select_related = ["survey", "division"]
    date_hierarchy = "responded_on"
