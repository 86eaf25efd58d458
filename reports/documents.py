"""The data of a county's 整改情况报告 and 整改方案, gathered once with a fixed number of
queries; the HTML, .docx and .xlsx outputs are pure functions of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from issues import columns
from issues.columns import FindingRow
from issues.models import County, Finding, Review, Timing
from issues.reviews import review_labels
from rectify.lib.text import chinese_numeral, full_width_punctuation

from . import selectors
from .models import Report


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").splitlines() if p.strip()]


def text_width(text: str) -> float:
    """Width in characters: Latin letters and digits take half a CJK character."""
    return sum(0.5 if ch.isascii() else 1 for ch in text)


def date_text(date: dt.date) -> str:
    """2019年9月10日: Arabic numerals, the full year, no leading zeros (GB/T 9704 7.3.5.4)."""
    return f"{date.year}年{date.month}月{date.day}日"


@dataclasses.dataclass
class DocCategory:
    number: int
    name: str
    findings: list[FindingRow]  # each numbered within the category


@dataclasses.dataclass
class DocReview:
    number: int
    team: str
    categories: list[DocCategory]

    @property
    def numeral(self) -> str:
        return chinese_numeral(self.number)

    @property
    def findings(self) -> list[FindingRow]:
        return [f for c in self.categories for f in c.findings]

    @property
    def total(self) -> int:
        return len(self.findings)

    @property
    def closed(self) -> int:
        return sum(f.is_closed for f in self.findings)

    @property
    def open(self) -> int:
        return self.total - self.closed

    def timed(self, timing: str) -> int:
        return sum(f.is_closed and f.timing == timing for f in self.findings)

    @property
    def timing_clause(self) -> str:
        """（其中按期销号X个、延期后销号Y个、逾期销号Z个）, only when some were not on time."""
        extended, late = self.timed(Timing.EXTENDED), self.timed(Timing.LATE)
        if not extended and not late:
            return ""
        return (
            f"（其中按期销号{self.timed(Timing.ON_TIME)}个、"
            f"延期后销号{extended}个、逾期销号{late}个）"
        )

    @property
    def report_heading(self) -> str:
        return f"（{self.numeral}）{self.team}发现问题及整改情况"

    @property
    def plan_heading(self) -> str:
        return f"（{self.numeral}）{self.team}发现问题及整改措施"

    @property
    def summary_clause(self) -> str:
        if self.total and not self.open:
            return f"{self.team}发现问题{self.total}个，已全部销号{self.timing_clause}"
        return (
            f"{self.team}发现问题{self.total}个，已销号问题{self.closed}个{self.timing_clause}，"
            f"{self.open}个问题正在加紧整改"
        )


@dataclasses.dataclass
class ReportDocument:
    county_name: str
    issuer: str
    addressee: str
    title: str
    date: dt.date
    opening: list[str]
    work_done: list[str]
    leadership_heading: str
    leadership: list[str]
    next_steps: list[str]
    plan_title: str
    plan_intro: list[str]
    plan_goals: list[str]
    plan_safeguards: list[str]
    reviews: list[DocReview]
    sealed: bool = False
    issuer_mark: str = ""
    doc_number: str = ""
    signer: str = ""
    contact_note: str = ""
    copy_to: str = ""
    printer: str = ""
    printed_on: dt.date | None = None

    @property
    def summary(self) -> str:
        """截至目前，商务部复核组发现问题15个，已销号问题8个，7个问题正在加紧整改；…。
        (As the report page shows it: the teams' names may be typed half-width.)"""
        if not self.reviews:
            return ""
        clauses = "；".join(r.summary_clause for r in self.reviews)
        return full_width_punctuation(f"截至目前，{clauses}。")

    @property
    def leadership_with_summary(self) -> list[str]:
        """The summary sentence closes the section's last paragraph, as in the county's report."""
        body = list(self.leadership)
        if self.summary:
            if body:
                body[-1] = body[-1] + self.summary
            else:
                body.append(self.summary)
        return body

    @property
    def total(self) -> int:
        return sum(r.total for r in self.reviews)


def default_title(county: County) -> str:
    project = county.projects.order_by("-year").first()
    subject = project.name if project else f"{county.display_short_name}电子商务进农村综合示范项目"
    issuer = county.government or f"{county.name}人民政府"
    return f"{issuer}关于{subject}绩效评价发现问题整改情况的报告"


def default_report(county: County, date: dt.date | None = None) -> Report:
    """An unsaved report over all the county's reviews, for when staff have not written one."""
    report = Report(
        county=county,
        issuer=county.government or f"{county.name}人民政府",
        title=default_title(county),
        plan_title=f"{county.display_short_name}电子商务进农村综合示范项目反馈问题整改方案",
    )
    if date:
        report.date = date
    return report


def _reviews_of(report: Report) -> list[Review]:
    if report.pk:
        links = report.review_links.select_related("review").order_by("order", "id")
        reviews = [link.review for link in links]
        if reviews:
            return reviews
    return list(Review.objects.filter(counties=report.county).order_by("start_date", "id"))


def report_document(report: Report) -> ReportDocument:
    """Everything the two documents show; four queries whatever the number of findings. A
    finding counts as closed if it was closed by the report's date."""
    reviews = _reviews_of(report)
    # Two reviews of the same team are told apart by their date: 省督查组（2017年7月）.
    names = review_labels(reviews)
    findings = (
        Finding.objects.active()
        .filter(county=report.county_id, review__in=reviews)
        .order_by("review_id", "category__order", "category_id", "order", "id")
    )
    rows = selectors.ledger_rows(
        findings,
        report.date,
        as_of=report.date,
        review_names={(report.county_id, pk): name for pk, name in names.items()},
    )
    by_review: dict[int, dict[int, list[FindingRow]]] = {}
    for row in rows:
        by_review.setdefault(row.review_id, {}).setdefault(row.category_id, []).append(row)

    doc_reviews = []
    for review in reviews:
        by_category = by_review.get(review.pk, {})
        if not by_category:
            continue  # a review with nothing for this county has no place in its report
        doc_categories = []
        for cat_no, items in enumerate(by_category.values(), start=1):
            for no, row in enumerate(items, start=1):
                row.number = no
            doc_categories.append(DocCategory(cat_no, items[0].category, items))
        doc_reviews.append(DocReview(len(doc_reviews) + 1, names[review.pk], doc_categories))

    return ReportDocument(
        county_name=report.county.display_short_name,
        issuer=report.issuer,
        addressee=report.addressee,
        # Also the file's title property and the print view's <title>, not only a Block.
        title=full_width_punctuation(report.title),
        date=report.date,
        opening=paragraphs(report.opening),
        work_done=paragraphs(report.work_done),
        leadership_heading=report.leadership_heading,
        leadership=paragraphs(report.leadership),
        next_steps=paragraphs(report.next_steps),
        plan_title=full_width_punctuation(report.plan_title) or "整改方案",
        plan_intro=paragraphs(report.plan_intro),
        plan_goals=paragraphs(report.plan_goals),
        plan_safeguards=paragraphs(report.plan_safeguards),
        reviews=doc_reviews,
        sealed=report.sealed,
        issuer_mark=report.issuer_mark.strip(),
        doc_number=report.doc_number.strip(),
        signer=report.signer.strip(),
        contact_note=report.contact_note.strip(),
        copy_to=report.copy_to.strip(),
        printer=report.printer.strip(),
        printed_on=report.printed_on,
    )


LEVEL2 = re.compile(r"^([((][一二三四五六七八九十]+[))][^。]*。)(.*)$", re.S)


def split_lead_sentence(paragraph: str) -> tuple[str, str]:
    """'（一）加强组织领导。建立…' → ('（一）加强组织领导。', '建立…'); ('', p) otherwise."""
    match = LEVEL2.match(paragraph)
    return (match.group(1), match.group(2)) if match else ("", paragraph)


@dataclasses.dataclass(frozen=True)
class Block:
    """One paragraph of an official document, as the HTML and Word outputs both lay it out.
    What goes into a document goes through here: its text, label and lead sentence are
    written with full-width punctuation, whether Rectify generated them or a user typed
    them (the records keep what was typed).

    kind: issuer_mark | doc_number | title | addressee | body | h1 | h2 | h3 | finding |
    field | attachment_note | signature | date | note | attachment_label | copy_to | imprint"""

    kind: str
    text: str
    label: str = ""
    lead: str = ""
    new_page: bool = False
    indent_chars: float = 0  # signature/date: characters left blank on the right
    left_chars: float = 0  # date: characters left blank on the left (then aligned left)
    lines_before: int = 0  # signature: blank lines above it, when not the one of its style

    def __post_init__(self):
        for name in ("text", "label", "lead"):
            object.__setattr__(self, name, full_width_punctuation(getattr(self, name)))

    @property
    def label_text(self) -> str:
        """The label as written before the text: 整改措施：, 附件："""
        return f"{self.label}：" if self.label else ""


def _narrative(text_paragraphs: list[str]) -> list[Block]:
    blocks = []
    for p in text_paragraphs:
        lead, rest = split_lead_sentence(p)
        blocks.append(Block("body", rest, lead=lead))
    return blocks


def _sections(parts: list[tuple[str, list[Block]]]) -> list[Block]:
    """Number the top-level sections 一、二、… in the order they appear, skipping empty ones."""
    blocks: list[Block] = []
    number = 0
    for heading, body in parts:
        if not body:
            continue
        number += 1
        blocks.append(Block("h1", f"{chinese_numeral(number)}、{heading}"))
        blocks.extend(body)
    return blocks


def _findings(doc: ReportDocument, *, plan: bool) -> list[Block]:
    """Each finding, numbered in its category, with the columns the report (or the plan)
    writes under it, labelled."""
    shown = columns.plan_columns() if plan else columns.report_columns()
    blocks: list[Block] = []
    for review in doc.reviews:
        blocks.append(Block("h2", review.plan_heading if plan else review.report_heading))
        for category in review.categories:
            blocks.append(Block("h3", f"{category.number}.{category.name}"))
            for f in category.findings:
                blocks.append(Block("finding", f"（{f.number}）{f.description}"))
                for column in shown:
                    text = column.text(f)
                    if text:
                        blocks.append(Block("field", text, label=column.document_label(plan=plan)))
    return blocks


LINE_CHARS = 28  # characters a line (GB/T 9704 5.2.3)


def _signature(doc: ReportDocument) -> list[Block]:
    """The issuing body's name and the date, per GB/T 9704 7.3.5.

    Unsealed (7.3.5.2): one blank line below the text, the name two characters in from the
    right; the date on the next line, its first character two characters right of the name's
    (a left indent, so it holds whatever the digits' font); a date longer than the name sits
    two characters in from the right and the name moves left to keep the two characters.
    Sealed (7.3.5.1): the date four characters in from the right, the name centred over it,
    two blank lines above for the seal, which covers both and reaches up to the text."""
    date = date_text(doc.date)
    name, width = text_width(doc.issuer), text_width(date)
    if doc.sealed:
        return [
            Block(
                "signature", doc.issuer, indent_chars=max(0, 4 + (width - name) / 2), lines_before=2
            ),
            Block("date", date, indent_chars=4),
        ]
    if width > name:
        return [
            Block("signature", doc.issuer, indent_chars=2 + width - name + 2),
            Block("date", date, indent_chars=2),
        ]
    return [
        Block("signature", doc.issuer, indent_chars=2),
        Block("date", date, left_chars=max(0, LINE_CHARS - name)),
    ]


def _head(doc: ReportDocument) -> list[Block]:
    """The 版头 (GB/T 9704 7.2), when the report has one: the 发文机关标志 and the 发文字号,
    with the 签发人 on the same line for a report to a higher authority."""
    blocks = []
    if doc.issuer_mark:
        blocks.append(Block("issuer_mark", doc.issuer_mark))
    if doc.doc_number:
        blocks.append(Block("doc_number", doc.doc_number, label=doc.signer))
    return blocks


def _note(doc: ReportDocument) -> list[Block]:
    """The 附注 (7.3.6) in full-width parentheses, the line below the date."""
    if not doc.contact_note:
        return []
    return [Block("note", f"（{doc.contact_note.strip('()（）')}）")]


def _record(doc: ReportDocument) -> list[Block]:
    """The 版记 (7.4): 抄送 and 印发机关 with 印发日期, at the foot of the last page."""
    blocks = []
    if doc.copy_to:
        copy_to = doc.copy_to.rstrip("。.，,；;")
        blocks.append(Block("copy_to", f"{copy_to}。"))
    if doc.printer and doc.printed_on:
        blocks.append(Block("imprint", doc.printer, label=f"{date_text(doc.printed_on)}印发"))
    return blocks


def plan_body_blocks(doc: ReportDocument) -> list[Block]:
    return _narrative(doc.plan_intro) + _sections(
        [
            ("工作目标", _narrative(doc.plan_goals)),
            ("整改内容及措施", _findings(doc, plan=True)),
            ("组织保障", _narrative(doc.plan_safeguards)),
        ]
    )


def report_blocks(doc: ReportDocument, *, with_plan: bool = True) -> list[Block]:
    blocks = [*_head(doc), Block("title", doc.title)]
    if doc.addressee:
        blocks.append(Block("addressee", f"{doc.addressee}："))
    blocks += _narrative(doc.opening)
    blocks += _sections(
        [
            ("工作开展情况", _narrative(doc.work_done)),
            (doc.leadership_heading, _narrative(doc.leadership_with_summary)),
            ("问题整改情况", _findings(doc, plan=False)),
            ("下一步安排", _narrative(doc.next_steps)),
        ]
    )
    if with_plan:
        blocks.append(Block("attachment_note", doc.plan_title, label="附件"))
    blocks += _signature(doc)
    blocks += _note(doc)
    if with_plan:
        blocks.append(Block("attachment_label", "附件", new_page=True))
        blocks.append(Block("title", doc.plan_title))
        blocks += plan_body_blocks(doc)
    return blocks + _record(doc)


def plan_blocks(doc: ReportDocument) -> list[Block]:
    return [Block("title", doc.plan_title), *plan_body_blocks(doc)]
