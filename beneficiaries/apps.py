from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Beneficiaries")

    def ready(self):
        from org.navigation import NavItem, register_nav

        register_nav(NavItem(_("Persons"), "beneficiaries:person-list", "people"))
        register_nav(NavItem(_("Payment batches"), "beneficiaries:batch-list", "credit-card"))
        register_nav(NavItem(_("Anomalies"), "beneficiaries:anomaly-list", "exclamation-triangle"))
