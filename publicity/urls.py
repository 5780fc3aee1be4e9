from django.urls import path

from publicity import views

app_name = "publicity"
urlpatterns = [
    path("submissions/", views.submission_list, name="submission-list"),
    path("submissions/export.xlsx", views.submission_export, name="submission-export"),
    path("submissions/new/", views.submission_create, name="submission-create"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/edit/", views.submission_edit, name="submission-edit"),
    path("submissions/<int:pk>/<slug:action>/", views.submission_action, name="submission-action"),
    path("quota/", views.quota, name="quota"),
    path("quota/export.xlsx", views.quota_export, name="quota-export"),
    path("activities/", views.activity_list, name="activity-list"),
    path("activities/export.xlsx", views.activity_export, name="activity-export"),
    path("activities/new/", views.activity_create, name="activity-create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("notices/", views.notice_list, name="notice-list"),
    path("notices/new/", views.notice_create, name="notice-create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/print.pdf", views.notice_pdf, name="notice-pdf"),
    path("notices/<int:pk>/<slug:action>/", views.notice_action, name="notice-action"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection-answer"),
    path("surveys/", views.survey_list, name="survey-list"),
    path("surveys/new/", views.survey_create, name="survey-create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey-detail"),
    path("supervisors/", views.supervisor_list, name="supervisor-list"),
    path("supervisors/new/", views.supervisor_create, name="supervisor-create"),
    path("supervisors/<int:pk>/", views.supervisor_detail, name="supervisor-detail"),
]
