import datetime as dt
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from issues.models import County, Evidence, Finding, Province, Review
from rectify.lib import office
from reports import documents, downloads, finding_forms, ledgers, selectors
from reports.exports import xlsx
from reports.forms import monthly_form
from reports.models import Report

FORMATS = ["docx", "pdf", "html", "xlsx", "zip"]
# What each document is written as; the first is the default.
DOCUMENT_FORMATS = {
    "report": ["docx", "pdf", "html"],
    "plan": ["docx", "pdf", "html"],
    "ledger": ["xlsx"],
    "closeout": ["docx", "pdf"],
    "evidence-list": ["docx", "pdf"],
    "evidence": ["zip"],
    "monthly": ["docx", "pdf"],
    "notice": ["docx", "pdf"],
}


class Command(BaseCommand):
    help = (
        "Write a county's documents from the ledger: the 整改情况报告 / 整改方案 (report, plan: "
        "docx, pdf or html), the 台账 (ledger: xlsx; also a province's), the 月度整改进展情况表 "
        "(monthly: docx or pdf, --month YYYY-MM, last month by default; also a province's), "
        "the 佐证材料目录 (evidence-list: docx or pdf) and the evidence ZIP with its 目录 "
        "(evidence) of a report or of one finding (--finding ID), and a finding's 销号申请审批表 "
        "(closeout --finding ID: docx or pdf), and a province's 督查通报 (notice --notice ID). "
        "Reports use the county's latest report record, "
        "or a default one over all its reviews. The format is --format's, else the output "
        "file's suffix's (-o report.pdf), else the document's first. PDF needs LibreOffice."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--county", help="6-digit code of the county, e.g. 510811")
        scope.add_argument("--province", help="6-digit code of the province (ledger, monthly)")
        scope.add_argument("--finding", type=int, help="a finding's id (closeout, evidence)")
        scope.add_argument("--notice", type=int, help="a provincial notice's id (notice)")
        parser.add_argument("--document", choices=list(DOCUMENT_FORMATS), default="report")
        parser.add_argument("--format", choices=FORMATS, default=None)
        parser.add_argument("--report-id", type=int, help="a specific report record")
        parser.add_argument("--month", help="the monthly table's month, YYYY-MM")
        parser.add_argument("-o", "--output", required=True, help="file to write")

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        document, output = options["document"], options["output"]
        allowed = DOCUMENT_FORMATS[document]
        suffix = Path(output).suffix.lower().lstrip(".")
        fmt = options["format"] or (suffix if suffix in allowed else allowed[0])
        if fmt not in allowed:
            names = ", ".join(allowed[:-1]) + " or " * (len(allowed) > 1) + allowed[-1]
            raise CommandError(f"The {document} is written as {names}.")
        try:
            content = self._content(document, fmt, options)
        except (downloads.NothingToReport, office.OfficeError) as refusal:
            raise CommandError(str(refusal)) from refusal
        if isinstance(content, bytes):
            Path(output).write_bytes(content)
            size = len(content)
        else:  # a spooled archive
            with content, open(output, "wb") as out:
                shutil.copyfileobj(content, out)
            size = Path(output).stat().st_size
        self.stdout.write(f"Wrote {output} ({size:,} bytes)")

    def _content(self, document: str, fmt: str, options: dict):
        today = timezone.localdate()
        if options["notice"] is not None:
            if document != "notice":
                raise CommandError("--notice works with --document notice.")
            review = Review.objects.filter(pk=options["notice"], province__isnull=False).first()
            if review is None:
                raise CommandError(f"No notice {options['notice']}.")
            doc = selectors.notice_document(review, today)
            if not doc.entries:
                raise CommandError(f"Notice {review.pk} has no items yet.")
            return downloads.notice_file(doc, fmt).content
        if document == "notice":
            raise CommandError("The 督查通报 is a province's: give --notice ID.")
        if options["finding"] is not None:
            return self._finding_document(options["finding"], document, fmt)
        if options["province"]:
            province = self._province(options["province"])
            if document == "ledger":
                return xlsx.as_bytes(xlsx.write_province, ledgers.province_ledger(province, today))
            if document == "monthly":
                findings = Finding.objects.active().filter(county__province=province)
                return self._monthly(findings, province.name, province.name, options, fmt)
            raise CommandError("--province works with --document ledger or monthly.")
        county = self._county(options["county"])
        if document == "ledger":
            findings = Finding.objects.active().filter(county=county).in_ledger_order()
            ledger = ledgers.county_ledger(findings, scope=county.display_short_name, today=today)
            return xlsx.as_bytes(xlsx.write_ledger, ledger)
        if document == "monthly":
            findings = Finding.objects.active().filter(county=county)
            return self._monthly(findings, county.display_short_name, county.name, options, fmt)
        if document == "closeout":
            raise CommandError("The 销号申请审批表 is a finding's: give --finding ID.")
        report = self._report(county, options["report_id"])
        if document in ("evidence-list", "evidence"):
            pieces, listing = finding_forms.report_listing(Evidence.objects.all(), report)
            if document == "evidence":
                return finding_forms.evidence_zip(pieces, listing)
            name = downloads.report_evidence_name(report, "目录")
            return downloads.evidence_list_file(listing, name, fmt).content
        return downloads.document_file(report, document, fmt).content

    def _finding_document(self, pk: int, document: str, fmt: str):
        finding = (
            Finding.objects.active()
            .select_related("county", "review", "category")
            .filter(pk=pk)
            .first()
        )
        if finding is None:
            raise CommandError(f"No finding {pk} (or it is archived).")
        if document == "closeout":
            return downloads.closeout_file(finding, fmt).content
        if document in ("evidence-list", "evidence"):
            pieces, listing = finding_forms.finding_listing(Evidence.objects.all(), finding)
            if document == "evidence":
                return finding_forms.evidence_zip(pieces, listing)
            name = downloads.finding_evidence_name(finding, "目录")
            return downloads.evidence_list_file(listing, name, fmt).content
        raise CommandError("--finding works with --document closeout, evidence-list or evidence.")

    def _monthly(self, findings, scope_name: str, unit: str, options: dict, fmt: str) -> bytes:
        """The 月度整改进展情况表: a province's (`--province`) has a row per county too."""
        return downloads.monthly_file(
            findings,
            self._month(options["month"]),
            scope_name=scope_name,
            unit=unit,
            today=timezone.localdate(),
            fmt=fmt,
            province=bool(options["province"]),
        ).content

    def _month(self, value: str | None) -> dt.date:
        form = monthly_form({"month": value} if value else {})
        if not form.is_valid():
            raise CommandError(" ".join(form.errors["month"]))
        return form.cleaned_data["month"]

    def _county(self, code: str) -> County:
        try:
            return County.objects.get(code=code)
        except County.DoesNotExist as exc:
            raise CommandError(f"No county with code {code}.") from exc

    def _province(self, code: str) -> Province:
        try:
            return Province.objects.get(code=code)
        except Province.DoesNotExist as exc:
            raise CommandError(f"No province with code {code}.") from exc

    def _report(self, county: County, report_id: int | None) -> Report:
        reports = Report.objects.filter(county=county, is_archived=False)
        if report_id:
            report = reports.filter(pk=report_id).first()
            if report is None:
                raise CommandError(f"No report {report_id} for {county.code}.")
            return report
        return reports.order_by("-date", "-id").first() or documents.default_report(county)
