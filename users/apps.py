from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = _("账户管理")
    default_auto_field = "django.db.models.BigAutoField"
