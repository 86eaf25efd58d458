from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = _("通知")

    def ready(self):
        from . import receivers  # noqa: F401 - connects to issues.events
