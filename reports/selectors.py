"""Reads for the landing page and, later, the dashboards: aggregate queries returning plain rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from itertools import islice

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate

from issues.columns import OWN_TEXTS, FindingRow, text_columns
from issues.models import (
    County,
    Finding,
    FindingRequest,
    FindingUnit,
    Measure,
    NoticeItem,
    Progress,
    Project,
    Province,
    Review,
    StatusChange,
    Urge,
    closed_by_q,
    is_overdue,
    lead_unit,
    task_q,
)
from issues.reviews import review_labels, review_labels_by_county
from issues.selectors import Tally, tallies, tally, tally_annotations, timing_annotation

from .models import Indicator, IndicatorReading


@dataclasses.dataclass
class Row:
    obj: object
    tally: Tally
    label: str = ""  # a review's name among the rows (issues.reviews.review_labels)


def _county_findings(county: County, scope: QuerySet | None) -> QuerySet:
    """The county's findings the page counts: all of them, or those of `scope` (the
    viewer's Finding.objects.for_user: a unit's contact counts only the unit's)."""
    return (Finding.objects if scope is None else scope).active().filter(county=county)


def _on_findings(rows: QuerySet, findings: QuerySet, scope: QuerySet | None) -> QuerySet:
    """Rows on the counted findings (notes, close-outs), when the count is limited."""
    return rows if scope is None else rows.filter(finding__in=findings.values("pk"))


def _county_tallies(findings: QuerySet, today: dt.date) -> list[dict]:
    """The findings counted by review, category and lead unit in one GROUP BY, by the
    deadline rules of tally_annotations: the county's page sums these rows for each of its
    tallies (in total, per review, per category, per lead unit), as every finding is in
    exactly one of them. In the reviews' and categories' order."""
    rows = list(
        findings.order_by()
        .annotate(lead_id=lead_unit("unit_id"), lead_name=lead_unit("unit__name"))
        .values(
            "review_id",
            "review__team",
            "category_id",
            "category__name",
            "category__order",
            "lead_id",
            "lead_name",
        )
        .annotate(**tally_annotations(today))
        .order_by("review__start_date", "review_id", "category__order", "category_id")
    )
    for row in rows:
        row["tally"] = Tally.pop_from(row)
    return rows


def _summed(rows: list[dict], *fields: str) -> list[dict]:
    """The rows' tallies added up by the values of `fields` (ids and their names), in the
    order the groups first appear."""
    groups: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[f] for f in fields)
        group = groups.setdefault(key, {**{f: row[f] for f in fields}, "tally": Tally()})
        group["tally"].add(row["tally"])
    return list(groups.values())


def county_summary(
    county: County, today: dt.date, scope: QuerySet | None = None, counted: list | None = None
) -> dict:
    """Per review and in total: how many findings, closed, overdue, due soon (from the rows
    of _county_tallies, `counted` if the caller has them)."""
    findings = _county_findings(county, scope)
    if counted is None:
        counted = _county_tallies(findings, today)
    by_review = {row["review_id"]: row["tally"] for row in _summed(counted, "review_id")}
    # Named among all the county's reviews, as its ledger names them; a row for each that
    # has findings.
    # The county's reviews by a subquery, not a join: a join repeats a review per county and
    # needs DISTINCT, and with the OR PostgreSQL hashed every county of every review (2.7 ms
    # against 0.9 at the default scale).
    of_county = Review.counties.through.objects.filter(county=county).values("review_id")
    reviews = list(
        Review.objects.filter(Q(pk__in=of_county) | Q(pk__in=by_review)).order_by(
            "start_date", "id"
        )
    )
    labels = review_labels(reviews)
    rows = [Row(r, by_review[r.pk], labels[r.pk]) for r in reviews if r.pk in by_review]
    total = Tally()
    for row in counted:
        total.add(row["tally"])
    upcoming = (
        findings.open()
        .filter(deadline__isnull=False)
        .select_related("review", "category")
        .with_lead_unit()
        .order_by("deadline", "id")[:8]
    )
    recent = (
        _on_findings(Progress.objects.visible(), findings, scope)
        .filter(finding__county=county, finding__archived_at__isnull=True)
        .select_related("finding", "author")
        .order_by("-date", "-id")[:6]
    )
    return {
        "rows": rows,
        "total": total,
        "upcoming": upcoming,
        "recent": recent,
        "review_labels": labels,
    }


