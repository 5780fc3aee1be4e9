from django.middleware.locale import LocaleMiddleware


class PortalLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user picked another language with the switch (the language
    cookie). The browser's Accept-Language is ignored: a township PC set up in English still
    shows the portal in Chinese, and English is a choice, not an accident."""

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (a restart, a fail-over), answer 503 with a clear
    message and a Retry-After instead of a bare 500; the connection is re-made on the next
    request (CONN_HEALTH_CHECKS), so the web recovers without a restart of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError
        from django.http import HttpResponse, JsonResponse
        from django.utils.translation import gettext

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        message = gettext("The database is briefly unavailable. Please try again in a minute.")
        wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get(
            "Accept", ""
        )
        if wants_json:
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(
                f'<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>503</title>'
                f"<p>{message}</p></html>",
                status=503,
            )
        response["Retry-After"] = "30"
        return response
