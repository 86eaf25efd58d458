"""A whole document read: its lines cleaned, its title and date, the report and the plan
attached to it each built and filled in, and the two merged."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .. import limits
from ..cleaning import is_furniture, is_separator, prepare, structural
from ..deadlines import year_in
from .builder import Builder
from .fill import fill_findings
from .heading import (
    closing_deadline,
    document_date,
    document_title,
    mark_furniture,
    review_identity,
)
from .merge import merge_plan
from .parsed import Line, Note, ParsedDocument, ParsedReview
from .tokens import Token, tokenize

ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[::]?\s*$")


def parse_document(text: str, *, default_kind: str = "") -> ParsedDocument:
    """Everything the text says about reviews, categories and findings, the lines it could not
    place, and (for a report with its plan) where the two disagree. Refused past the import
    limits on text and time (issues.importing.limits)."""
    with limits.deadline():
        return _parse_document(limits.check_text(_("导入的文字"), text), default_kind)


def _parse_document(text: str, default_kind: str) -> ParsedDocument:
    raw = prepare(text)
    lines = [Line(no, t) for no, t in enumerate(raw, start=1) if t and not is_separator(t)]
    lines = [ln for ln in lines if not is_furniture(ln.text)]
    doc = ParsedDocument(title=document_title([ln.text for ln in lines]))
    report_lines, plan_lines = _segments(lines)
    date = document_date([ln.text for ln in report_lines])
    doc.date = date.isoformat() if date else None
    year = (date.year if date else None) or year_in(doc.title) or _first_year(lines)
    doc.identity = review_identity(raw, year=year)
    report, unplaced = _parse_part(report_lines, default_kind, year, doc, doc.title)
    plan, plan_unplaced = (
        _parse_part(plan_lines, default_kind, year, doc, "") if plan_lines else ([], [])
    )
    if report and plan:
        doc.reviews = merge_plan(report, plan, doc.disagreements)
        doc.unplaced = unplaced + plan_unplaced
        doc.kind = "report+plan"
    else:
        doc.reviews = report or plan
        doc.unplaced = unplaced + plan_unplaced
        doc.kind = _kind_of(doc.reviews)
    _name_unnamed_categories(doc)
    return doc


def _parse_part(
    lines: list[Line], default_kind: str, year: int | None, doc: ParsedDocument, title: str
) -> tuple[list[ParsedReview], list[Note]]:
    tokens = tokenize(lines)
    mark_furniture(tokens, title)
    _keep_closing(doc, tokens, year)
    builder = Builder(tokens, default_kind)
    reviews = builder.run()
    reviews = [r for r in reviews if r.findings]
    for r in reviews:
        r.categories = [c for c in r.categories if c.findings]
    fill_findings(builder, reviews, year, doc.errors)
    return reviews, builder.unplaced


def _keep_closing(doc: ParsedDocument, tokens: list[Token], year: int | None) -> None:
    """The first closing instruction with a date (请于…前…报送) gives the findings' default
    deadline."""
    for tok in tokens:
        if tok.kind == "furniture" and tok.field == "closing" and not doc.closing_deadline:
            day = closing_deadline(tok.text, year=year)
            if day:
                doc.closing_deadline, doc.closing_text = day.isoformat(), tok.text


def _segments(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """The report and its attachment, split at a line that is only 附件: (or 附件1)."""
    for i, line in enumerate(lines):
        if ATTACHMENT.match(structural(line.text)) and i > 0:
            return lines[:i], lines[i + 1 :]
    return lines, []


def _first_year(lines: list[Line]) -> int | None:
    for line in lines[:40]:
        y = year_in(line.text)
        if y:
            return y
    return None


def _kind_of(reviews: list[ParsedReview]) -> str:
    findings = [f for r in reviews for f in r.findings]
    if not findings:
        return ""
    if any(f.result or f.closeout for f in findings):
        return "report"
    if any(f.measures or f.units or f.deadline_text for f in findings):
        return "plan"
    return "feedback"


def _name_unnamed_categories(doc: ParsedDocument) -> None:
    for review in doc.reviews:
        for category in review.categories:
            if not category.name:
                category.name = _("未分类问题")
