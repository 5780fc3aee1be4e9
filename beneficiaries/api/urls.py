from rest_framework.routers import DefaultRouter

from beneficiaries.api.views import PersonViewSet

router = DefaultRouter()
router.register("persons", PersonViewSet, basename="person")
urlpatterns = router.urls
