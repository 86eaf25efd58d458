"""The login events, from the signals of django.contrib.auth and django-axes: each receiver
writes one event through audit.services.record. Connected in AuditConfig.ready()."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Event
from .services import record


def _account(username: str):
    """The account with that username, if there is one: its county's auditor sees the
    failures and lockouts of its accounts."""
    if not username:
        return None
    User = get_user_model()
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


@receiver(user_logged_in, dispatch_uid="audit_login")
def login(sender, request, user, **kwargs) -> None:
    record(Event.Kind.LOGIN, request=request, actor=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def logout(sender, request, user, **kwargs) -> None:
    if user is None:  # logging out without being logged in
        return
    # rectify.middleware.SessionTimeoutMiddleware says why it logs a user out: a timeout,
    # not a logout of their own (one event, not both).
    reason = getattr(request, "logout_reason", "")
    if reason:
        record(Event.Kind.SESSION_EXPIRED, request=request, actor=user, detail={"reason": reason})
    else:
        record(Event.Kind.LOGOUT, request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The username as typed; never the password (Django masks it, and it is not read here).
    username = str(credentials.get(get_user_model().USERNAME_FIELD, ""))[:150]
    record(
        Event.Kind.LOGIN_FAILED,
        request=request,
        actor=None,
        username=username or "—",
        place=_account(username),
    )


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """django-axes refused the login: on the failure that reaches the limit and on every
    attempt while the lock lasts."""
    username = str(username or "")[:150]
    record(Event.Kind.LOCKOUT, request=request, username=username or "—", place=_account(username))
