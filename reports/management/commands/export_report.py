from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from issues.models import County, Finding, Province
from rectify.lib import office
from reports import documents, downloads, ledgers
from reports.exports import xlsx
from reports.models import Report

FORMATS = ["docx", "pdf", "html", "xlsx"]


class Command(BaseCommand):
    help = (
        "Write a county's 整改情况报告 / 整改方案 (docx, pdf or html) or 台账 (xlsx), or a "
        "province's 台账 (xlsx), from the ledger. Uses the county's latest report record, or a "
        "default one over all its reviews. The format is --format's, else the output file's "
        "suffix's (-o report.pdf), else docx (xlsx for a ledger). PDF needs LibreOffice."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--county", help="6-digit code of the county, e.g. 510811")
        scope.add_argument("--province", help="6-digit code of the province (ledger only)")
        parser.add_argument("--document", choices=["report", "plan", "ledger"], default="report")
        parser.add_argument("--format", choices=FORMATS, default=None)
        parser.add_argument("--report-id", type=int, help="a specific report record")
        parser.add_argument("-o", "--output", required=True, help="file to write")

    def handle(self, *args, county, province, document, format, report_id, output, **options):
        translation.activate("zh-hans")
        suffix = Path(output).suffix.lower().lstrip(".")
        fmt = format or (suffix if suffix in FORMATS else None)
        fmt = fmt or ("xlsx" if document == "ledger" else "docx")
        if document == "ledger" and fmt != "xlsx":
            raise CommandError("The ledger is written as xlsx.")
        if document != "ledger" and fmt not in ("docx", "pdf", "html"):
            raise CommandError("The report and the plan are written as docx, pdf or html.")
        today = timezone.localdate()
        if province:
            if document != "ledger":
                raise CommandError("--province works with --document ledger only.")
            content = self._province_ledger(province, today)
        else:
            try:
                place = County.objects.get(code=county)
            except County.DoesNotExist as exc:
                raise CommandError(f"No county with code {county}.") from exc
            if document == "ledger":
                findings = Finding.objects.active().filter(county=place).in_ledger_order()
                ledger = ledgers.county_ledger(
                    findings, scope=place.display_short_name, today=today
                )
                content = xlsx.as_bytes(xlsx.write_ledger, ledger)
            else:
                content = self._document(place, document, fmt, report_id)
        Path(output).write_bytes(content)
        self.stdout.write(f"Wrote {output} ({len(content):,} bytes)")

    def _report(self, county: County, report_id: int | None) -> Report:
        reports = Report.objects.filter(county=county, is_archived=False)
        if report_id:
            report = reports.filter(pk=report_id).first()
            if report is None:
                raise CommandError(f"No report {report_id} for {county.code}.")
            return report
        return reports.order_by("-date", "-id").first() or documents.default_report(county)

    def _document(self, county: County, document: str, fmt: str, report_id) -> bytes:
        report = self._report(county, report_id)
        try:
            return downloads.document_file(report, document, fmt).content
        except (downloads.NothingToReport, office.OfficeError) as refusal:
            raise CommandError(str(refusal)) from refusal

    def _province_ledger(self, code: str, today) -> bytes:
        try:
            place = Province.objects.get(code=code)
        except Province.DoesNotExist as exc:
            raise CommandError(f"No province with code {code}.") from exc
        return xlsx.as_bytes(xlsx.write_province, ledgers.province_ledger(place, today))
