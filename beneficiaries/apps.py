from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Beneficiaries")

    def ready(self):
        from org.navigation import NavItem, register_nav

        register_nav(
            NavItem(_("Persons"), "beneficiaries:person-list", "people", group="beneficiaries"),
            before="api-docs",
        )
        register_nav(
            NavItem(_("Payment batches"), "beneficiaries:batch-list", "credit-card", group="beneficiaries"),
            before="api-docs",
        )
        register_nav(
            NavItem(
                _("Anomalies"), "beneficiaries:anomaly-list", "exclamation-triangle", group="beneficiaries"
            ),
            before="api-docs",
        )

        from beneficiaries.selectors import home_panel_context
        from org.panels import HomePanel, register_home_panel
        from org.roles import OFFICE_AND_COUNTY

        register_home_panel(
            HomePanel(
                key="beneficiaries",
                template="beneficiaries/_home_panel.html",
                context=home_panel_context,
                roles=OFFICE_AND_COUNTY,
                order=20,
            )
        )
