from rest_framework.routers import DefaultRouter

from beneficiaries.api.views import (
    AnomalyViewSet,
    BatchViewSet,
    CallbackViewSet,
    EnrolmentViewSet,
    PaymentViewSet,
    PersonViewSet,
    StandardViewSet,
)

router = DefaultRouter()
router.register("persons", PersonViewSet, basename="person")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("subsidy-standards", StandardViewSet, basename="subsidy-standard")
router.register("payment-batches", BatchViewSet, basename="payment-batch")
router.register("payments", PaymentViewSet, basename="payment")
router.register("callbacks", CallbackViewSet, basename="callback")
router.register("anomalies", AnomalyViewSet, basename="anomaly")
urlpatterns = router.urls
