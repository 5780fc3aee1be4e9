from django.middleware.locale import LocaleMiddleware


class PortalLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user picked another language with the switch (the language
    cookie). The browser's Accept-Language is ignored: a township PC set up in English still
    shows the portal in Chinese, and English is a choice, not an accident."""

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
