from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("new/", views.project_create, name="project-create"),
    path("excel/", views.excel_page, name="excel"),
    path("excel/template/<str:kind>.xlsx", views.excel_template, name="excel-template"),
    path("excel/export/", views.excel_export, name="excel-export"),
    path("carry-forward/", views.project_carry_forward, name="project-carry-forward"),
    path("<int:pk>/", views.project_detail, name="project-detail"),
    path("<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("<int:pk>/targets/", views.target_add, name="target-add"),
    path("<int:pk>/funds/planned/", views.fund_line_set, name="fund-line-set"),
    path("<int:pk>/funds/movements/", views.fund_movement_add, name="fund-movement-add"),
    path("<int:pk>/sites/new/", views.site_create, name="site-create"),
    path("targets/<int:pk>/", views.target_detail, name="target-detail"),
    path("targets/<int:pk>/progress/", views.progress_add, name="progress-add"),
    path("targets/<int:pk>/split/", views.target_split, name="target-split"),
    path("sites/<int:pk>/", views.site_detail, name="site-detail"),
    path("sites/<int:pk>/controls/", views.site_control_add, name="site-control-add"),
    path("sites/<int:pk>/accept/", views.site_accept, name="site-accept"),
    path("sites/<int:pk>/sign.pdf", views.site_sign_pdf, name="site-sign"),
]
