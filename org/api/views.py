from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle

from org import selectors
from org.api.serializers import DivisionSerializer
from org.models import Division


class LoginRateThrottle(AnonRateThrottle):
    scope = "login"


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get a token for the ``Authorization: Token …`` header.
    Failed attempts count toward the login lockout like the login page."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginRateThrottle]


class DivisionFilter(filters.FilterSet):
    code = filters.CharFilter(field_name="code", lookup_expr="startswith")

    class Meta:
        model = Division
        fields = ["level", "parent", "code", "is_active"]


@extend_schema(tags=["org"])
class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    """The divisions the user may see: their own and everything below it."""

    queryset = Division.objects.none()
    serializer_class = DivisionSerializer
    filterset_class = DivisionFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def get_queryset(self):
        return selectors.division_list(user=self.request.user)
