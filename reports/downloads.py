"""A report record's documents as files: which documents there are, the formats each is
written in, their file names, and the refusal when there is nothing to report. The report
page's downloads and `manage.py export_report` both come here.

Every Word document is also offered as PDF, converted by LibreOffice (rectify.lib.office):
a new document (a form) is a Word writer plus one `as_format(docx, fmt)` call."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from rectify.lib import office

from . import documents, finding_forms, selectors
from .documents import Block, ReportDocument
from .exports import forms as form_writer
from .exports import monthly, notice
from .exports.docx import render_docx
from .models import Report

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str  # the file name's words: 昭化区整改情况报告-2019-09-10.docx
    blocks: Callable[[ReportDocument], list[Block]]


DOCUMENTS = {
    "report": Kind("整改情况报告", documents.report_blocks),
    "plan": Kind("整改方案", documents.plan_blocks),
}


@dataclasses.dataclass(frozen=True)
class File:
    content: bytes
    filename: str
    content_type: str


class NothingToReport(Exception):
    """The report's reviews hold no finding of the county: an empty document is refused."""


def nothing_to_report(doc: ReportDocument) -> str:
    """Why the documents are not offered, or "" when there is something to report."""
    if doc.total:
        return ""
    return _(
        "本报告所选的检查中，%(county)s没有任何问题，无需生成整改情况报告和整改方案。"
        "如有问题尚未录入，请先在台账中录入或导入。"
    ) % {"county": doc.county_name}


def as_format(docx: bytes, fmt: str) -> bytes:
    """A Word document in `fmt` ("docx" or "pdf"); raises office.OfficeError."""
    if fmt == "pdf":
        return office.convert(docx, suffix=".docx", to="pdf")
    return docx


def document_file(
    report: Report, document: str, fmt: str, doc: ReportDocument | None = None
) -> File:
    """The report's `document` ("report": the report with its attached plan; "plan") as a
    file in `fmt` (docx, pdf, html). Raises NothingToReport, or office.OfficeError for a PDF
    LibreOffice could not make."""
    kind = DOCUMENTS[document]
    doc = doc or documents.report_document(report)
    refusal = nothing_to_report(doc)
    if refusal:
        raise NothingToReport(refusal)
    blocks = kind.blocks(doc)
    if fmt == "html":
        html = render_to_string("reports/document_print.html", {"doc": doc, "blocks": blocks})
        content = html.encode("utf-8")
    else:
        content = as_format(render_docx(blocks, title=doc.title, author=doc.issuer), fmt)
    filename = f"{report.county.display_short_name}{kind.name}-{report.date:%Y-%m-%d}.{fmt}"
    return File(content, filename, CONTENT_TYPES[fmt])


# --- The forms (issue 15 item 6): the same files for the pages and for export_report --------


def closeout_file(finding, fmt: str) -> File:
    """The finding's 销号申请审批表 as Word or PDF (office.OfficeError for a failed PDF)."""
    content = as_format(finding_forms.closeout_docx(finding), fmt)
    return File(content, f"销号申请审批表-{finding.pk}.{fmt}", CONTENT_TYPES[fmt])


def finding_evidence_name(finding, what: str = "") -> str:
    """佐证材料-12 (the ZIP) or 佐证材料目录-12 (`what`="目录"), without the suffix."""
    return f"佐证材料{what}-{finding.pk}"


def report_evidence_name(report: Report, what: str = "") -> str:
    """昭化区佐证材料-2019-09-10 (the ZIP) or 昭化区佐证材料目录-2019-09-10."""
    return f"{report.county.display_short_name}佐证材料{what}-{report.date:%Y-%m-%d}"


def evidence_list_file(listing: finding_forms.EvidenceList, name: str, fmt: str = "docx") -> File:
    """A 佐证材料目录 (of a finding or of a report) as Word or PDF, named `name`.fmt."""
    content = as_format(form_writer.evidence_list_docx(listing), fmt)
    return File(content, f"{name}.{fmt}", CONTENT_TYPES[fmt])


def monthly_file(
    findings, month, *, scope_name: str, unit: str, today, fmt: str, province: bool
) -> File:
    """The 月度整改进展情况表 of `findings` for `month` (a county's: by review and category;
    a province's, `province=True`: by county too), as Word or PDF."""
    rows = selectors.monthly_progress(findings, month)
    title = _("%(scope)s电子商务进农村综合示范问题整改月度进展情况表（%(year)d年%(month)d月）") % {
        "scope": scope_name,
        "year": month.year,
        "month": month.month,
    }
    content = monthly.monthly_docx(rows, title=title, unit=unit, today=today, with_county=province)
    return File(as_format(content, fmt), f"{title}.{fmt}", CONTENT_TYPES[fmt])


def notice_file(doc, fmt: str) -> File:
    """A provincial 督查通报 (selectors.notice_document) as Word or PDF."""
    content = as_format(notice.notice_docx(doc), fmt)
    name = doc.reference_number or notice.title_of(doc)
    return File(content, f"督查通报-{name}.{fmt}", CONTENT_TYPES[fmt])