def province_summary(province: Province, today: dt.date) -> dict:
    findings = Finding.objects.active().filter(county__province=province)
    by_county = tallies(findings, "county", today)
    counties = County.objects.filter(province=province).order_by("code")
    rows = [Row(county, by_county.get(county.pk, Tally())) for county in counties]
    total = tally(findings, today)
    return {"rows": rows, "total": total}


# FindingRow's values as one query reads them, by the row's names; its measures, units and
# review names come from other tables. Plain values, no model instances (five a finding with
# select_related) and no get_FOO_display per row.
_ROW_VALUES = {
    "pk": "pk",
    "county_id": "county_id",  # with the review, its name in the county (not in the row)
    "county": "county__name",
    "county_code": "county__code",
    "province": "county__province__name",
    "review_id": "review_id",
    "team": "review__team",  # the review's name when the county's names lack it
    "category_id": "category_id",
    "category": "category__name",
    "category_order": "category__order",
    "order": "order",
    "deadline": "deadline",
    "is_ongoing": "is_ongoing",
    "original_deadline": "original_deadline",
    "status": "status",
    "closed_on": "closed_on",
    "latest_progress": "latest_note",
    "latest_progress_date": "latest_date",
    "timing": "timing",
    # 问题描述, 整改结果, …: the finding's own texts, each its column's model field.
    **{c.key: c.field for c in text_columns()},
}
# The text columns FindingRow keeps in its `texts` (issues.columns.OWN_TEXTS).
_ROW_TEXTS = [c.key for c in text_columns() if c.key not in OWN_TEXTS]


def _review_names(findings: QuerySet) -> dict[tuple[int, int], str]:
    """Reviews named as each county's ledger page names them, among all the county's reviews,
    so that an import of the file finds each one again (one query)."""
    links = Review.counties.through.objects.filter(
        county__in=findings.order_by().values("county_id")
    ).values_list(
        "county_id",
        "review_id",
        "review__team",
        "review__start_date",
        "review__issued_on",
        "review__reference_number",
    )
    return review_labels_by_county(
        (county_id, Review(pk=pk, team=team, start_date=s, issued_on=i, reference_number=r))
        for county_id, pk, team, s, i, r in links
    )


def ledger_rows(
    findings: QuerySet,
    today: dt.date,
    *,
    as_of: dt.date | None = None,
    review_names: dict[tuple[int, int], str] | None = None,
    chunk_size: int = 2000,
) -> Iterator[FindingRow]:
    """The findings as the ledger export and the documents show them, in the queryset's
    order, streamed in chunks: one query for the reviews' names (unless `review_names`, by
    county and review, are given), then three per chunk (findings with their latest
    progress, measures, units), whatever the number of findings. With `as_of` (a report's
    date) a finding counts as closed only if it was closed by then.

    Everything is read as plain values, not model instances: building five instances a
    finding was a third of a large export's time, and a prefetched measure points back at
    its finding, a cycle only the garbage collector frees, so memory would grow with the
    findings instead of staying at one chunk."""
    latest = Progress.objects.visible().filter(finding=OuterRef("pk")).order_by("-date", "-id")
    qs = findings.annotate(
        latest_note=Subquery(latest.values("note")[:1]),
        latest_date=Subquery(latest.values("date")[:1]),
        timing=timing_annotation(),
    ).values_list(*_ROW_VALUES.values())
    if review_names is None:
        review_names = _review_names(findings)
    responsible, cooperating = FindingUnit.Role.RESPONSIBLE, FindingUnit.Role.COOPERATING
    found = qs.iterator(chunk_size=chunk_size)
    while chunk := [dict(zip(_ROW_VALUES, v, strict=True)) for v in islice(found, chunk_size)]:
        ids = [values["pk"] for values in chunk]
        measures: dict[int, list[str]] = {}
        for finding_id, text in (
            Measure.objects.filter(finding_id__in=ids)
            .order_by("finding_id", "order", "id")
            .values_list("finding_id", "text")
        ):
            measures.setdefault(finding_id, []).append(text)
        units: dict[tuple[int, str], list[str]] = {}
        for finding_id, role, name in (
            FindingUnit.objects.filter(finding_id__in=ids)
            .order_by("finding_id", "order", "id")
            .values_list("finding_id", "role", "unit__name")
        ):
            units.setdefault((finding_id, role), []).append(name)
        for values in chunk:
            pk, county_id, team = values["pk"], values.pop("county_id"), values.pop("team")
            values["latest_progress"] = values["latest_progress"] or ""
            values["texts"] = {key: values.pop(key) for key in _ROW_TEXTS}
            yield FindingRow(
                **values,
                review=review_names.get((county_id, values["review_id"]), team),
                measures=measures.get(pk, []),
                units=units.get((pk, responsible), []),
                cooperating=units.get((pk, cooperating), []),
                overdue=is_overdue(
                    deadline=values["deadline"], status=values["status"], today=today
                ),
                as_of=as_of,
            )


