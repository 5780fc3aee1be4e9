from rest_framework.routers import DefaultRouter

from publicity.api import views

router = DefaultRouter()
router.register("publicity/submissions", views.SubmissionViewSet, basename="submission")
router.register("publicity/activities", views.ActivityViewSet, basename="activity")
router.register("publicity/notices", views.NoticeViewSet, basename="notice")
router.register("publicity/objections", views.ObjectionViewSet, basename="objection")
router.register("publicity/supervisors", views.SupervisorViewSet, basename="supervisor")
router.register("publicity/supervisor-visits", views.SupervisorVisitViewSet, basename="supervisor-visit")
router.register("publicity/quota", views.QuotaViewSet, basename="quota")
router.register("public/notices", views.PublicNoticeViewSet, basename="public-notice")
urlpatterns = router.urls
