"""Synthetic national-scale data for the benchmark, written with bulk inserts.

Bench data is recognised by its codes: every province the generator makes has a code
9PP000 and every county 9PPCCC (real division codes never start with 9), every user's
name starts with ``bench-``. The national user ``bench-national`` carries the parameters
the data was made with in its last name, written last, so a half-made data set is never
mistaken for a complete one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import random
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from issues.models import (
    Category,
    County,
    Finding,
    FindingUnit,
    Measure,
    Progress,
    Project,
    Province,
    Review,
    Role,
    StatusChange,
    Unit,
    User,
)
from reports.models import Indicator, IndicatorReading, Report, ReportReview

from . import words

CODE_PREFIX = "9"
USER_PREFIX = "bench-"
NATIONAL = "bench-national"
MARKER_VERSION = 1
# The data is dated against this day, not the real one, so a seed gives the same rows
# whatever day it runs; on and after it, the open findings with earlier deadlines are overdue.
ANCHOR = dt.date(2026, 11, 22)
MAX_COUNTIES_PER_PROVINCE = 999
BATCH = 2000


@dataclasses.dataclass(frozen=True)
class Scale:
    counties: int = 1500
    findings_per_county: int = 30
    progress_per_finding: int = 10
    seed: int = 1

    @property
    def provinces(self) -> int:
        """About thirty provinces of fifty counties; fewer for small runs."""
        wanted = min(30, max(1, math.ceil(self.counties / 50)))
        return max(wanted, math.ceil(self.counties / MAX_COUNTIES_PER_PROVINCE))

    @property
    def marker(self) -> str:
        return (
            f"bench v{MARKER_VERSION} seed={self.seed} counties={self.counties} "
            f"findings={self.findings_per_county} progress={self.progress_per_finding}"
        )


def _bench_provinces():
    return Province.objects.filter(code__startswith=CODE_PREFIX)


def _bench_counties():
    return County.objects.filter(code__startswith=CODE_PREFIX)


def foreign_data() -> dict[str, int]:
    """Rows the generator did not make, by kind: a database with any is not a bench database."""
    counts = {
        "provinces": Province.objects.exclude(code__startswith=CODE_PREFIX).count(),
        "counties": County.objects.exclude(code__startswith=CODE_PREFIX).count(),
        "users": User.objects.exclude(username__startswith=USER_PREFIX).count(),
        "reviews without bench counties": Review.objects.exclude(
            counties__code__startswith=CODE_PREFIX
        ).count(),
    }
    return {kind: n for kind, n in counts.items() if n}


def existing_marker() -> str | None:
    user = User.objects.filter(username=NATIONAL).first()
    return user.last_name if user else None


def has_data() -> bool:
    return (
        _bench_provinces().exists()
        or User.objects.filter(username__startswith=USER_PREFIX).exists()
    )


def wipe() -> None:
    """Delete the bench rows, children first, without signals (simple-history would otherwise
    write a deletion record for each)."""
    counties = _bench_counties()
    findings = Finding.objects.filter(county__in=counties)
    reviews = Review.objects.filter(counties__in=counties)
    bench_users = User.objects.filter(username__startswith=USER_PREFIX)
    steps = [
        Measure.history.filter(finding_id__in=findings.values("pk")),
        FindingUnit.history.filter(finding_id__in=findings.values("pk")),
        Progress.history.filter(finding_id__in=findings.values("pk")),
        Finding.history.filter(county_id__in=counties.values("pk")),
        Report.history.filter(county_id__in=counties.values("pk")),
        ReportReview.objects.filter(report__county__in=counties),
        Report.objects.filter(county__in=counties),
        StatusChange.objects.filter(finding__in=findings),
        Measure.objects.filter(finding__in=findings),
        FindingUnit.objects.filter(finding__in=findings),
        Progress.objects.filter(finding__in=findings),
        Finding.related.through.objects.filter(from_finding__in=findings),
        Finding.related.through.objects.filter(to_finding__in=findings),
        findings,
        Category.objects.filter(review__in=reviews),
        IndicatorReading.objects.filter(indicator__project__county__in=counties),
        Indicator.objects.filter(project__county__in=counties),
        Project.objects.filter(county__in=counties),
    ]
    with transaction.atomic():
        for qs in steps:
            qs._raw_delete(qs.db)
        review_ids = list(reviews.values_list("pk", flat=True).distinct())
        links = Review.counties.through.objects.filter(county__in=counties)
        links._raw_delete(links.db)
        for start in range(0, len(review_ids), 500):
            qs = Review.objects.filter(pk__in=review_ids[start : start + 500])
            qs._raw_delete(qs.db)
        for qs in [
            User.groups.through.objects.filter(user__in=bench_users),
            User.objects.filter(username__startswith=USER_PREFIX, county__isnull=True),
        ]:
            qs._raw_delete(qs.db)
        # Sessions of bench users are left to expire: they point at nothing once it is gone.
        for qs in [
            User.objects.filter(username__startswith=USER_PREFIX),
            Unit.objects.filter(county__in=counties),
            counties,
            _bench_provinces(),
        ]:
            qs._raw_delete(qs.db)


def _aware(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class Generator:
    """Writes one data set; every random choice comes from one `random.Random(seed)`, drawn
    in a fixed order, so a seed always gives the same rows."""

    def __init__(self, scale: Scale, log: Callable[[str], None] = lambda s: None):
        self.scale = scale
        self.rng = random.Random(scale.seed)
        self.log = log
        self.groups = {
            g.name: g
            for g in Group.objects.filter(
                name__in=[Role.COUNTY_STAFF, Role.COUNTY_LEADER, Role.PROVINCE_REVIEWER]
            )
        }

    def run(self) -> None:
        with transaction.atomic():
            national = User(username=NATIONAL, is_national=True, first_name="全国用户")
            national.set_unusable_password()
            national.save()
            provinces = self._provinces()
            counties = self._counties(provinces)
            done = 0
            for chunk in _chunks(counties, 100):
                self._county_chunk(chunk)
                done += len(chunk)
                self.log(f"  {done}/{len(counties)} counties")
            self._report(counties[0])
            national.last_name = self.scale.marker
            national.save(update_fields=["last_name"])

    # -- places and people -------------------------------------------------------------

    def _provinces(self) -> list[Province]:
        provinces = [
            Province(code=f"{CODE_PREFIX}{i:02d}000", name=f"基准省{i:02d}")
            for i in range(1, self.scale.provinces + 1)
        ]
        Province.objects.bulk_create(provinces)
        reviewers = [
            User(username=f"{USER_PREFIX}reviewer-{p.code}", province=p, first_name=f"{p.name}审核")
            for p in provinces
        ]
        self._users(reviewers, Role.PROVINCE_REVIEWER)
        return provinces

    def _counties(self, provinces: list[Province]) -> list[County]:
        counties = []
        for province, n in zip(
            provinces, _spread(self.scale.counties, len(provinces)), strict=True
        ):
            pi = int(province.code[1:3])
            for ci in range(1, n + 1):
                city = "".join(self.rng.sample(words.CITY_PARTS, 2))
                name = "".join(self.rng.sample(words.CITY_PARTS, 2)) + "县"
                counties.append(
                    County(
                        province=province,
                        code=f"{CODE_PREFIX}{pi:02d}{ci:03d}",
                        name=f"{city}市{name}",
                        short_name=name,
                        government=f"{name}人民政府",
                    )
                )
        County.objects.bulk_create(counties, batch_size=BATCH)
        return counties

    def _users(self, users: list[User], role: str) -> None:
        for user in users:
            user.set_unusable_password()
        User.objects.bulk_create(users, batch_size=BATCH)
        group = self.groups[role]
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users],
            batch_size=BATCH,
        )

    # -- one chunk of counties -----------------------------------------------------------

    def _county_chunk(self, counties: list[County]) -> None:
        rng = self.rng
        staff = {
            c.pk: User(
                username=f"{USER_PREFIX}staff-{c.code}", county=c, first_name=f"{c.short_name}经办"
            )
            for c in counties
        }
        leaders = {
            c.pk: User(
                username=f"{USER_PREFIX}leader-{c.code}", county=c, first_name=f"{c.short_name}领导"
            )
            for c in counties
        }
        self._users(list(staff.values()), Role.COUNTY_STAFF)
        self._users(list(leaders.values()), Role.COUNTY_LEADER)

        units: dict[int, list[Unit]] = {}
        projects = []
        for c in counties:
            others = rng.sample(words.UNITS[1:], rng.randint(9, 13))
            units[c.pk] = [
                Unit(
                    county=c, name=name, kind=Unit.Kind.TOWNSHIP if "乡镇" in name else "department"
                )
                for name in [words.LEAD_UNIT, *others]
            ]
            year = rng.randint(2019, 2023)
            projects.append(
                Project(
                    county=c,
                    name=f"{c.short_name}电子商务进农村综合示范项目",
                    year=year,
                    batch=year - 2014,
                    planned_investment=Decimal(rng.randint(1500, 4000)),
                    central_funds=Decimal(rng.choice([1500, 2000])),
                )
            )
        Unit.objects.bulk_create([u for us in units.values() for u in us], batch_size=BATCH)
        Project.objects.bulk_create(projects, batch_size=BATCH)
        self._indicators(projects)

        reviews, review_county, categories = self._reviews(counties)
        findings = []
        for c in counties:
            findings += self._findings(c, reviews[c.pk], categories, staff[c.pk], leaders[c.pk])
        Finding.objects.bulk_create(findings, batch_size=BATCH)

        measures, links, notes, changes = [], [], [], []
        for f in findings:
            measures += self._measures(f)
            links += self._links(f, units[f.county_id])
            notes += self._notes(f, staff[f.county_id])
            changes += self._changes(f, staff[f.county_id], leaders[f.county_id])
        Measure.objects.bulk_create(measures, batch_size=BATCH)
        FindingUnit.objects.bulk_create(links, batch_size=BATCH)
        Progress.objects.bulk_create(notes, batch_size=BATCH)
        StatusChange.objects.bulk_create(changes, batch_size=BATCH)
        # The finding page tells its story from these history rows.
        for model, rows in (
            (Finding, findings),
            (Measure, measures),
            (FindingUnit, links),
            (Progress, notes),
        ):
            model.history.bulk_history_create(rows, batch_size=BATCH, default_user=None)

    def _indicators(self, projects: list[Project]) -> None:
        rng = self.rng
        indicators, readings = [], []
        for p in projects:
            for order, (key, name, unit, plan) in enumerate(
                [
                    (Indicator.Key.OVERALL, "项目建设总体进度", "%", Decimal(100)),
                    (Indicator.Key.INVESTMENT, "完成投资", "万元", p.planned_investment),
                    (Indicator.Key.FUNDS, "中央资金拨付", "万元", p.central_funds),
                ],
                start=1,
            ):
                ind = Indicator(project=p, key=key, name=name, unit=unit, plan=plan, order=order)
                indicators.append(ind)
                share = rng.uniform(0.2, 1.0)
                for i, month in enumerate((3, 6, 9)):
                    readings.append(
                        IndicatorReading(
                            indicator=ind,
                            date=dt.date(2026, month, 28),
                            value=(plan * Decimal(round(share * (i + 1) / 3, 4))).quantize(
                                Decimal("0.01")
                            ),
                        )
                    )
        Indicator.objects.bulk_create(indicators, batch_size=BATCH)
        for r in readings:
            r.indicator_id = r.indicator.pk
        IndicatorReading.objects.bulk_create(readings, batch_size=BATCH)

    def _reviews(self, counties: list[County]):
        rng = self.rng
        reviews: dict[int, list[Review]] = {}
        flat, review_county = [], []
        for c in counties:
            n = rng.randint(2, 4)
            start = ANCHOR - dt.timedelta(days=rng.randint(700, 1000))
            mine = []
            for kind, team in words.REVIEW_KINDS[:n]:
                end = start + dt.timedelta(days=rng.randint(2, 6))
                mine.append(
                    Review(
                        kind=kind,
                        team=team,
                        title=f"关于反馈{c.short_name}电子商务进农村综合示范{team}发现问题的函",
                        start_date=start,
                        end_date=end,
                        issued_on=end + dt.timedelta(days=10),
                    )
                )
                start += dt.timedelta(days=rng.randint(90, 240))
            reviews[c.pk] = mine
            flat += mine
            review_county += [(r, c) for r in mine]
        Review.objects.bulk_create(flat, batch_size=BATCH)
        Review.counties.through.objects.bulk_create(
            [Review.counties.through(review_id=r.pk, county_id=c.pk) for r, c in review_county],
            batch_size=BATCH,
        )
        categories: dict[int, list[Category]] = {}
        rows = []
        for r in flat:
            names = rng.sample(words.CATEGORIES, rng.randint(2, 4))
            categories[id(r)] = [
                Category(review=r, name=name, order=i) for i, name in enumerate(names, start=1)
            ]
            rows += categories[id(r)]
        Category.objects.bulk_create(rows, batch_size=BATCH)
        return reviews, review_county, categories

    def _findings(self, county, reviews, categories, staff, leader) -> list[Finding]:
        rng = self.rng
        findings = []
        per_review = _spread(self.scale.findings_per_county, len(reviews))
        for review, n in zip(reviews, per_review, strict=True):
            cats = categories[id(review)]
            order = dict.fromkeys(range(len(cats)), 0)
            for _ in range(n):
                ci = rng.randrange(len(cats))
                order[ci] += 1
                deadline = review.start_date + dt.timedelta(days=rng.randint(60, 720))
                past = deadline < ANCHOR
                status = rng.choices(
                    ["closed", "submitted", "in_progress", "open"],
                    weights=[55, 10, 25, 10] if past else [20, 10, 45, 25],
                )[0]
                closed_on = None
                if status == "closed":
                    closed_on = min(
                        deadline + dt.timedelta(days=rng.randint(-90, 30)),
                        ANCHOR - dt.timedelta(days=1),
                    )
                    closed_on = max(closed_on, review.start_date + dt.timedelta(days=20))
                template = rng.choice(words.DESCRIPTIONS)
                word = words.SEARCH_WORD if rng.random() < 0.5 else "仓储"
                description = template.format(
                    place=rng.choice(words.PLACES), n=rng.randint(2, 95), word=word
                )
                f = Finding(
                    review=review,
                    county=county,
                    category=cats[ci],
                    order=order[ci],
                    description=description,
                    deadline=deadline,
                    original_deadline=deadline,
                    is_ongoing=rng.random() < 0.15,
                    status=status,
                    result=rng.choice(words.RESULTS) if status in ("closed", "submitted") else "",
                    closed_on=closed_on,
                    closed_by=leader if status == "closed" else None,
                    created_by=staff,
                    updated_by=staff,
                )
                f._history_date = _aware(review.start_date + dt.timedelta(days=15), 9)
                f._history_user = staff
                findings.append(f)
        return findings

    def _measures(self, f: Finding) -> list[Measure]:
        texts = self.rng.sample(words.MEASURES, self.rng.randint(2, 4))
        rows = []
        for i, text in enumerate(texts, start=1):
            m = Measure(finding=f, order=i, text=text, created_by=f.created_by)
            m._history_date, m._history_user = f._history_date, f._history_user
            rows.append(m)
        return rows

    def _links(self, f: Finding, units: list[Unit]) -> list[FindingUnit]:
        rng = self.rng
        chosen = rng.sample(units, rng.randint(1, 4))
        if rng.random() < 0.4 and chosen[0] is not units[0]:
            chosen.insert(0, units[0])  # the commerce bureau leads many findings
            chosen = list(dict.fromkeys(chosen))
        n_responsible = max(1, len(chosen) - rng.randint(0, 1))
        rows = []
        for i, unit in enumerate(chosen, start=1):
            role = "responsible" if i <= n_responsible else "cooperating"
            link = FindingUnit(finding=f, unit=unit, role=role, order=i, created_by=f.created_by)
            link._history_date, link._history_user = f._history_date, f._history_user
            rows.append(link)
        return rows

    def _notes(self, f: Finding, staff: User) -> list[Progress]:
        rng = self.rng
        n = self.scale.progress_per_finding
        first = f.review.start_date + dt.timedelta(days=20)
        last = max(first, min(f.closed_on or ANCHOR, ANCHOR))
        span = (last - first).days
        rows = []
        for i in range(n):
            day = first + dt.timedelta(days=span * (i + 1) // n)
            note = rng.choice(words.PROGRESS).format(n=rng.randint(2, 60))
            p = Progress(finding=f, date=day, note=note, author=staff, created_by=staff)
            p._history_date, p._history_user = _aware(day, 16, i % 60), staff
            rows.append(p)
        return rows

    def _changes(self, f: Finding, staff: User, leader: User) -> list[StatusChange]:
        steps = {
            "open": [],
            "in_progress": [("open", "in_progress", staff)],
            "submitted": [("open", "in_progress", staff), ("in_progress", "submitted", staff)],
            "closed": [
                ("open", "in_progress", staff),
                ("in_progress", "submitted", staff),
                ("submitted", "closed", leader),
            ],
        }[f.status]
        return [StatusChange(finding=f, from_status=a, to_status=b, actor=u) for a, b, u in steps]

    def _report(self, county: County) -> None:
        """The benchmark county's 整改情况报告, over all its reviews."""
        report = Report(
            county=county,
            issuer=county.government,
            title=f"{county.government}关于电子商务进农村综合示范项目绩效评价发现问题整改情况的报告",
            date=ANCHOR,
            opening=words.REPORT_OPENING,
            work_done=words.REPORT_WORK,
            leadership=words.REPORT_LEADERSHIP,
            next_steps=words.REPORT_NEXT,
            plan_title=f"{county.short_name}电子商务进农村综合示范项目反馈问题整改方案",
        )
        report.save()
        reviews = Review.objects.filter(counties=county).order_by("start_date", "id")
        ReportReview.objects.bulk_create(
            [ReportReview(report=report, review=r, order=i) for i, r in enumerate(reviews, 1)]
        )


def generate(scale: Scale, log: Callable[[str], None] = lambda s: None) -> None:
    Generator(scale, log).run()


def digest() -> str:
    """A hash of the bench rows' content (not their ids or timestamps): equal for equal seeds."""
    h = hashlib.sha256()
    counties = _bench_counties().order_by("code")
    for row in counties.values_list("code", "name"):
        h.update(repr(row).encode())
    findings = (
        Finding.objects.filter(county__in=counties)
        .order_by("county__code", "review__start_date", "review__team", "category__order", "order")
        .values_list(
            "county__code",
            "review__team",
            "category__name",
            "order",
            "description",
            "deadline",
            "status",
            "closed_on",
            "is_ongoing",
        )
    )
    for row in findings:
        h.update(repr(row).encode())
    for model, fields in (
        (Measure, ("finding__county__code", "finding__description", "order", "text")),
        (FindingUnit, ("finding__county__code", "finding__description", "order", "unit__name")),
        (Progress, ("finding__county__code", "finding__description", "date", "note")),
    ):
        rows = model.objects.filter(finding__county__in=counties).values_list(*fields)
        for row in sorted(rows, key=repr):
            h.update(repr(row).encode())
    return h.hexdigest()
