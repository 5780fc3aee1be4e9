from rest_framework.routers import DefaultRouter

from publicity.api import views

router = DefaultRouter()
router.register("publicity/submissions", views.SubmissionViewSet, basename="publicity-submission")
router.register("publicity/activities", views.ActivityViewSet, basename="publicity-activity")
router.register("publicity/notices", views.NoticeViewSet, basename="publicity-notice")
router.register("publicity/objections", views.ObjectionViewSet, basename="publicity-objection")
router.register("publicity/supervisors", views.SupervisorViewSet, basename="publicity-supervisor")
router.register(
    "publicity/supervisor-visits", views.SupervisorVisitViewSet, basename="publicity-supervisor-visit"
)
router.register("publicity/quota", views.QuotaViewSet, basename="publicity-quota")
router.register("publicity/surveys", views.SurveyViewSet, basename="publicity-survey")
router.register(
    "publicity/survey-responses", views.SurveyResponseViewSet, basename="publicity-survey-response"
)
router.register("publicity/survey-rates", views.SurveyRateViewSet, basename="publicity-survey-rate")
router.register("public/notices", views.PublicNoticeViewSet, basename="public-notice")
urlpatterns = router.urls
