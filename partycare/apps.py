from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartycareConfig(AppConfig):
    name = "partycare"
    verbose_name = _("Party-member care")

    def ready(self):
        from org.navigation import NavItem, register_nav
        from org.panels import HomePanel, register_home_panel
        from partycare.panels import due_panel

        register_nav(
            NavItem(_("Party members"), "partycare:member-list", "flag", group="partycare"), before="api-docs"
        )
        register_nav(
            NavItem(_("Hardship aid"), "partycare:aid-list", "heart", group="partycare"), before="api-docs"
        )
        register_home_panel(
            HomePanel(key="partycare-due", template="partycare/_panel_due.html", context=due_panel, order=40)
        )
