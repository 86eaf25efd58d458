"""Writing the security audit log: one function, record(), called by the signal receivers
(audit/receivers.py: logins, failures, lockouts, logouts, session timeouts), the middleware
(audit/middleware.py: denials, downloads), the auditor's export and the accounts services
(account and role changes, resets)."""

from __future__ import annotations

from typing import Any

from django.db.models import Subquery
from django.http import HttpRequest

from issues.models import County
from rectify.accounts import client_ip

from .models import Event


def _province_id(place, county_id: int | None):
    """The province an event belongs to, without a query of its own: the place's own, its
    county's when that was read already, else a subquery inside the INSERT."""
    province_id = getattr(place, "province_id", None)
    if county_id is None or province_id is not None:
        return province_id
    if place._meta.get_field("county").is_cached(place):
        return place.county.province_id
    return Subquery(County.objects.filter(pk=county_id).values("province_id")[:1])


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
    """Append one event: one INSERT. The actor defaults to the request's user; `place` (an
    account whose county and province the event belongs to) defaults to the actor: a failed
    login names the account that was tried."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    place = place if place is not None else actor
    county_id = getattr(place, "county_id", None)
    province_id = _province_id(place, county_id)
    event = Event.objects.create(
        kind=kind,
        actor=actor,
        username=(username or (actor.get_username() if actor is not None else ""))[:150],
        county_id=county_id,
        province_id=province_id,
        ip=(client_ip(request) or None) if request is not None else None,
        method=request.method or "" if request is not None else "",
        path=request.get_full_path()[:500] if request is not None else "",
        target=target[:300],
        detail=detail or {},
    )
    if isinstance(province_id, Subquery):
        # The database computed it; read it again only if someone asks (a deferred field).
        del event.__dict__["province_id"]
    return event
