"""/api/v1/: one router; each app registers its viewsets in its api/urls.py."""

from django.urls import include, path

from org.api.views import ObtainTokenView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("org.api.urls")),
    path("", include("beneficiaries.api.urls")),
    path("", include("partycare.api.urls")),
    path("", include("fieldwork.api.urls")),
    path("", include("publicity.api.urls")),
    path("", include("common.api_urls")),
    path("", include("projects.api.urls")),
    path("", include("reports.api.urls")),
]
