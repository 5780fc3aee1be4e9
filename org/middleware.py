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


READ_PRIMARY_COOKIE = "read_primary"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class ReplicaReadMiddleware:
    """Dashboards, lists and pages read the read replica (DATABASE_REPLICA_URL); what a user
    just wrote is read on the primary (org.db_router).

    A GET/HEAD/OPTIONS request reads the replica unless its user wrote in the last
    DATABASE_REPLICA_PIN_SECONDS (the ``read_primary`` cookie, holding when the pin ends). A
    request that writes — any other method, or a write through the router during a GET — sets
    that cookie, so the page an officer is sent to after saving, and the next few, show what
    was saved even while the replica lags. Its first write also moves the rest of the request
    to the primary. The cookie carries nothing secret: forging it only reads the primary.

    Without a replica it does nothing. Inside AuthenticationMiddleware: the user and the
    session are loaded lazily in the view, so their reads follow the same rule; the session's
    own save (SessionMiddleware, outside) neither pins nor reads the replica.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        from org.db_router import replica_configured, replica_reads

        if not replica_configured():
            return self.get_response(request)
        now = int(time.time())
        safe = request.method in SAFE_METHODS
        with replica_reads(enabled=safe and not self._pinned(request, now)) as reads:
            response = self.get_response(request)
        if not safe or reads.wrote:
            seconds = settings.DATABASE_REPLICA_PIN_SECONDS
            response.set_cookie(
                READ_PRIMARY_COOKIE,
                str(now + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    @staticmethod
    def _pinned(request, now: int) -> bool:
        value = request.COOKIES.get(READ_PRIMARY_COOKIE, "")
        return value.isdigit() and int(value) > now
