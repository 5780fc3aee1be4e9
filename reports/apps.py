from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from org.navigation import NavItem, register_nav

        register_nav(NavItem(_("Reports"), "reports:dashboard", "bar-chart-line"), before="api-docs")