@dataclasses.dataclass
class CountyOverview:
    """A county's line on the province ledger's overview."""

    name: str
    code: str
    total: int
    closed: int
    overdue: int

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.total if self.total else None


def province_overview(province: Province, today: dt.date) -> list[CountyOverview]:
    summary = province_summary(province, today)
    return [
        CountyOverview(
            row.obj.name, row.obj.code, row.tally.total, row.tally.closed, row.tally.overdue
        )
        for row in summary["rows"]
    ]


# ---------------------------------------------------------------------------
# Dashboards: a few aggregate queries each, whatever the number of findings.


@dataclasses.dataclass
class IndicatorRow:
    indicator: object
    readings: list
    red_line: float | None

    @property
    def latest(self):
        return self.readings[-1] if self.readings else None

    @property
    def percent(self) -> float | None:
        if self.latest is None or not self.indicator.plan:
            return None
        return float(self.latest.value / self.indicator.plan * 100)

    @property
    def below_red_line(self) -> bool:
        return (
            self.red_line is not None and self.percent is not None and self.percent < self.red_line
        )

    @property
    def veto_risk(self) -> bool:
        """Project progress under the red line puts the county at risk of 一票否决."""
        return self.below_red_line and self.indicator.key in (
            Indicator.Key.OVERALL,
            Indicator.Key.INVESTMENT,
        )


def _indicator_rows(project) -> list[IndicatorRow]:
    if project is None:
        return []
    indicators = Indicator.objects.filter(project=project).prefetch_related(
        Prefetch("readings", queryset=IndicatorReading.objects.select_related("created_by"))
    )
    default = settings.RECTIFY_RED_LINE_PERCENT
    rows = []
    for ind in indicators:
        red = ind.red_line
        # The province ranks a county by overall progress, or by investment without it.
        if red is None and ind.key in (Indicator.Key.OVERALL, Indicator.Key.INVESTMENT):
            red = default
        rows.append(
            IndicatorRow(ind, list(ind.readings.all()), float(red) if red is not None else None)
        )
    return rows


def _burndown(findings: QuerySet, today: dt.date) -> list[tuple[dt.date, int]]:
    """Open findings at the end of each month, from the first review to today."""
    found = list(findings.with_raised_on().values_list("raised_on", "closed_on"))
    if not found:
        return []
    first = min(day for day, _ in found)
    points = []
    month = dt.date(first.year, first.month, 1)
    while month <= today:
        nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        end = min(nxt - dt.timedelta(days=1), today)
        open_ = sum(1 for day, closed in found if day <= end and (closed is None or closed > end))
        points.append((end, open_))
        month = nxt
    return points


