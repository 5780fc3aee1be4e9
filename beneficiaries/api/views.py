from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from beneficiaries import selectors, services
from beneficiaries.api.serializers import PersonCreateSerializer, PersonSerializer
from beneficiaries.models import Person
from org.models import AccessLog, Role
from org.services import access_log_record


class PersonFilter(filters.FilterSet):
    class Meta:
        model = Person
        fields = ["village", "status", "sex", "household"]


@extend_schema(tags=["beneficiaries"])
class PersonViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Persons in scope. ``?q=`` searches name, pinyin, initials or a whole ID number."""

    queryset = Person.objects.none()
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    write_roles = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE)

    def get_queryset(self):
        return selectors.person_list(user=self.request.user, search=self.request.query_params.get("q"))

    def get_serializer_class(self):
        return PersonCreateSerializer if self.action == "create" else PersonSerializer

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if selectors.sees_whole_numbers(request.user):
            access_log_record(
                user=request.user,
                action=AccessLog.Action.VIEW_UNMASKED,
                what="persons API list",
                rows=len(response.data.get("results", [])),
                request=request,
            )
        return response

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        if selectors.sees_whole_numbers(request.user):
            access_log_record(
                user=request.user,
                action=AccessLog.Action.VIEW_UNMASKED,
                what=f"{person.name} (API)",
                obj=person,
                rows=1,
                request=request,
            )
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request, *args, **kwargs):
        serializer = PersonCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        person = services.person_register(user=request.user, **serializer.validated_data)
        return Response(
            PersonSerializer(person, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
