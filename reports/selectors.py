"""Reads for the landing page and, later, the dashboards: aggregate queries returning plain rows."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from issues.models import County, Finding, Progress, Province, Review


@dataclasses.dataclass
class Tally:
    total: int = 0
    closed: int = 0
    submitted: int = 0
    overdue: int = 0
    due_soon: int = 0

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def closure_rate(self) -> float | None:
        return None if not self.total else self.closed / self.total


def _tally_annotations(today: dt.date) -> dict:
    soon = today + dt.timedelta(days=settings.RECTIFY_DUE_SOON_DAYS)
    not_closed = ~Q(status=Finding.Status.CLOSED)
    return {
        "total": Count("id"),
        "closed": Count("id", filter=Q(status=Finding.Status.CLOSED)),
        "submitted": Count("id", filter=Q(status=Finding.Status.SUBMITTED)),
        "overdue": Count("id", filter=not_closed & Q(deadline__lt=today)),
        "due_soon": Count("id", filter=not_closed & Q(deadline__gte=today, deadline__lte=soon)),
    }


def tally(findings: QuerySet, today: dt.date) -> Tally:
    return Tally(**findings.order_by().aggregate(**_tally_annotations(today)))


def _tallies(findings: QuerySet, key: str, today: dt.date) -> dict[int, Tally]:
    rows = findings.order_by().values(key).annotate(**_tally_annotations(today))
    return {row.pop(key): Tally(**row) for row in rows}


@dataclasses.dataclass
class Row:
    obj: object
    tally: Tally


def county_summary(county: County, today: dt.date) -> dict:
    """Per review and in total: how many findings, closed, overdue, due soon."""
    findings = Finding.objects.filter(county=county)
    by_review = _tallies(findings, "review", today)
    reviews = Review.objects.filter(pk__in=by_review).order_by("start_date", "id")
    rows = [Row(review, by_review[review.pk]) for review in reviews]
    total = tally(findings, today)
    upcoming = (
        findings.open()
        .filter(deadline__isnull=False)
        .select_related("review", "category")
        .with_lead_unit()
        .order_by("deadline", "id")[:8]
    )
    recent = (
        Progress.objects.filter(finding__county=county)
        .select_related("finding", "author")
        .order_by("-date", "-id")[:6]
    )
    return {"rows": rows, "total": total, "upcoming": upcoming, "recent": recent}


def province_summary(province: Province, today: dt.date) -> dict:
    findings = Finding.objects.filter(county__province=province)
    by_county = _tallies(findings, "county", today)
    counties = County.objects.filter(province=province).order_by("code")
    rows = [Row(county, by_county.get(county.pk, Tally())) for county in counties]
    total = tally(findings, today)
    return {"rows": rows, "total": total}


def national_summary(today: dt.date) -> dict:
    by_province = _tallies(Finding.objects.all(), "county__province", today)
    provinces = Province.objects.annotate(n_counties=Count("counties")).order_by("code")
    rows = [Row(p, by_province.get(p.pk, Tally())) for p in provinces]
    total = tally(Finding.objects.all(), today)
    return {"rows": rows, "total": total}
