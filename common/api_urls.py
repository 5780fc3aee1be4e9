from rest_framework.routers import SimpleRouter

from common.api_views import JobViewSet

router = SimpleRouter()
router.register("jobs", JobViewSet, basename="job")
urlpatterns = router.urls
