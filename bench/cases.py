"""What the benchmark measures: each case is one thing a person asks of Rectify, with its floor
(see floors.py) and the issue's target for it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import types
from collections.abc import Callable

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from issues.models import County, Finding, Unit, User, warning_days
from rectify.lib import ocr, office
from reports import ledgers, workbooks
from reports.exports import xlsx
from reports.models import Report

from . import floors, generate, samples, words


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
    heavy: bool = False  # an export of many rows, a conversion: fewer repetitions
    writes: bool = False  # runs in a transaction that is rolled back
    memory: bool = False  # also measure its peak memory (tracemalloc)
    setup: Callable[[Context], object] | None = None  # run once, untimed, before the case


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


def _prepared():
    """The prepared workbooks on, in a directory of the bench's own."""
    return override_settings(RECTIFY_PREPARED_WORKBOOKS=True, MEDIA_ROOT=floors.PREPARED_MEDIA)


def nation_xlsx_prepare(ctx):
    """What `manage.py prepare_workbooks` does once the download was asked for: build the
    national workbook for the current data (untimed; its time is nation_xlsx's)."""
    with _prepared():
        version = workbooks.data_version(None, ctx.today)
        job = workbooks.workbook_request(province=None, version=version, today=ctx.today)
        if job.state == job.State.READY and not default_storage.exists(job.file.name):
            workbooks.workbook_lost(job)  # the temporary directory was cleaned
            job.state = job.State.FAILED
        if job.state != job.State.READY:
            # Files of earlier runs (other databases, rolled-back tests) go; this one is made.
            shutil.rmtree(floors.PREPARED_MEDIA / workbooks.DIRECTORY, ignore_errors=True)
            workbooks.workbook_request(province=None, version=version, today=ctx.today, retry=True)
            workbooks.prepare_pending(ctx.today)


def nation_xlsx_ready(ctx):
    """The national workbook, prepared for the current data: the data version checked and
    the file streamed."""
    with _prepared():
        return _get(ctx, "national", _url("nation_ledger_xlsx"))


def ledger_xlsx_10k(ctx):
    findings = Finding.objects.active().filter(id__lte=ctx.last_of_10k).in_ledger_order()
    return len(_ledger_xlsx(findings, ctx.today))


def _ledger_xlsx(findings, today: dt.date) -> bytes:
    return xlsx.as_bytes(
        xlsx.write_ledger, ledgers.county_ledger(findings, scope="全国", today=today)
    )


def _importing() -> types.SimpleNamespace:
    """The importer's parts (NotAvailable until issues.importing is built)."""
    try:
        from issues.importing import readers
        from issues.importing.document import parse_document
        from issues.importing.plan import build_plan
        from issues.importing.services import import_apply
    except ImportError:
        raise NotAvailable("issues.importing is not importable") from None
    return types.SimpleNamespace(
        readers=readers,
        parse_document=parse_document,
        build_plan=build_plan,
        import_apply=import_apply,
    )


def _need_office() -> None:
    if office.executable() is None:
        raise NotAvailable("LibreOffice (soffice) is not installed")


def _need_ocr() -> None:
    _need_office()  # LibreOffice writes the PDF whose page is scanned
    if ocr.renderer() is None:
        raise NotAvailable("poppler's pdftoppm is not installed")
    if not ocr.available():
        raise NotAvailable("Tesseract or its chi_sim data is not installed")


def _read(name: str, data: bytes):
    """The document as an upload reads it (issues.importing.readers.read_source)."""
    return _importing().readers.read_source(SimpleUploadedFile(name, data))


def _plan(ctx, text: str, ocr_lines=()):
    """Parse and plan against the county's ledger, as the preview page does."""
    importing = _importing()
    document = importing.parse_document(text)
    document.ocr_lines = list(ocr_lines)
    return importing.build_plan(ctx.county, document), document


def _import(ctx, text: str, ocr_lines=()):
    """Parse, plan, save: the units unknown to the county created, the OCR'd lines checked."""
    importing = _importing()
    plan, document = _plan(ctx, text, ocr_lines)
    # The clerk's choice in the preview: the units the county does not have yet are new.
    new = {u.name: "new" for u in plan.undecided_units}
    if new:
        plan = importing.build_plan(ctx.county, document, unit_decisions=new)
    staff = ctx.clients["staff"].session_user
    return importing.import_apply(
        user=staff, county=ctx.county, plan=plan, today=ctx.today, ocr_checked=bool(ocr_lines)
    )


