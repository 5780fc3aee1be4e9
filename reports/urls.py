from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("monthly/", views.report_list, name="report-list"),
    path("monthly/generate/", views.report_generate, name="report-generate"),
    path("monthly/<int:pk>/", views.report_detail, name="report-detail"),
    path("monthly/<int:pk>/summary/", views.report_summary, name="report-summary"),
    path("monthly/<int:pk>/action/", views.report_action, name="report-action"),
    path("monthly/<int:pk>/file.<str:kind>", views.report_file, name="report-file"),
    path("scorecards/", views.scheme_list, name="scheme-list"),
    path("scorecards/<int:pk>/", views.scheme_detail, name="scheme-detail"),
    path("scorecards/<int:pk>/compute/", views.scheme_compute, name="scheme-compute"),
    path("downloads/", views.downloads, name="downloads"),
    path("downloads/log/", views.access_log, name="access-log"),
    path("year-end/", views.year_end, name="year-end"),
    path("year-end/summary.<str:kind>", views.year_end_file, name="year-end-file"),
]
