from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from rectify import second_factor
from users.views import PasswordChangeView

admin.site.site_header = _("整改台账 管理后台")
admin.site.site_title = _("整改台账")

# Each app keeps its own URL patterns; the names stay global (`reverse("finding_detail")`).
urlpatterns = [
    path("", include("reports.urls")),
    path("", include("issues.urls")),
    path("", include("audit.urls")),
    path("", include("notify.urls")),
    path("", include("outbox.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/manage/", include("users.urls")),
    path("accounts/second-factor/", second_factor.otp_verify, name="otp_verify"),
    path("accounts/second-factor/setup/", second_factor.otp_setup, name="otp_setup"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
