from django.urls import path

from partycare import views, views_setup

app_name = "partycare"
urlpatterns = [
    path("members/", views.member_list, name="member-list"),
    path("members/<int:pk>/", views.member_detail, name="member-detail"),
    path("members/<int:pk>/record/<str:what>/", views.member_record, name="member-record"),
    path("old-members/", views.old_member_roster, name="old-member-roster"),
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("aid/", views.aid_list, name="aid-list"),
    path("aid/payments/", views.aid_payments_export, name="aid-payments"),
    path("aid/<int:pk>/", views.aid_detail, name="aid-detail"),
    path("aid/<int:pk>/pdf/", views.aid_pdf, name="aid-pdf"),
    path("aid/<int:pk>/<str:action>/", views.aid_action, name="aid-action"),
    path("pairings/", views.pairing_list, name="pairing-list"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing-detail"),
    path("pioneer/", views.pioneer, name="pioneer"),
    path("branches/", views_setup.branch_list, name="branch-list"),
    path("branches/<int:pk>/edit/", views_setup.branch_edit, name="branch-edit"),
    path("members/new/", views_setup.member_enrol, name="member-enrol"),
    path("members/<int:pk>/edit/", views_setup.member_edit, name="member-edit"),
    path("trainings/", views_setup.training_list, name="training-list"),
    path("trainings/new/", views_setup.training_new, name="training-new"),
    path("pairings/new/", views_setup.pairing_new, name="pairing-new"),
    path("pairings/<int:pk>/end/", views_setup.pairing_end, name="pairing-end"),
]
