"""Reads for the landing page and, later, the dashboards: aggregate queries returning plain rows."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from issues.models import County, Finding, FindingUnit, Measure, Progress, Province, Review


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
    findings = Finding.objects.active().filter(county=county)
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
        Progress.objects.filter(finding__county=county, finding__archived_at__isnull=True)
        .select_related("finding", "author")
        .order_by("-date", "-id")[:6]
    )
    return {"rows": rows, "total": total, "upcoming": upcoming, "recent": recent}


def province_summary(province: Province, today: dt.date) -> dict:
    findings = Finding.objects.active().filter(county__province=province)
    by_county = _tallies(findings, "county", today)
    counties = County.objects.filter(province=province).order_by("code")
    rows = [Row(county, by_county.get(county.pk, Tally())) for county in counties]
    total = tally(findings, today)
    return {"rows": rows, "total": total}


def national_summary(today: dt.date) -> dict:
    by_province = _tallies(Finding.objects.active(), "county__province", today)
    provinces = Province.objects.annotate(n_counties=Count("counties")).order_by("code")
    rows = [Row(p, by_province.get(p.pk, Tally())) for p in provinces]
    total = tally(Finding.objects.active(), today)
    return {"rows": rows, "total": total}


@dataclasses.dataclass
class LedgerRow:
    """One finding as the 台账 spreadsheet shows it."""

    county: str
    review: str
    category: str
    category_order: int
    order: int
    description: str
    measures: list[str]
    units: list[str]
    cooperating: list[str]
    deadline: dt.date | None
    is_ongoing: bool
    latest_progress_date: dt.date | None
    latest_progress: str
    result: str
    status: str
    status_label: str
    closed_on: dt.date | None
    overdue: bool


def ledger_rows(findings: QuerySet, today: dt.date, *, chunk_size: int = 2000):
    """Rows for the ledger export, streamed in chunks: three queries per chunk (findings with
    their latest progress, measures, units), whatever the number of findings."""
    latest = Progress.objects.filter(finding=OuterRef("pk")).order_by("-date", "-id")
    qs = (
        findings.select_related("county", "review", "category")
        .annotate(
            latest_note=Subquery(latest.values("note")[:1]),
            latest_date=Subquery(latest.values("date")[:1]),
        )
        .prefetch_related(
            Prefetch("measures", queryset=Measure.objects.only("finding_id", "order", "text")),
            Prefetch(
                "unit_links",
                queryset=FindingUnit.objects.select_related("unit").only(
                    "finding_id", "role", "order", "unit__name"
                ),
            ),
        )
    )
    for f in qs.iterator(chunk_size=chunk_size):
        links = list(f.unit_links.all())
        yield LedgerRow(
            county=f.county.name,
            review=f.review.team,
            category=f.category.name,
            category_order=f.category.order,
            order=f.order,
            description=f.description,
            measures=[m.text for m in f.measures.all()],
            units=FindingUnit.names(links, FindingUnit.Role.RESPONSIBLE),
            cooperating=FindingUnit.names(links, FindingUnit.Role.COOPERATING),
            deadline=f.deadline,
            is_ongoing=f.is_ongoing,
            latest_progress_date=f.latest_date,
            latest_progress=f.latest_note or "",
            result=f.result,
            status=f.status,
            status_label=str(f.get_status_display()),
            closed_on=f.closed_on,
            overdue=f.is_overdue(today),
        )


def province_overview(province: Province, today: dt.date) -> list:
    from .exports.xlsx import CountyOverview

    summary = province_summary(province, today)
    return [
        CountyOverview(
            row.obj.name, row.obj.code, row.tally.total, row.tally.closed, row.tally.overdue
        )
        for row in summary["rows"]
    ]