def _parse(text: str):
    return _importing().parse_document(text)


def import_seed000(ctx):
    """Import of the demo's seed document 000 (昭化区's 整改情况报告) into the bench county,
    as load_demo and the preview page do: parse, plan against the county's ledger (its units
    unknown to the county created), save. The runner rolls each run back."""
    return _import(ctx, samples.seed_text())


def import_seed000_floor(ctx):
    """The parse alone: what any import must do before it writes."""
    return _parse(samples.seed_text())


def import_doc(ctx):
    """Seed 000 uploaded as a .doc (written by LibreOffice from a .docx of its lines): read as
    an upload is (LibreOffice converts it back), then imported like import_seed000."""
    _need_office()
    return _import(ctx, _read("整改情况报告.doc", samples.doc()).text)


def import_pdf(ctx):
    """Seed 000 uploaded as a text PDF (LibreOffice's): read by pdfplumber as an upload is,
    then imported like import_seed000."""
    _need_office()
    return _import(ctx, _read("整改情况报告.pdf", samples.pdf()).text)


def import_plain_floor(ctx):
    """The parse of the same lines as plain text: the ratio is what the reading adds."""
    return _parse(samples.plain_text())


def import_ocr(ctx):
    """One scanned page (the PDF's first, drawn by poppler at 300 dpi in grey) uploaded as a
    .png: read by Tesseract (chi_sim) as an upload is, then imported with its recognised lines
    marked as checked."""
    _need_ocr()
    source = _read("整改情况报告.png", samples.scan())
    return _import(ctx, source.text, source.ocr_lines)


def import_ocr_floor(ctx):
    """The parse of that page's text as its PDF's text layer holds it."""
    _need_ocr()
    return _parse(samples.scan_text())


def import_pdf_60(ctx):
    """The preview of seed 000 laid out on 60 pages of PDF: read, parse, plan; nothing saved.
    Its time stays far below the bound an upload is given, RECTIFY_IMPORT_CONVERT_SECONDS for
    the read (the pages are read within issues.importing.limits.deadline)."""
    _need_office()
    plan, _ = _plan(ctx, _read("整改情况报告.pdf", samples.long_pdf()).text)
    return len(plan.findings)


# The targets are the goals of the performance issue (docs/performance.md, issue 18), at the
# default scale on PostgreSQL: the table's "ok" column says which are met on this machine.
CASES = [
    Case("ledger", "台账 /findings/ (county user)", ledger, floors.ledger, Target(30)),
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
        Target(60, 15),
    ),
    Case("detail", "问题详情 /findings/<pk>/", detail, floors.detail, Target(25, 10)),
    Case(
        "county_dashboard",
        "区县 /counties/<code>/",
        county_dashboard,
        floors.county_dashboard,
        Target(30),
    ),
    Case(
        "province_dashboard",
        "省 /provinces/<code>/",
        province_dashboard,
        floors.province_dashboard,
        Target(250),
    ),
    Case("nation", "全国 /nation/", nation, floors.nation, Target(150)),
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
        "nation_xlsx_ready",
        "台账 .xlsx (nation), prepared: served at once",
        nation_xlsx_ready,
        floors.prepared_file,
        Target(250),
        setup=nation_xlsx_prepare,
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
        Target(queries=50),
        writes=True,
    ),
    Case(
        "import_doc",
        "导入 seed 000 as .doc (LibreOffice)",
        import_doc,
        import_plain_floor,
        heavy=True,
        writes=True,
    ),
    Case(
        "import_pdf",
        "导入 seed 000 as text PDF (pdfplumber)",
        import_pdf,
        import_plain_floor,
        heavy=True,
        writes=True,
    ),
    Case(
        "import_ocr",
        "导入 one scanned page .png (Tesseract, 1 page only)",
        import_ocr,
        import_ocr_floor,
        heavy=True,
        writes=True,
    ),
    Case(
        "import_pdf_60",
        "预览 seed 000 as a 60-page PDF (read+parse+plan)",
        import_pdf_60,
        import_plain_floor,
        heavy=True,
    ),
]
