"""Writes on accounts, each checked against the ability table first and written to the
security audit log: the system administrator creates, edits, deactivates and resets
accounts; the security administrator changes roles and lifts lockouts (三权分立).

A temporary password is returned to the caller, which shows it once; it is never stored
in clear (only its hash, on the account)."""

from __future__ import annotations

import secrets

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Event
from audit.services import record
from issues import permissions
from issues.models import County, Province, Unit, User

from . import selectors

# No 0/O, 1/l/I: the password is read out to its owner.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_LENGTH = 14


def temporary_password(account: User) -> str:
    """A random password that the password rules accept, with lower, upper case and digits."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
        if not (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            continue
        try:
            password_validation.validate_password(password, account)
        except ValidationError:
            continue
        return password


def _set_temporary_password(account: User) -> str:
    password = temporary_password(account)
    account.set_password(password)
    account.must_change_password = True  # set_password clears it: the owner's change does
    return password


def end_sessions(account: User) -> int:
    """Log the account out everywhere: delete its sessions from the session store (the
    database engine, SESSION_ENGINE's default)."""
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(account.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _target(account: User) -> str:
    return _("账户 %(username)s") % {"username": account.username}


def _refuse_role(role: str) -> ValidationError:
    label = permissions.Role.labels.get(role, role)
    return ValidationError(
        {"role": _("您不能授予“%(role)s”角色：只能授予本级可以授予的角色。") % {"role": label}}
    )


@transaction.atomic
def account_create(
    *,
    admin: User,
    username: str,
    full_name: str,
    email: str = "",
    place: County | Province,
    role: str,
    unit: Unit | None = None,
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """A new account in `place` with `role` (one role: an administrator duty is never combined
    with a working role), and its temporary password, to be changed at the first login. A
    unit's contact (责任单位联络员) belongs to a `unit` of the county; nobody else is given one
    here."""
    permissions.require(admin, "account.manage")
    level = selectors.level_of_place(place)
    if role not in permissions.grantable_roles(admin, level):
        raise _refuse_role(role)
    if role == permissions.Role.UNIT_STAFF:
        if unit is None:
            raise ValidationError({"unit": _("责任单位联络员须选择所在的责任单位。")})
        if level != permissions.COUNTY or unit.county_id != place.pk:
            raise ValidationError({"unit": _("所选单位不属于该账户所在的区县。")})
    elif unit is not None:
        raise ValidationError({"unit": _("只有责任单位联络员需要选择所在单位。")})
    account = User(
        username=username,
        first_name=full_name,
        email=email,
        county=place if level == permissions.COUNTY else None,
        province=place if level == permissions.PROVINCE else None,
        unit=unit,
    )
    # The account as it will be must lie in the administrator's reach (its place).
    account.role_names = frozenset({role})
    permissions.require(admin, "account.manage", account)
    password = _set_temporary_password(account)
    account.full_clean()
    account.save()
    account.groups.add(Group.objects.get(name=role))
    del account.role_names
    record(
        Event.Kind.ACCOUNT_CREATED,
        request=request,
        actor=admin,
        target=_target(account),
        detail={"role": role, "place": str(place), **({"unit": unit.name} if unit else {})},
        place=account,
    )
    return account, password


EDITABLE = ("first_name", "email")


@transaction.atomic
def account_update(
    *,
    admin: User,
    account: User,
    full_name: str,
    email: str = "",
    request: HttpRequest | None = None,
) -> list[str]:
    """Change an account's name and contact (not its roles: roles_change). Returns the
    fields that changed."""
    permissions.require(admin, "account.manage", account)
    before = {name: getattr(account, name) for name in EDITABLE}
    account.first_name, account.email = full_name, email
    changed = [name for name in EDITABLE if getattr(account, name) != before[name]]
    if not changed:
        return []
    account.full_clean()
    account.save(update_fields=changed)
    record(
        Event.Kind.ACCOUNT_CHANGED,
        request=request,
        actor=admin,
        target=_target(account),
        detail={"fields": changed},
        place=account,
    )
    return changed


@transaction.atomic
def account_deactivate(*, admin: User, account: User, request: HttpRequest | None = None) -> None:
    """Deactivate, never delete: the row and everything it wrote stay; its sessions end."""
    permissions.require(admin, "account.manage", account)
    if not account.is_active:
        return
    account.is_active = False
    account.save(update_fields=["is_active"])
    ended = end_sessions(account)
    record(
        Event.Kind.ACCOUNT_DEACTIVATED,
        request=request,
        actor=admin,
        target=_target(account),
        detail={"sessions_ended": ended},
        place=account,
    )


@transaction.atomic
def account_reactivate(*, admin: User, account: User, request: HttpRequest | None = None) -> None:
    permissions.require(admin, "account.manage", account)
    if account.is_active:
        return
    account.is_active = True
    account.save(update_fields=["is_active"])
    record(
        Event.Kind.ACCOUNT_REACTIVATED,
        request=request,
        actor=admin,
        target=_target(account),
        place=account,
    )


@transaction.atomic
def password_reset(*, admin: User, account: User, request: HttpRequest | None = None) -> str:
    """A new temporary password (returned, to be shown once), to be changed at the next
    login; the account's sessions end."""
    permissions.require(admin, "account.manage", account)
    password = _set_temporary_password(account)
    account.save(update_fields=["password", "password_changed_at", "must_change_password"])
    ended = end_sessions(account)
    record(
        Event.Kind.PASSWORD_RESET,
        request=request,
        actor=admin,
        target=_target(account),
        detail={"sessions_ended": ended},
        place=account,
    )
    return password


@transaction.atomic
def roles_change(
    *, admin: User, account: User, role: str, request: HttpRequest | None = None
) -> None:
    """Replace the account's role with `role`, one its security administrator may grant at
    the account's level: never a role above the administrator's own, whatever was sent."""
    permissions.require(admin, "account.roles", account)
    if role not in permissions.grantable_roles(admin, permissions.level_of(account)):
        raise _refuse_role(role)
    before = sorted(account.role_names)
    if before == [role]:
        return
    account.groups.set([Group.objects.get(name=role)])
    del account.role_names
    record(
        Event.Kind.ROLES_CHANGED,
        request=request,
        actor=admin,
        target=_target(account),
        detail={"before": before, "after": [role]},
        place=account,
    )


@transaction.atomic
def unlock(
    *,
    admin: User,
    username: str = "",
    ip: str = "",
    request: HttpRequest | None = None,
) -> int:
    """Lift the login lockout of an account the administrator manages, or (province and
    national security administrators) of an address, through axes' own reset. Returns the
    number of attempt records removed."""
    permissions.require(admin, "lockout.manage")
    if bool(username) == bool(ip):
        raise ValidationError(_("请指定要解除锁定的账户或地址。"))
    if username:
        account = (
            selectors.accounts_for(admin, ("lockout.manage",)).filter(username=username).first()
        )
        permissions.require(admin, "lockout.manage", account)
        removed = axes_reset(username=username)
        target, place = _target(account), account
    else:
        if not selectors.may_unlock_addresses(admin):
            raise PermissionDenied(_("只有省级或全国的安全管理员可以解除地址的登录锁定。"))
        removed = axes_reset(ip=ip)
        target, place = _("地址 %(ip)s") % {"ip": ip}, admin
    record(
        Event.Kind.UNLOCK,
        request=request,
        actor=admin,
        target=target,
        detail={"username": username, "ip": ip, "attempts_removed": removed},
        place=place,
    )
    return removed
