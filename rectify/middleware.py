import datetime as dt
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from rectify.accounts import LOGIN_AT, SEEN_AT


class LanguageMiddleware:
    """Chinese unless the user picked another language with the switch (a cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: a county
    office's PCs often run English-language browsers, and the ledger is kept in Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        # override() puts the thread's previous language back afterwards.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Cookie",))
        return response


class SessionTimeoutMiddleware:
    """Logs a user out after RECTIFY_SESSION_IDLE_MINUTES without a request, and
    RECTIFY_SESSION_MAX_HOURS after login whatever they do (0 turns either off).

    The clocks start at login (rectify.accounts.stamp_session). The last-seen time is written
    at most once a minute, so most requests do not save the session (pages' query counts
    are pinned); the idle limit is thus exact to a minute."""

    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.get(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            idle = settings.RECTIFY_SESSION_IDLE_MINUTES * 60
            lifetime = settings.RECTIFY_SESSION_MAX_HOURS * 3600
            expired = (idle and now - seen_at > idle) or (lifetime and now - login_at > lifetime)
            if expired:
                # Read by the audit log's logout receiver (audit/receivers.py): the event is
                # SESSION_EXPIRED, not a logout of the user's own.
                request.logout_reason = "idle" if idle and now - seen_at > idle else "lifetime"
                logout(request)
                messages.warning(request, _("登录已超时，请重新登录。"))
                return redirect_to_login(request.get_full_path())
            # Only an idle limit needs the last-seen time (and its session write).
            if idle and now - seen_at >= self.REFRESH_SECONDS:
                request.session[SEEN_AT] = now
        return self.get_response(request)


def password_change_due(user) -> str:
    """Why `user` must set a new password before anything else ("" when they need not): an
    administrator created the account or reset its password, or it is older than
    RECTIFY_PASSWORD_MAX_AGE_DAYS (0 = never)."""
    if user.must_change_password:
        return _("管理员为您设置了初始密码或重置了密码，请先设置您自己的新密码。")
    days = settings.RECTIFY_PASSWORD_MAX_AGE_DAYS
    if days and user.password_changed_at < timezone.now() - dt.timedelta(days):
        return _("密码已过期，请设置新密码。")
    return ""


class PasswordExpiryMiddleware:
    """Sends a user who must set a new password (password_change_due) to the password change
    page; that page and logging out stay open."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = password_change_due(request.user)
            if reason and request.path not in {reverse("password_change"), reverse("logout")}:
                messages.warning(request, reason)
                return redirect("password_change")
        return self.get_response(request)
