from rest_framework.routers import DefaultRouter

from fieldwork.api import views

router = DefaultRouter()
router.register("home-visits", views.HomeVisitViewSet, basename="home-visit")
router.register("concerns", views.ConcernViewSet, basename="concern")
urlpatterns = router.urls
