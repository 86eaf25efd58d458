"""The second factor for administrators (等保 2.0 level 3, issue 13): when
RECTIFY_ADMIN_OTP_REQUIRED is on, an account holding an administrator duty
(issues.permissions.is_administrator) proves a TOTP code from an authenticator app after its
password, before any other page. django-otp keeps the devices (one TOTPDevice per account),
marks the session verified and throttles wrong codes (each failure doubles the wait before the
next try); every try is an audit event."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Event
from audit.services import record
from issues import permissions

# The pages a user who still owes the code may open.
OPEN_URL_NAMES = ("login", "logout", "otp_setup", "otp_verify", "set_language", "healthz")


def required(user) -> bool:
    """Whether `user` must prove a second factor in this session."""
    return settings.RECTIFY_ADMIN_OTP_REQUIRED and permissions.is_administrator(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class SecondFactorMiddleware:
    """Sends an administrator whose session has no verified device (django_otp's
    OTPMiddleware, before this one, tells) to set one up, or to enter a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and required(user):
            open_paths = {reverse(name) for name in OPEN_URL_NAMES}
            if request.path not in open_paths and not request.path.startswith(settings.STATIC_URL):
                target = "otp_verify" if confirmed_device(user) else "otp_setup"
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("验证码"),
        min_length=6,
        max_length=6,
        error_messages={
            "required": gettext_lazy("请输入验证码。"),
            "min_length": gettext_lazy("验证码是 6 位数字。"),
            "max_length": gettext_lazy("验证码是 6 位数字。"),
        },
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else reverse(settings.LOGIN_REDIRECT_URL)


def _check(request: HttpRequest, form: TokenForm, device: TOTPDevice) -> bool:
    """Verify the form's code against `device`, recording the result; on success the session
    is verified."""
    if not form.is_valid():
        return False
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        form.add_error("token", _("验证码错误次数过多，请稍后再试。"))
        record(Event.Kind.SECOND_FACTOR, request=request, detail={"result": "throttled"})
        return False
    if not device.verify_token(form.cleaned_data["token"]):
        form.add_error("token", _("验证码不正确，请重新输入。"))
        record(Event.Kind.SECOND_FACTOR, request=request, detail={"result": "failed"})
        return False
    otp_login(request, device)
    return True


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Pair an authenticator app: the page shows the secret (as a QR code and as text) of a
    device that counts only once a code from the app confirms it."""
    if not required(request.user):
        return redirect(_next_url(request))
    if confirmed_device(request.user):
        return redirect(f"{reverse('otp_verify')}?{urlencode({'next': _next_url(request)})}")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "TOTP"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and _check(request, form, device):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(Event.Kind.SECOND_FACTOR, request=request, detail={"result": "set_up"})
        messages.success(request, _("已绑定验证器，以后登录时请输入其中的验证码。"))
        return redirect(_next_url(request))
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _next_url(request),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4),
    }
    return render(request, "registration/otp_setup.html", context)


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Enter the current code of the paired authenticator app."""
    if not required(request.user):
        return redirect(_next_url(request))
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('otp_setup')}?{urlencode({'next': _next_url(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and _check(request, form, device):
        record(Event.Kind.SECOND_FACTOR, request=request, detail={"result": "verified"})
        return redirect(_next_url(request))
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": _next_url(request)}
    )
