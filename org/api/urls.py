from rest_framework.routers import DefaultRouter

from org.api.views import DivisionViewSet

router = DefaultRouter()
router.register("divisions", DivisionViewSet, basename="division")
urlpatterns = router.urls