def county_dashboard(county: County, today: dt.date, scope: QuerySet | None = None) -> dict:
    """Everything the county dashboard shows: of all the county's findings, or only of those
    in `scope` (a unit's contact sees the dashboard of the unit's findings; the number of
    queries is the same either way)."""
    findings = _county_findings(county, scope)
    # Every tally of the page from one GROUP BY.
    counted = _county_tallies(findings, today)
    summary = county_summary(county, today, scope, counted)
    by_category = _summed(
        counted, "review_id", "review__team", "category_id", "category__name", "category__order"
    )
    for row in by_category:
        row["review_label"] = summary["review_labels"].get(row["review_id"], row["review__team"])
    by_unit = _summed(counted, "lead_id", "lead_name")
    by_unit.sort(key=lambda r: (-r["tally"].overdue, -r["tally"].open, r["lead_name"] or ""))
    closeouts = list(
        _on_findings(StatusChange.objects, findings, scope)
        .filter(
            finding__county=county,
            finding__archived_at__isnull=True,  # archived findings are not news
            to_status=Finding.Status.CLOSED,
        )
        .select_related("finding", "actor")
        .order_by("-at")[:6]
    )
    project = county.projects.order_by("-year").first()
    return {
        **summary,
        "urges": Urge.objects.filter(finding__in=findings).aggregate(
            total=Count("id"), unanswered=Count("id", filter=Q(answered_at__isnull=True))
        ),
        "by_category": by_category,
        "by_unit": by_unit,
        "unit_ranking": unit_ranking(findings, today),
        "burndown": _burndown(findings, today),
        "closeouts": closeouts,
        "project": project,
        "indicators": _indicator_rows(project),
    }


@dataclasses.dataclass
class UnitRank:
    """A responsible unit's line in the county's ranking (责任单位排名)."""

    unit_id: int
    name: str
    tally: Tally  # over the unit's tasks: total, closed on time / late, overdue now, …
    urges: int = 0
    open_urges: int = 0
    days_to_acknowledge: float | None = None
    days_to_result: float | None = None


def _days(duration: dt.timedelta | None) -> float | None:
    return None if duration is None else duration.total_seconds() / 86400


def unit_ranking(findings: QuerySet, today: dt.date) -> list[UnitRank]:
    """The responsible units of `findings` (a county's, as the viewer sees them), worst first:
    most overdue now, then most closed late. Two queries, whatever the number of units.

    A task is a unit's link as a responsible unit (the lead and the others alike) to one of
    the findings; cooperating units (配合单位) are not ranked, and a task the unit handed back
    (退回, waiting for the office to reassign it) is not counted. On time, late and overdue
    are the finding's, by the one rule of issues/models.py (tally_annotations: TIMING_Q,
    overdue_q). Urges count those naming the unit on these findings, answered or not.
    Days to 签收: from assigned_at to acknowledged_at, over the acknowledged tasks. Days to
    result: from the day of assignment to the finding's close-out (closed_on), over the
    findings closed here by the leader's approval (closed_by set) — a close-out recorded
    from a document (import, demo) carries the document's date, which may come before the
    task was entered, so it is left out, as TIMING_Q leaves it out of "late"."""
    tasks = (
        findings.order_by()
        .filter(task_q("unit_links__"))
        .values("unit_links__unit_id", "unit_links__unit__name")
        .annotate(
            **tally_annotations(today),
            to_acknowledge=Avg(
                ExpressionWrapper(
                    F("unit_links__acknowledged_at") - F("unit_links__assigned_at"),
                    output_field=DurationField(),
                )
            ),
            to_result=Avg(
                ExpressionWrapper(
                    F("closed_on") - TruncDate("unit_links__assigned_at"),
                    output_field=DurationField(),
                ),
                filter=Q(status=Finding.Status.CLOSED, closed_by__isnull=False),
            ),
        )
    )
    urges = {
        row["unit_id"]: row
        for row in Urge.objects.filter(finding__in=findings.values("pk"), unit__isnull=False)
        .order_by()
        .values("unit_id")
        .annotate(total=Count("id"), unanswered=Count("id", filter=Q(answered_at__isnull=True)))
    }
    rows = []
    for row in tasks:
        unit_id = row.pop("unit_links__unit_id")
        urged = urges.get(unit_id, {})
        rows.append(
            UnitRank(
                unit_id=unit_id,
                name=row.pop("unit_links__unit__name"),
                days_to_acknowledge=_days(row.pop("to_acknowledge")),
                days_to_result=_days(row.pop("to_result")),
                tally=Tally.pop_from(row),
                urges=urged.get("total", 0),
                open_urges=urged.get("unanswered", 0),
            )
        )
    rows.sort(key=lambda r: (-r.tally.overdue, -r.tally.closed_late, r.name, r.unit_id))
    return rows


