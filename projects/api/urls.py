from rest_framework.routers import SimpleRouter

from projects.api import views

router = SimpleRouter()  # the API root is org's DefaultRouter
router.register("projects", views.ProjectViewSet, basename="project")
router.register("targets", views.TargetViewSet, basename="target")
router.register("progress", views.ProgressViewSet, basename="progress")
router.register("fund-lines", views.FundLineViewSet, basename="fund-line")
router.register("fund-movements", views.FundMovementViewSet, basename="fund-movement")
router.register("sites", views.SiteViewSet, basename="site")
urlpatterns = router.urls
