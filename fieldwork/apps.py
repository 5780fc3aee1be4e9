from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "fieldwork"
    label = "fieldwork"
    verbose_name = _("Home visits and residents' concerns")

    def ready(self):
        import fieldwork.exports  # noqa: F401  registers the visit export job
        from fieldwork.panels import overdue_concerns_panel
        from org.navigation import NavItem, register_nav
        from org.panels import HomePanel, register_home_panel
        from org.roles import FIELD

        # In the Party care menu, where village cadres and the township have found them so far.
        register_nav(
            NavItem(
                _("Home visits"),
                "fieldwork:my-visits",
                "house-door",
                roles=FIELD,
                group="partycare",
            ),
            before="api-docs",
        )
        register_nav(
            NavItem(_("Concerns"), "fieldwork:concern-inbox", "megaphone", group="partycare"),
            before="api-docs",
        )
        register_home_panel(
            HomePanel(
                key="fieldwork-overdue-concerns",
                template="fieldwork/_panel_overdue.html",
                context=overdue_concerns_panel,
                roles=FIELD,
                order=35,
            )
        )