def awaiting_decision(county: County, total: Tally) -> int:
    """待您审批: the county's close-outs (from its tally, no query) and extension and archive
    requests (one query) waiting for the leader, as 我的待办 lists them."""
    requests = FindingRequest.objects.pending().filter(
        finding__county=county, finding__archived_at__isnull=True
    )
    return total.submitted + requests.count()


@dataclasses.dataclass
class CountyRow:
    county: County
    batch: int | None
    tally: Tally
    investment: float | None
    funds: float | None
    overall: float | None
    red_line: float
    # 催办 on its findings, from the province or to its units (the province dashboard only).
    urges: int = 0
    open_urges: int = 0

    @property
    def progress(self) -> float | None:
        """Overall project progress: its own indicator, or else investment completion."""
        return self.overall if self.overall is not None else self.investment

    @property
    def below_red_line(self) -> bool:
        return self.progress is not None and self.progress < self.red_line

    @property
    def state(self) -> str:
        """The row's colour, the one rule of the province and nation pages (their legend,
        reports/snippets/state_legend.html, says it): red for a county at risk of 一票否决
        (below the red line), yellow for one with findings overdue, due soon or awaiting a
        close-out decision."""
        if self.below_red_line:
            return "red"
        if self.tally.overdue or self.tally.due_soon or self.tally.submitted:
            return "yellow"
        return "green"


STATES = ("green", "yellow", "red")


def worst_state(rows) -> str:
    """The worst colour among the rows (a province's on /nation/: its counties')."""
    return max((r.state for r in rows), key=STATES.index, default="green")


def _latest_percent(key: str, plan_field: str | None = None):
    latest = IndicatorReading.objects.filter(
        indicator__project__county=OuterRef("pk"), indicator__key=key
    ).order_by("-indicator__project__year", "-date", "-id")
    plan = Indicator.objects.filter(project__county=OuterRef("pk"), key=key).order_by(
        "-project__year"
    )
    return Subquery(latest.values("value")[:1]), Subquery(plan.values("plan")[:1])


def _county_rows(counties: QuerySet, findings: QuerySet, today: dt.date) -> list[CountyRow]:
    """A row per county, with its findings' tally and latest project figures: two queries,
    whatever the number of counties."""
    annotations = {}
    for name, key in (
        ("inv", Indicator.Key.INVESTMENT),
        ("funds", Indicator.Key.FUNDS),
        ("overall", Indicator.Key.OVERALL),
    ):
        actual, plan = _latest_percent(key)
        annotations[f"{name}_actual"], annotations[f"{name}_plan"] = actual, plan
    batch = Project.objects.filter(county=OuterRef("pk")).order_by("-year").values("batch")[:1]
    counties = counties.annotate(batch=Subquery(batch), **annotations)
    by_county = tallies(findings, "county", today)
    red = float(settings.RECTIFY_RED_LINE_PERCENT)

    def pct(actual, plan):
        return float(actual / plan * 100) if actual is not None and plan else None

    rows = [
        CountyRow(
            c,
            c.batch,
            by_county.get(c.pk, Tally()),
            pct(c.inv_actual, c.inv_plan),
            pct(c.funds_actual, c.funds_plan),
            pct(c.overall_actual, c.overall_plan),
            red,
        )
        for c in counties
    ]
    return rows


