from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartycareConfig(AppConfig):
    name = "partycare"
    verbose_name = _("Party-member care")

    def ready(self):
        import partycare.visit_exports  # noqa: F401  registers the visit export job
        from org.models import Role
        from org.navigation import NavItem, register_nav
        from org.panels import HomePanel, register_home_panel
        from partycare.panels import due_panel, overdue_concerns_panel

        register_nav(
            NavItem(_("Party members"), "partycare:member-list", "flag", group="partycare"), before="api-docs"
        )
        register_nav(
            NavItem(_("Hardship aid"), "partycare:aid-list", "heart", group="partycare"), before="api-docs"
        )
        register_nav(
            NavItem(
                _("Home visits"),
                "partycare:my-visits",
                "house-door",
                roles=(Role.VILLAGE_CADRE, Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER),
                group="partycare",
            ),
            before="api-docs",
        )
        register_nav(
            NavItem(_("Concerns"), "partycare:concern-inbox", "megaphone", group="partycare"),
            before="api-docs",
        )
        register_home_panel(
            HomePanel(
                key="partycare-overdue-concerns",
                template="partycare/_panel_overdue.html",
                context=overdue_concerns_panel,
                roles=(Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE),
                order=35,
            )
        )
        register_home_panel(
            HomePanel(key="partycare-due", template="partycare/_panel_due.html", context=due_panel, order=40)
        )
