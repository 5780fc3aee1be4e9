from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def lagging_panel_context(user):
    from django.utils import timezone

    from projects.selectors import lagging_projects

    return lagging_projects(user=user, today=timezone.localdate())


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Livelihood projects")

    def ready(self):
        from org.navigation import NavItem, register_nav
        from org.panels import HomePanel, register_home_panel

        register_nav(NavItem(_("Projects"), "projects:project-list", "clipboard-data"), before="api-docs")
        register_home_panel(
            HomePanel(
                key="lagging-projects",
                template="projects/_home_panel.html",
                context=lagging_panel_context,
                order=10,
            )
        )
