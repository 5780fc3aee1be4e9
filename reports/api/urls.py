from rest_framework.routers import SimpleRouter

from reports.api import views

router = SimpleRouter()  # the API root is org's DefaultRouter
router.register("reports/monthly", views.MonthlyReportViewSet, basename="monthly-report")
router.register("reports/scorecards", views.ScorecardViewSet, basename="scorecard")
urlpatterns = router.urls
