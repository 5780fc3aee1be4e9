from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartycareConfig(AppConfig):
    name = "partycare"
    verbose_name = _("Party-member care")
