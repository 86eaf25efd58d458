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

from . import documents
from .documents import Block, ReportDocument
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
