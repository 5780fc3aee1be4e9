"""Shared API machinery: pagination, Django ValidationErrors turned into 400 answers, and the
schema documenting ``?search=`` only where a view searches."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiFilterExtension
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Services raise Django's ValidationError; answer it as a 400 with the field messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    return drf_exception_handler(exc, context)


class SearchFilterSchema(OpenApiFilterExtension):
    """DRF's SearchFilter documents ``?search=`` on every list, also where the view has no
    ``search_fields`` and the parameter is silently ignored: document it only where it works."""

    target_class = "rest_framework.filters.SearchFilter"
    match_subclasses = True

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        if not getattr(auto_schema.view, "search_fields", None):
            return []
        return self.target.get_schema_operation_parameters(auto_schema.view)
