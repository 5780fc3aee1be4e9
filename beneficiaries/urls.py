from django.urls import path

from beneficiaries import views

app_name = "beneficiaries"
urlpatterns = [
    path("persons/", views.person_list, name="person-list"),
    path("persons/new/", views.person_new, name="person-new"),
    path("persons/<int:pk>/", views.person_detail, name="person-detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("persons/<int:pk>/status/", views.person_status, name="person-status"),
    path("persons/<int:pk>/enrol/", views.person_enrol, name="person-enrol"),
    path("enrolments/", views.enrolment_list, name="enrolment-list"),
    path("enrolments/bulk/", views.enrolment_bulk, name="enrolment-bulk"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="enrolment-detail"),
    path("enrolments/<int:pk>/action/", views.enrolment_action, name="enrolment-action"),
    path("enrolments/<int:pk>/callback/", views.callback_add, name="callback-add"),
    path("standards/", views.standard_list, name="standard-list"),
    path("notices/", views.notice_list, name="notice-list"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/action/", views.batch_action, name="batch-action"),
    path("batches/<int:pk>/clear/", views.payment_clear, name="payment-clear"),
    path("batches/<int:pk>/bank-file/", views.batch_bank_file, name="batch-bank-file"),
    path("batches/<int:pk>/reconcile/", views.batch_reconcile, name="batch-reconcile"),
    path("anomalies/", views.anomaly_list, name="anomaly-list"),
    path("anomalies/<int:pk>/", views.anomaly_detail, name="anomaly-detail"),
    path("recoveries/", views.recovery_list, name="recovery-list"),
    path("recoveries/<int:pk>/", views.recovery_detail, name="recovery-detail"),
    path("callbacks/", views.callback_coverage, name="callback-coverage"),
    path("excel/", views.excel_page, name="excel"),
    path("excel/template/", views.roster_template, name="roster-template"),
    path("excel/export/", views.export, name="export"),
]
