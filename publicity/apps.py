from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("Publicity")

    def ready(self):
        from org.models import Role
        from org.navigation import NavItem, register_nav
        from org.panels import HomePanel, register_home_panel
        from publicity.panels import quota_panel
        from publicity.tasks import ensure_periodic_task

        everyone_but_cadres = (
            Role.TOWNSHIP_STAFF,
            Role.TOWNSHIP_LEADER,
            Role.COUNTY_REVIEWER,
            Role.COUNTY_AUDITOR,
        )
        register_nav(
            NavItem(
                _("Submissions"),
                "publicity:submission-list",
                "newspaper",
                roles=everyone_but_cadres,
                group="publicity",
            ),
            before="api-docs",
        )
        register_nav(
            NavItem(_("Publicity"), "publicity:activity-list", "megaphone", group="publicity"),
            before="api-docs",
        )
        register_nav(
            NavItem(_("Notices"), "publicity:notice-list", "clipboard-check", group="publicity"),
            before="api-docs",
        )
        register_home_panel(
            HomePanel(
                key="publicity-quota",
                template="publicity/_home_quota_panel.html",
                context=quota_panel,
                roles=(Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER),
                order=40,
            )
        )
        post_migrate.connect(ensure_periodic_task, sender=self, dispatch_uid="publicity-periodic-task")
