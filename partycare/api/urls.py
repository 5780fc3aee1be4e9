from rest_framework.routers import DefaultRouter

from partycare.api import views

router = DefaultRouter()
router.register("party-branches", views.BranchViewSet, basename="party-branch")
router.register("party-members", views.PartyMemberViewSet, basename="party-member")
router.register("care-cases", views.CareCaseViewSet, basename="care-case")
router.register("care-campaigns", views.CampaignViewSet, basename="care-campaign")
router.register("aid-applications", views.AidApplicationViewSet, basename="aid-application")
router.register("pairings", views.PairingViewSet, basename="pairing")
urlpatterns = router.urls
