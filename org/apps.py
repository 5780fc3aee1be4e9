from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from org.middleware import mark_session_renewed

        user_logged_in.connect(mark_session_renewed, dispatch_uid="org.mark_session_renewed")