def province_dashboard(province: Province, today: dt.date) -> dict:
    """One row per county of the province: three queries in all (the third counts the
    urges of each county's findings, answered or not)."""
    findings = Finding.objects.active().filter(county__province=province)
    rows = _county_rows(County.objects.filter(province=province), findings, today)
    urged = (
        Urge.objects.filter(finding__in=findings.values("pk"))
        .order_by()
        .values("finding__county_id")
        .annotate(total=Count("id"), unanswered=Count("id", filter=Q(answered_at__isnull=True)))
    )
    by_county = {row["finding__county_id"]: row for row in urged}
    for row in rows:
        counted = by_county.get(row.county.pk, {})
        row.urges, row.open_urges = counted.get("total", 0), counted.get("unanswered", 0)
    rows.sort(key=lambda r: (not r.below_red_line, r.county.code))
    total = Tally()
    for r in rows:
        total.add(r.tally)
    return {
        "rows": rows,
        "total": total,
        "urges": sum(r.urges for r in rows),
        "open_urges": sum(r.open_urges for r in rows),
        "red_line": float(settings.RECTIFY_RED_LINE_PERCENT),
    }


def _mean(values) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


@dataclasses.dataclass
class ProvinceRow:
    """A province on the national overview: its counties' rows added up (province None for
    the whole country)."""

    province: Province | None
    counties: list[CountyRow]
    tally: Tally

    @property
    def n_counties(self) -> int:
        return len(self.counties)

    @property
    def below_red_line(self) -> int:
        """How many of its counties are under the red line: its red counties (state)."""
        return sum(r.state == "red" for r in self.counties)

    @property
    def investment(self) -> float | None:
        """The mean investment completion of the counties that report it."""
        return _mean(r.investment for r in self.counties)

    @property
    def funds(self) -> float | None:
        return _mean(r.funds for r in self.counties)

    @property
    def state(self) -> str:
        """Its counties' worst colour (CountyRow.state): red when one is below the red line,
        which is then counted in below_red_line."""
        return worst_state(self.counties)


def nation_dashboard(today: dt.date) -> dict:
    """One row per province, from every county's row: three queries in all, whatever the
    number of provinces, counties and findings."""
    provinces = list(Province.objects.order_by("code"))
    counties = _county_rows(County.objects.all(), Finding.objects.active(), today)
    counties.sort(key=lambda r: r.county.code)
    by_province: dict[int, list[CountyRow]] = {}
    named = {province.pk: province for province in provinces}
    for row in counties:
        # Each county's province from the list above, not joined to 1,500 rows again.
        row.county.province = named[row.county.province_id]
        by_province.setdefault(row.county.province_id, []).append(row)
    rows = []
    for province in provinces:
        mine = by_province.get(province.pk, [])
        rows.append(ProvinceRow(province, mine, _sum_tallies(mine)))
    return {
        "rows": rows,
        "total": ProvinceRow(None, counties, _sum_tallies(counties)),
        "counties": counties,
        "red_line": float(settings.RECTIFY_RED_LINE_PERCENT),
    }


def _sum_tallies(rows) -> Tally:
    total = Tally()
    for row in rows:
        total.add(row.tally)
    return total


