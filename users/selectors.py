"""Reads for the accounts pages: the accounts an administrator sees, the places it may put a
new account, and the current login lockouts it may lift."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from issues import permissions
from issues.models import County, Province, User

# The abilities that let an administrator open an account's page: its system administrator
# (details, deactivation, resets) and its security administrator (roles, lockouts).
ACCOUNT_ABILITIES = ("account.manage", "account.roles")


def accounts_for(admin, abilities: tuple[str, ...] = ACCOUNT_ABILITIES) -> QuerySet[User]:
    """The accounts `admin` administers by any of `abilities`; outside them an account is 404."""
    conditions = [c for a in abilities if (c := permissions.scope(admin, a)) is not None]
    if not conditions:
        return User.objects.none()
    return User.objects.filter(functools.reduce(operator.or_, conditions))


def account_rows(accounts: QuerySet[User]) -> QuerySet[User]:
    """The list page's rows: place and roles fetched with the page, not per row."""
    return accounts.select_related("county__province", "province").prefetch_related("groups")


def places_for(admin) -> list[County | Province]:
    """Where `admin` may put a new account: a county admin its county; a province admin its
    province or one of its counties; a national admin a province (GRANTABLE's levels)."""
    levels = permissions.GRANTABLE.get(permissions.level_of(admin), {})
    places: list[County | Province] = []
    if permissions.PROVINCE in levels:
        provinces = Province.objects.order_by("code")
        if admin.province_id is not None:
            provinces = provinces.filter(pk=admin.province_id)
        places += list(provinces)
    if permissions.COUNTY in levels:
        counties = County.objects.select_related("province").order_by("code")
        if admin.county_id is not None:
            counties = counties.filter(pk=admin.county_id)
        else:
            counties = counties.filter(province_id=admin.province_id)
        places += list(counties)
    return places


def level_of_place(place: County | Province) -> str:
    return permissions.COUNTY if isinstance(place, County) else permissions.PROVINCE


# ---------------------------------------------------------------------------------------
# Login lockouts (django-axes). With AXES_LOCKOUT_PARAMETERS ["username", "ip_address"] a
# username is locked when its failures since the cool-off began reach AXES_FAILURE_LIMIT,
# summed over the addresses it was tried from; an address likewise over the usernames.


@dataclasses.dataclass(frozen=True)
class Lockout:
    username: str  # "" for an address
    ip: str  # "" for a username
    failures: int
    last_attempt: dt.datetime
    account: User | None = None


def may_unlock_addresses(admin) -> bool:
    """An address is nobody's place: its lockout is shown to, and lifted by, province and
    national security administrators only; a county's lifts its own accounts' lockouts."""
    return permissions.allowed(admin, "lockout.manage") and permissions.level_of(admin) in (
        permissions.PROVINCE,
        permissions.NATIONWIDE,
    )


def _recent_attempts() -> QuerySet[AccessAttempt]:
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def _over_limit(attempts: QuerySet[AccessAttempt], field: str) -> list[dict]:
    limit = settings.AXES_FAILURE_LIMIT
    attempts = attempts.exclude(**{f"{field}__isnull": True})
    if field == "username":  # (an address field reads "" as NULL: `= NULL` matches no row)
        attempts = attempts.exclude(username="")
    return list(
        attempts.values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last")
    )


def lockouts_for(admin) -> list[Lockout]:
    """The current lockouts `admin` may lift: of the accounts it manages, and (province and
    national security administrators) of addresses."""
    attempts = _recent_attempts()
    rows = _over_limit(attempts, "username")
    accounts = {
        account.username: account
        for account in accounts_for(admin, ("lockout.manage",))
        .filter(username__in=[row["username"] for row in rows])
        .select_related("county", "province")
    }
    found = [
        Lockout(row["username"], "", row["failures"], row["last"], accounts[row["username"]])
        for row in rows
        if row["username"] in accounts
    ]
    if may_unlock_addresses(admin):
        found += [
            Lockout("", row["ip_address"], row["failures"], row["last"])
            for row in _over_limit(attempts, "ip_address")
        ]
    return found
