"""The 月度整改进展情况表 as Word: a landscape A4 table, per county, review and category, of
the month's changes and the running totals (reports.selectors.monthly_progress)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from rectify.lib.text import chinese_date, full_width_punctuation

from ..selectors import MonthlyRow
from . import docx as word

NUMBERS = (
    "progress",
    "closed",
    "became_overdue",
    "urged",
    "total",
    "closed_total",
    "open_total",
    "overdue_total",
)


def _headers(with_county: bool) -> list[str]:
    return [
        *([_("示范县")] if with_county else []),
        _("检查"),
        _("问题类别"),
        _("本月新增进展"),
        _("本月销号"),
        _("本月新增逾期"),
        _("本月催办"),
        _("问题总数"),
        _("累计销号"),
        _("未销号"),
        _("逾期未销号"),
    ]


# Column widths (mm) in the landscape page's 247 mm: the names wide, the numbers narrow.
COUNTY_MM, REVIEW_MM, CATEGORY_MM = 28, 50, 40


def _cell(cell, text: str, *, bold: bool = False, center: bool = True) -> None:
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = Pt(18)
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2)
    # Off the page's 22-line grid: a table line is a 小四 line, not a 三号 one.
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    p._p.get_or_add_pPr().append(snap)
    run = p.add_run(full_width_punctuation(text))
    run.font.size = Pt(12)
    run.bold = bold


def _line(doc, ids, style: str | None, text: str, *, center: bool = False):
    p = doc.add_paragraph(full_width_punctuation(text), style=ids[style] if style else None)
    p.paragraph_format.first_line_indent = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def monthly_docx(
    rows: list[MonthlyRow],
    *,
    title: str,
    unit: str,
    today: dt.date,
    with_county: bool,
) -> bytes:
    """The table; `unit` is the 填报单位, `with_county` adds the county column (province)."""
    doc = word.new_document(landscape=True)
    ids = word.style_ids(doc)
    # The month on a line of its own, so a long name never splits it.
    name, _paren, month = title.partition("（")
    heading = _line(doc, ids, "公文标题", name, center=True)
    if month:
        heading.add_run().add_break()
        heading.add_run(full_width_punctuation(f"（{month}"))
    _line(
        doc,
        ids,
        None,
        _("填报单位：%(unit)s　　　　填报日期：%(date)s")
        % {"unit": unit, "date": chinese_date(today)},
    )
    headers = _headers(with_county)
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    names = [*([COUNTY_MM] if with_county else []), REVIEW_MM, CATEGORY_MM]
    number_mm = (247 - sum(names)) / len(NUMBERS)
    widths = [Mm(w) for w in [*names, *[number_mm] * len(NUMBERS)]]
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, bold=True)
    sums = dict.fromkeys(NUMBERS, 0)
    for row in rows:
        cells = table.add_row().cells
        texts = [*([row.county] if with_county else []), row.review, row.category]
        for cell, text in zip(cells, texts, strict=False):
            _cell(cell, text, center=False)
        for cell, key in zip(cells[len(texts) :], NUMBERS, strict=True):
            value = getattr(row, key)
            sums[key] += value
            _cell(cell, str(value))
    cells = table.add_row().cells
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid, which LibreOffice and WPS follow
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    label = cells[0].merge(cells[len(headers) - len(NUMBERS) - 1])
    _cell(label, _("合计"), bold=True)
    for cell, key in zip(cells[len(headers) - len(NUMBERS) :], NUMBERS, strict=True):
        _cell(cell, str(sums[key]), bold=True)
    _line(
        doc,
        ids,
        None,
        _(
            "说明：本月新增逾期指完成时限在本月内、至月末尚未销号的问题；"
            "逾期未销号指完成时限在月末以前（含月末）、至月末尚未销号的问题。"
        ),
    )
    return word.saved(doc, title=title, author=unit)