# --- 月度整改进展情况表 (issue 15 item 6) -------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MonthlyRow:
    """One line of the 月度整改进展情况表: a review's category (in a county). The month's
    changes, then the running totals as of the month's last day."""

    county: str
    review: str
    category: str
    progress: int  # progress notes dated in the month (withdrawn ones not counted)
    closed: int  # closed out in the month
    became_overdue: int  # deadline in the month, not closed out by its last day
    urged: int  # urges sent in the month
    total: int  # findings entered by the month's last day
    closed_total: int  # closed out by the month's last day (closed_by_q)
    open_total: int
    overdue_total: int  # deadline on or before the last day, not closed out by it


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of `month`'s month."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def monthly_progress(findings: QuerySet, month: dt.date) -> list[MonthlyRow]:
    """The month's changes and totals per county, review and category, in one query.

    As of the close of the month's last day `end`: a finding is overdue when its deadline
    is on or before `end` and it was not closed out by `end` (closed_by_q(end)); it "became
    overdue in the month" when that deadline falls within the month. A finding closed out
    later in time still counts as open/overdue for this month: the table is a record of
    the month, not of today.

    A finding counts from the day it was raised (FindingQuerySet.with_raised_on: its review's
    first day), so one imported later still shows in the months before its import; the
    month's progress is the office's record (Progress.ADOPTED: its own notes and the units'
    notes it accepted, not those waiting for it)."""
    first, end = month_bounds(month)
    closed = closed_by_q(end)
    in_month = {"date__gte": first, "date__lte": end}
    rows = (
        findings.with_raised_on()
        .filter(raised_on__lte=end)
        .values(
            "county__name",
            "county__code",
            "review__id",
            "review__team",
            "review__title",
            "category__order",
            "category__name",
        )
        .annotate(
            total=Count("id", distinct=True),
            closed_total=Count("id", filter=closed, distinct=True),
            overdue_total=Count("id", filter=~closed & Q(deadline__lte=end), distinct=True),
            closed=Count(
                "id", filter=closed & Q(closed_on__gte=first, closed_on__lte=end), distinct=True
            ),
            became_overdue=Count(
                "id",
                filter=~closed & Q(deadline__gte=first, deadline__lte=end),
                distinct=True,
            ),
            progress=Count(
                "progress_notes",
                filter=Q(
                    progress_notes__withdrawn_at__isnull=True,
                    progress_notes__review_status__in=Progress.ADOPTED,
                    **{f"progress_notes__{k}": v for k, v in in_month.items()},
                ),
                distinct=True,
            ),
            urged=Count(
                "urges",
                filter=Q(urges__created_at__date__gte=first, urges__created_at__date__lte=end),
                distinct=True,
            ),
        )
        .order_by("county__code", "review__id", "category__order", "category__name")
    )
    return [
        MonthlyRow(
            county=r["county__name"],
            review=r["review__title"] or r["review__team"],
            category=r["category__name"],
            progress=r["progress"],
            closed=r["closed"],
            became_overdue=r["became_overdue"],
            urged=r["urged"],
            total=r["total"],
            closed_total=r["closed_total"],
            open_total=r["total"] - r["closed_total"],
            overdue_total=r["overdue_total"],
        )
        for r in rows
    ]


# --- 督查通报 (issue 15 item 6): a provincial notice as an official document -------------


@dataclasses.dataclass(frozen=True)
class NoticeEntry:
    """One item of the notice: its problem, the counties it was sent to (by name, in the
    notice's order), what they must do and by when."""

    category: str
    description: str
    measures: list[str]
    deadline: dt.date | None
    counties: list[str]


@dataclasses.dataclass(frozen=True)
class NoticeDocument:
    """What the 督查通报 says, as plain data (reports/exports/notice.py writes it)."""

    issuer: str
    reference_number: str
    title: str
    team: str
    start_date: dt.date | None
    end_date: dt.date | None
    date: dt.date  # the date it was issued (成文日期)
    issued_on: dt.date | None
    report_deadline: dt.date | None
    counties: list[str]  # the addressees, by division code
    entries: list[NoticeEntry]  # by category, then in the category's order


def notice_document(notice: Review, today: dt.date) -> NoticeDocument:
    """The notice, its items in order and the counties each was fanned out to: three queries
    (the notice given). A notice not yet issued is dated `today`."""
    # In the order of their division codes, as the notice's page lists them.
    names = {c.pk: c.display_short_name for c in County.objects.filter(reviews=notice)}
    items = (
        NoticeItem.objects.filter(review=notice)
        .select_related("category")
        .order_by("category__order", "category_id", "order", "id")
    )
    # Every copy made, archived ones included: the notice was sent to the county all the same.
    sent: dict[int, set[int]] = {}
    for item_id, county_id in Finding.objects.filter(notice_item__review=notice).values_list(
        "notice_item_id", "county_id"
    ):
        sent.setdefault(item_id, set()).add(county_id)
    return NoticeDocument(
        issuer=notice.issuer.strip(),
        reference_number=notice.reference_number.strip(),
        title=notice.title.strip(),
        team=notice.team.strip(),
        start_date=notice.start_date,
        end_date=notice.end_date,
        date=notice.issued_on or today,
        issued_on=notice.issued_on,
        report_deadline=notice.report_deadline,
        counties=list(names.values()),
        entries=[
            NoticeEntry(
                category=item.category.name,
                description=item.description,
                measures=[m.strip() for m in item.measures.splitlines() if m.strip()],
                deadline=item.deadline,
                counties=[name for pk, name in names.items() if pk in sent.get(item.pk, ())],
            )
            for item in items
        ],
    )
