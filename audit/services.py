"""Writing the security audit log: one function, record(), called by the signal receivers
(logins, failures, lockouts, logouts), the middleware (denials, downloads) and the accounts
services (account and role changes, resets)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rectify.accounts import client_ip

from .models import Event


def record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    actor=None,
    username: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
    place=None,
) -> Event:
    """Append one event. The actor defaults to the request's user; `place` (an account whose
    county and province the event belongs to) defaults to the actor: a failed login names
    the account that was tried."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    place = place if place is not None else actor
    county_id = getattr(place, "county_id", None)
    province_id = getattr(place, "province_id", None)
    if county_id is not None and province_id is None:
        province_id = place.county.province_id
    return Event.objects.create(
        kind=kind,
        actor=actor,
        username=username or (actor.get_username() if actor is not None else ""),
        county_id=county_id,
        province_id=province_id,
        ip=(client_ip(request) or None) if request is not None else None,
        method=request.method if request is not None else "",
        path=request.get_full_path()[:500] if request is not None else "",
        target=target[:300],
        detail=detail or {},
    )
