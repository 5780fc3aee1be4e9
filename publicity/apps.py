from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("Publicity")

    def ready(self):
        from org.navigation import NavItem, register_nav
        from org.panels import HomePanel, register_home_panel
        from org.roles import OFFICE, OFFICE_AND_COUNTY
        from publicity.panels import quota_panel
        from publicity.tasks import ensure_periodic_task

        register_nav(
            NavItem(
                _("Submissions"),
                "publicity:submission-list",
                "newspaper",
                roles=OFFICE_AND_COUNTY,
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
                roles=OFFICE,
                order=40,
            )
        )
        post_migrate.connect(ensure_periodic_task, sender=self, dispatch_uid="publicity-periodic-task")
