from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("整改台账")

    def ready(self):
        from . import changesets  # noqa: F401 - connects the history signal
