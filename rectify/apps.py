from django.apps import AppConfig


class RectifyConfig(AppConfig):
    name = "rectify"
    verbose_name = "Rectify"

    def ready(self):
        from . import accounts  # noqa: F401 - connects the login receiver
