"""Field work's pages. Mounted at /partycare/ (config/urls.py), where they were before the app
was split off: phones keep the visit form installed and cached at /partycare/visits/new/, and
the service worker they run is fetched again from /partycare/sw.js, which a redirect would break
(a browser does not follow one when it updates a service worker)."""

from django.urls import path

from fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("sw.js", views.service_worker, name="service-worker"),
    path("visits/manifest.webmanifest", views.visit_manifest, name="visit-manifest"),
    path("visits/new/", views.visit_form, name="visit-form"),
    path("visits/", views.my_visits, name="my-visits"),
    path("visits/leaders/", views.leader_field_days, name="leader-field-days"),
    path("visits/export/", views.visit_export, name="visit-export"),
    path("concerns/weekly/", views.concern_weekly, name="concern-weekly"),
    path("concerns/", views.concern_inbox, name="concern-inbox"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern-detail"),
]
