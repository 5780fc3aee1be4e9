import time

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


RENEWED_AT = "_idle_renewed_at"


class SessionRenewalMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE after the last renewal) without a write per request.

    A signed-in user's session is marked for saving — which moves its expiry forward — only when
    the last renewal is at least SESSION_RENEW_SECONDS old. Reads inside that minute write
    nothing: no UPDATE and COMMIT per page view, no WAL flush, no write against a read replica,
    no "database is locked" while a job's page polls under the embedded SQLite. The idle limit is
    kept to within a minute. Sessions without a key (anonymous visitors) are never touched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.modified:
            return response
        from django.conf import settings
        from django.contrib.auth import SESSION_KEY

        if SESSION_KEY not in session:
            return response
        now = int(time.time())
        renewed = session.get(RENEWED_AT)
        if not isinstance(renewed, int) or now - renewed >= settings.SESSION_RENEW_SECONDS:
            session[RENEWED_AT] = now
        return response


def mark_session_renewed(sender, request, user, **kwargs):
    """At sign-in the session was just written: the next renewal is due a minute later."""
    if getattr(request, "session", None) is not None:
        request.session[RENEWED_AT] = int(time.time())
