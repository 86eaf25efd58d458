"""What the day's messages say, read with a fixed number of queries whatever the number of
findings: one query for the findings of every county, one for the robots, one for the people
who get an SMS."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q

from issues.models import (
    County,
    Finding,
    FindingUnit,
    Role,
    Urge,
    User,
    due_soon_q,
    overdue_q,
    warning_days,
)
from issues.permissions import holders

from .models import RobotHook


@dataclasses.dataclass
class CountyDigest:
    county: County
    overdue: list[Finding] = dataclasses.field(default_factory=list)
    soon: list[Finding] = dataclasses.field(default_factory=list)
    waiting: list[Finding] = dataclasses.field(default_factory=list)
    # Urged (催办) and not yet answered by a progress note.
    urged: list[Finding] = dataclasses.field(default_factory=list)
    # Each unit's overdue findings where it leads (the first responsible unit).
    overdue_by_unit: dict[int, list[Finding]] = dataclasses.field(default_factory=dict)


def county_digests(today: dt.date) -> dict[int, CountyDigest]:
    """Each county's overdue findings, those due within the warning days, the close-outs
    waiting for the leader (the deadline rules of issues/models.py) and the findings urged and
    not yet answered, by county id."""
    within = warning_days()
    urged = Exists(Urge.objects.unanswered().filter(finding=OuterRef("pk")))
    findings = (
        Finding.objects.active()
        .annotate(urged=urged)
        .filter(
            overdue_q(today)
            | due_soon_q(today, within)
            | Q(status=Finding.Status.SUBMITTED)
            | Q(urged=True)
        )
        .select_related("county", "review", "category")
        .prefetch_related(
            Prefetch(
                "unit_links",
                queryset=FindingUnit.objects.filter(role=FindingUnit.Role.RESPONSIBLE).order_by(
                    "order", "id"
                ),
            )
        )
        .in_ledger_order()
    )
    digests: dict[int, CountyDigest] = {}
    for f in findings:
        digest = digests.setdefault(f.county_id, CountyDigest(f.county))
        if f.is_overdue(today):
            digest.overdue.append(f)
            links = list(f.unit_links.all())
            if links:
                digest.overdue_by_unit.setdefault(links[0].unit_id, []).append(f)
        elif f.is_due_soon(today, within):
            digest.soon.append(f)
        if f.status == Finding.Status.SUBMITTED:
            digest.waiting.append(f)
        if f.urged:
            digest.urged.append(f)
    return digests


def county_hooks(county_ids, kinds) -> dict[int, list[RobotHook]]:
    """The active robots of the counties' offices (no unit), by county id."""
    hooks: dict[int, list[RobotHook]] = {}
    for hook in RobotHook.objects.filter(
        county_id__in=county_ids, unit__isnull=True, active=True, kind__in=kinds
    ).order_by("pk"):
        hooks.setdefault(hook.county_id, []).append(hook)
    return hooks


def urge_hooks(*, county_id: int, unit_id: int | None, kinds) -> list[RobotHook]:
    """Where a 催办 goes: the urged unit's robots, or the county office's when the unit has
    none (or the urge names no unit: the province urging the county)."""
    active = RobotHook.objects.filter(county_id=county_id, active=True, kind__in=kinds)
    if unit_id is not None:
        own = list(active.filter(unit_id=unit_id).order_by("pk"))
        if own:
            return own
    return list(active.filter(unit__isnull=True).order_by("pk"))


def mobiles_of_units(unit_ids) -> list[User]:
    """The active contacts of these units who gave a mobile number."""
    return list(
        User.objects.filter(unit_id__in=unit_ids, is_active=True)
        .exclude(mobile="")
        .select_related("unit", "county")
        .order_by("pk")
    )


def mobiles_of_office(county_id: int) -> list[User]:
    """The county office's staff who gave a mobile number (a 催办 from the province)."""
    return list(
        User.objects.filter(holders(Role.COUNTY_STAFF), county_id=county_id)
        .exclude(mobile="")
        .select_related("county")
        .order_by("pk")
    )
