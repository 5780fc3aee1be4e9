from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.media import media_file
from org import views as org_views

admin.site.site_header = admin.site.site_title = "乡镇民生工程管理平台"

urlpatterns = [
    # The site root is the public livelihood column (民生工程专栏): no login.
    path("", include("publicity.urls_public")),
    path("home/", org_views.home, name="home"),
    path("healthz", org_views.healthz, name="healthz"),
    path("robots.txt", org_views.robots_txt, name="robots-txt"),
    path("accounts/", include("org.urls_auth")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("org/", include("org.urls")),
    path("beneficiaries/", include("beneficiaries.urls")),
    path("partycare/", include("partycare.urls")),
    # Field work keeps the paths it had inside partycare (see fieldwork/urls.py: installed phones).
    path("partycare/", include("fieldwork.urls")),
    path("publicity/", include("publicity.urls")),
    path("jobs/", include("common.urls")),
    path("projects/", include("projects.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Stored files, in every mode (no static serving of media, not even under DEBUG): each one
    # only after asking who may see the record holding it (config/media.py). Job results and
    # monthly reports are never served here, only through their own logged downloads.
    re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", media_file, name="media-file"),
]
