"""Login security around Django's auth: the client's address, the lockout page, the
timestamps the session rules read, and the password change page."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.contrib.messages.views import SuccessMessageMixin
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Session keys: when the user logged in and when the session was last seen (epoch seconds).
LOGIN_AT = "rectify_login_at"
SEEN_AT = "rectify_seen_at"


def client_ip(request: HttpRequest) -> str:
    """The address a request came from. Behind nginx (BEHIND_HTTPS_PROXY=1, docs/deploy.md)
    it is the last X-Forwarded-For entry, the one nginx itself appended
    ($proxy_add_x_forwarded_for); the entries before it come from the client and can be
    forged. Otherwise REMOTE_ADDR."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the message in Chinese: its zh_Hans catalogue lacks this one (5.2)."""

    def get_error_message(self):
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self):
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}


def lockout_response(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """The login page with the reason, for axes (AXES_LOCKOUT_CALLABLE)."""
    message = _(
        "登录失败次数过多，该账户或本机地址已被锁定 %(minutes)s 分钟。"
        "请稍后再试，或联系管理员解锁。"
    ) % {"minutes": settings.RECTIFY_LOGIN_COOLOFF_MINUTES}
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "lockout_message": message, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


@receiver(user_logged_in)
def stamp_session(sender, request, user, **kwargs) -> None:
    """Start the clocks of the session timeouts (rectify.middleware.SessionTimeoutMiddleware)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Every user changes their own password from the user menu. Django keeps this session
    (update_session_auth_hash) and the user's other sessions end: their auth hash no longer
    matches."""

    success_url = reverse_lazy("home")
    success_message = gettext_lazy("密码已修改。其他设备上的登录已失效。")
