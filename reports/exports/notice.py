"""The province's 督查通报 as an official document (GB/T 9704): a pure function of the
notice's plain data (reports.selectors.notice_document), written as the report's `Block`s
and laid out by the report's own renderer (reports/exports/docx.py render_docx), so the two
documents share every style, the 版头, the signature's placement and the 版记.

The parts the two documents have in common (版头, signature and date, 版记) come from
reports/documents.py, which reads them off any object with the report's attribute names;
`_Parts` is the notice's."""

from __future__ import annotations

import dataclasses
import datetime as dt

from rectify.lib.text import chinese_date, chinese_numeral, deadline_text, measures_text

from .. import documents
from ..documents import Block
from ..selectors import NoticeDocument
from .docx import render_docx


@dataclasses.dataclass(frozen=True)
class _Parts:
    """The notice as the common parts of a 公文 read it (documents._head, _signature,
    _record): a provincial notice is sealed, issued by its issuer and printed by it."""

    issuer: str
    date: dt.date
    issuer_mark: str = ""
    doc_number: str = ""
    printer: str = ""
    printed_on: dt.date | None = None
    sealed: bool = True
    signer: str = ""  # a 下行文 names no 签发人
    contact_note: str = ""
    copy_to: str = ""


def issuer_of(doc: NoticeDocument) -> str:
    return doc.issuer or doc.team


def title_of(doc: NoticeDocument) -> str:
    return doc.title or f"关于{doc.team}督查情况的通报"


def addressee(doc: NoticeDocument) -> str:
    """庐山市、铜鼓县、上饶县人民政府：— the counties the notice is sent to."""
    return f"{'、'.join(doc.counties)}人民政府：" if doc.counties else ""


def _period(doc: NoticeDocument) -> str:
    if doc.start_date and doc.end_date and doc.end_date != doc.start_date:
        return f"{chinese_date(doc.start_date)}至{chinese_date(doc.end_date)}，"
    return f"{chinese_date(doc.start_date)}，" if doc.start_date else ""


def _opening(doc: NoticeDocument) -> str:
    return (
        f"{_period(doc)}{doc.team}对你们的电子商务进农村综合示范工作进行了督查。"
        "现将督查发现的问题及整改要求通报如下："
    )


def _closing(doc: NoticeDocument) -> str:
    by = f"于{chinese_date(doc.report_deadline)}前" if doc.report_deadline else "及时"
    return (
        "请你们对照通报的问题，逐项制定整改措施，建立台账，逐项整改销号，"
        f"并{by}将整改情况书面报送{issuer_of(doc)}。"
    )


def _entries(doc: NoticeDocument) -> list[Block]:
    """一、 a category; （一） each of its items, with the counties it concerns when not
    all, what they must do and by when."""
    blocks: list[Block] = []
    everyone = len(doc.counties)
    category, number, item_no = None, 0, 0
    for entry in doc.entries:
        if entry.category != category:
            category, number, item_no = entry.category, number + 1, 0
            blocks.append(Block("h1", f"{chinese_numeral(number)}、{entry.category}"))
        item_no += 1
        blocks.append(Block("finding", f"（{chinese_numeral(item_no)}）{entry.description}"))
        if entry.counties and len(entry.counties) < everyone:
            blocks.append(Block("field", "、".join(entry.counties), label="涉及区县"))
        if entry.measures:
            blocks.append(Block("field", measures_text(entry.measures), label="整改要求"))
        if entry.deadline:
            blocks.append(Block("field", deadline_text(entry.deadline, False), label="完成时限"))
    return blocks


def notice_blocks(doc: NoticeDocument) -> list[Block]:
    issuer = issuer_of(doc)
    parts = _Parts(
        issuer=issuer,
        date=doc.date,
        issuer_mark=f"{doc.issuer}文件" if doc.issuer else "",
        doc_number=doc.reference_number,
        printer=issuer,
        printed_on=doc.issued_on,
    )
    blocks = [*documents._head(parts), Block("title", title_of(doc))]
    if doc.counties:
        blocks.append(Block("addressee", addressee(doc)))
    blocks.append(Block("body", _opening(doc)))
    blocks += _entries(doc)
    blocks.append(Block("body", _closing(doc)))
    return [*blocks, *documents._signature(parts), *documents._record(parts)]


def notice_docx(doc: NoticeDocument) -> bytes:
    return render_docx(notice_blocks(doc), title=title_of(doc), author=issuer_of(doc))
