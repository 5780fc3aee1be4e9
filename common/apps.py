from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Common")

    def ready(self):
        # Every app's jobs.py registers its job handlers, in the web and in the worker alike
        # (this also imports common.jobs, which defines the Celery task that runs them).
        from django.utils.module_loading import autodiscover_modules

        from core import lookups  # noqa: F401  (registers field__any)

        autodiscover_modules("jobs")
