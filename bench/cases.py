"""What the benchmark measures: each case is one thing a person asks of Rectify, with its floor
(see floors.py) and the issue's target for it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from issues.models import County, Finding, Unit, User, warning_days
from reports import ledgers
from reports.exports import xlsx
from reports.models import Report

from . import floors, generate, words


class NotAvailable(Exception):
    """The case cannot run on this code base yet (e.g. the page is not built); shown as n/a."""


@dataclasses.dataclass
class Context:
    """The benchmark county (the first bench county), its province, a finding, and the users."""

    today: dt.date
    county: County
    finding: Finding
    unit: Unit
    report: Report
    search: str
    last_of_10k: int
    n_10k: int
    clients: dict[str, Client]

    @property
    def province(self):
        return self.county.province

    @property
    def soon(self) -> dt.date:
        return self.today + dt.timedelta(days=warning_days())

    @classmethod
    def load(cls) -> Context:
        county = (
            County.objects.filter(code__startswith=generate.CODE_PREFIX)
            .select_related("province")
            .order_by("code")
            .first()
        )
        if county is None:
            raise RuntimeError("no bench data")
        # A closed finding in the middle of the county's ledger: the richest detail page.
        findings = Finding.objects.filter(county=county).order_by("id")
        finding = findings.filter(status="closed").first() or findings.first()
        ids = Finding.objects.active().order_by("id").values_list("id", flat=True)
        n_total = ids.count()
        last = ids[min(n_total, 10_000) - 1]
        users = {
            "staff": f"{generate.USER_PREFIX}staff-{county.code}",
            "reviewer": f"{generate.USER_PREFIX}reviewer-{county.province.code}",
            "national": generate.NATIONAL,
        }
        clients = {}
        for role, username in users.items():
            client = Client()
            client.session_user = User.objects.get(username=username)
            client.force_login(client.session_user)
            clients[role] = client
        return cls(
            today=timezone.localdate(),
            county=county,
            finding=finding,
            unit=Unit.objects.get(county=county, name=words.LEAD_UNIT),
            report=Report.objects.filter(county=county).order_by("-id").first(),
            search=words.SEARCH_WORD,
            last_of_10k=last,
            n_10k=min(n_total, 10_000),
            clients=clients,
        )


def _get(ctx: Context, who: str, url: str) -> int:
    response = ctx.clients[who].get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} as {who}: HTTP {response.status_code}")
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        raise NotAvailable(f"URL {name!r} does not resolve yet") from None


@dataclasses.dataclass(frozen=True)
class Target:
    median_ms: float | None = None
    queries: int | None = None
    ratio: float | None = None

    def __str__(self) -> str:
        parts = []
        if self.median_ms is not None:
            parts.append(f"≤{self.median_ms:g} ms")
        if self.queries is not None:
            parts.append(f"≤{self.queries} q")
        if self.ratio is not None:
            parts.append(f"≤{self.ratio:g}× floor")
        return ", ".join(parts)

    def holds(self, median_ms: float, queries: int | None, ratio: float | None) -> bool:
        return (
            (self.median_ms is None or median_ms <= self.median_ms)
            and (self.queries is None or (queries is not None and queries <= self.queries))
            and (self.ratio is None or (ratio is not None and ratio <= self.ratio))
        )


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    label: str
    run: Callable[[Context], object]
    floor: Callable[[Context], object] | None = None
    target: Target | None = None
    heavy: bool = False  # an export of many rows: fewer repetitions
    writes: bool = False  # runs in a transaction that is rolled back
    memory: bool = False  # also measure its peak memory (tracemalloc)


def ledger(ctx):
    return _get(ctx, "staff", reverse("finding_list"))


def ledger_filtered(ctx):
    query = f"?status=in_progress&unit={ctx.unit.pk}&q={ctx.search}"
    return _get(ctx, "staff", reverse("finding_list") + query)


def ledger_national(ctx):
    return _get(ctx, "national", reverse("finding_list"))


def detail(ctx):
    return _get(ctx, "staff", reverse("finding_detail", args=[ctx.finding.pk]))


def county_dashboard(ctx):
    return _get(ctx, "staff", reverse("county_dashboard", args=[ctx.county.code]))


def province_dashboard(ctx):
    return _get(ctx, "reviewer", reverse("province_dashboard", args=[ctx.province.code]))


def nation(ctx):
    return _get(ctx, "national", _url("nation_dashboard"))


def county_docx(ctx):
    return _get(ctx, "staff", reverse("report_docx", args=[ctx.report.pk, "report"]))


def province_xlsx(ctx):
    return _get(ctx, "reviewer", reverse("province_ledger_xlsx", args=[ctx.province.code]))


def nation_xlsx(ctx):
    try:
        url = _url("nation_ledger_xlsx")
    except NotAvailable:
        # Until the national download lands: the same ledger of every finding, as a function.
        findings = Finding.objects.active().in_ledger_order()
        return len(_ledger_xlsx(findings, ctx.today))
    return _get(ctx, "national", url)


def ledger_xlsx_10k(ctx):
    findings = Finding.objects.active().filter(id__lte=ctx.last_of_10k).in_ledger_order()
    return len(_ledger_xlsx(findings, ctx.today))


def _ledger_xlsx(findings, today: dt.date) -> bytes:
    return xlsx.as_bytes(
        xlsx.write_ledger, ledgers.county_ledger(findings, scope="全国", today=today)
    )


SEED_000 = "000_*.txt"


def _seed000_text() -> str:
    seeds = Path(settings.BASE_DIR) / "demo" / "seeds"
    return next(iter(sorted(seeds.glob(SEED_000)))).read_text(encoding="utf-8")


def import_seed000(ctx):
    """Import of the demo's seed document 000 (昭化区's 整改情况报告) into the bench county,
    as load_demo and the preview page do: parse, plan against the county's ledger (its units
    unknown to the county created), save. The runner rolls each run back."""
    try:
        from issues.importing.document import parse_document
        from issues.importing.plan import build_plan
        from issues.importing.services import import_apply
    except ImportError:
        raise NotAvailable("issues.importing is not importable") from None
    document = parse_document(_seed000_text())
    plan = build_plan(ctx.county, document)
    # The clerk's choice in the preview: the units the county does not have yet are new.
    new = {u.name: "new" for u in plan.undecided_units}
    if new:
        plan = build_plan(ctx.county, document, unit_decisions=new)
    staff = ctx.clients["staff"].session_user
    return import_apply(user=staff, county=ctx.county, plan=plan, today=ctx.today)


def import_seed000_floor(ctx):
    """The parse alone: what any import must do before it writes."""
    from issues.importing.document import parse_document

    return parse_document(_seed000_text())


CASES = [
    Case("ledger", "台账 /findings/ (county user)", ledger, floors.ledger, Target(100)),
    Case(
        "ledger_filtered",
        "台账, status+unit+q filter",
        ledger_filtered,
        lambda ctx: floors.ledger(ctx, filtered=True),
        Target(100),
    ),
    Case(
        "ledger_national",
        "台账, national user (all findings)",
        ledger_national,
        lambda ctx: floors.ledger(ctx, county=False),
        Target(30, 15),
    ),
    Case("detail", "问题详情 /findings/<pk>/", detail, floors.detail, Target(100)),
    Case(
        "county_dashboard",
        "区县 /counties/<code>/",
        county_dashboard,
        floors.county_dashboard,
        Target(100),
    ),
    Case(
        "province_dashboard",
        "省 /provinces/<code>/",
        province_dashboard,
        floors.province_dashboard,
        Target(250),
    ),
    Case("nation", "全国 /nation/", nation, floors.nation, Target(500)),
    Case(
        "county_docx",
        "整改情况报告 .docx (county)",
        county_docx,
        floors.county_docx,
        Target(1000),
        memory=True,
    ),
    Case(
        "province_xlsx",
        "台账 .xlsx (province)",
        province_xlsx,
        floors.province_xlsx,
        None,
        heavy=True,
        memory=True,
    ),
    Case(
        "nation_xlsx",
        "台账 .xlsx (nation)",
        nation_xlsx,
        floors.nation_xlsx,
        Target(ratio=1.5),
        heavy=True,
        memory=True,
    ),
    Case(
        "ledger_xlsx_10k",
        "台账 .xlsx, 10,000 findings",
        ledger_xlsx_10k,
        floors.ledger_xlsx_10k,
        Target(600),
        heavy=True,
        memory=True,
    ),
    Case(
        "import_seed000",
        "导入 seed 000 (document)",
        import_seed000,
        import_seed000_floor,
        writes=True,
    ),
]
