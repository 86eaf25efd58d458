"""The forms offices print, as .docx: the 销号申请审批表 and the 佐证材料目录.

Pure: no database access; the data comes from reports.finding_forms. The page, the fonts and
the document properties are docx.py's (new_document / saved); this module adds the table
styles and the tables. Every text goes through full_width_punctuation where it enters the
document (`_text`)."""

from __future__ import annotations

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from rectify.lib.text import full_width_punctuation

from .docx import FONT_BODY, FONT_H1, FONT_TITLE, SIZE_2, _paragraph_style, new_document, saved

SIZE_CELL = Pt(14)  # 四号
SIZE_SMALL = Pt(12)  # 小四: the evidence list's rows
TABLE_WIDTH_MM = 156

LABEL = "表格栏目"
CELL = "表格文字"
SMALL = "表格小字"
TITLE = "表格标题"


def _text(value: str) -> str:
    return full_width_punctuation(value or "")


def _styles(doc) -> None:
    cell = {
        "first_line_indent": Pt(0),
        "line_spacing_rule": WD_LINE_SPACING.EXACTLY,
        "space_before": Pt(0),
        "space_after": Pt(0),
        "spacing": 0,
        "on_grid": False,
    }
    _paragraph_style(
        doc,
        TITLE,
        font=FONT_TITLE,
        size=SIZE_2,
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        **{**cell, "line_spacing": Pt(35), "space_after": Pt(18)},
    )
    _paragraph_style(
        doc,
        LABEL,
        font=FONT_H1,
        size=SIZE_CELL,
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        **{**cell, "line_spacing": Pt(22)},
    )
    _paragraph_style(
        doc,
        CELL,
        font=FONT_BODY,
        size=SIZE_CELL,
        alignment=WD_ALIGN_PARAGRAPH.JUSTIFY,
        **{**cell, "line_spacing": Pt(22)},
    )
    _paragraph_style(
        doc,
        SMALL,
        font=FONT_BODY,
        size=SIZE_SMALL,
        alignment=WD_ALIGN_PARAGRAPH.LEFT,
        **{**cell, "line_spacing": Pt(18)},
    )


def _borders(table) -> None:
    """A bordered table: every edge and inner line a single 0.5 pt line."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "4")
        edge.set(qn("w:space"), "0")
        edge.set(qn("w:color"), "000000")
        borders.append(edge)
    tbl_pr.append(borders)


def _table(doc, rows: int, widths_mm: list[float]):
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    # LibreOffice sizes the columns from the grid, Word from the cells: both are written.
    for col, width in zip(table._tbl.tblGrid.iterchildren(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(Mm(width).twips))
    for row in table.rows:
        # A row is never split across two pages.
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return table


def _fill(cell, text: str, style: str) -> None:
    """The cell's text, one paragraph a line."""
    lines = _text(text).split("\n") or [""]
    first = cell.paragraphs[0]
    first.style = cell.part.document.styles[style]
    first.add_run(lines[0])
    for line in lines[1:]:
        p = cell.add_paragraph(line)
        p.style = first.style


def _title(doc, text: str) -> None:
    p = doc.add_paragraph(_text(text))
    p.style = doc.styles[TITLE]


def closeout_docx(form) -> bytes:
    """The 销号申请审批表 of a reports.finding_forms.CloseoutForm: a two-column table of the
    finding, then the signature and seal boxes."""
    doc = new_document()
    _styles(doc)
    _title(doc, "问题整改销号申请审批表")
    rows = form.rows()
    table = _table(doc, len(rows), [34, TABLE_WIDTH_MM - 34])
    for row, (label, value) in zip(table.rows, rows, strict=True):
        _fill(row.cells[0], label, LABEL)
        _fill(row.cells[1], value, CELL)
    # The signature and seal boxes: four boxes side by side under the table, each with room
    # to sign, kept on one page.
    boxes = _table(doc, 2, [TABLE_WIDTH_MM / 4] * 4)
    for cell, label in zip(boxes.rows[0].cells, form.signature_labels(), strict=True):
        _fill(cell, label, LABEL)
        cell.paragraphs[0].paragraph_format.keep_with_next = True
    for cell in boxes.rows[1].cells:
        _fill(cell, "", CELL)
    boxes.rows[1].height = Mm(40)
    return saved(doc, title=_text(f"销号申请审批表：{form.short}"), author=form.county)


def evidence_list_docx(listing) -> bytes:
    """The 佐证材料目录 of a reports.finding_forms.EvidenceList: 序号, 名称, 页数/大小, 上传人,
    日期 for each piece of evidence."""
    doc = new_document()
    _styles(doc)
    _title(doc, "佐证材料目录")
    if listing.subtitle:
        p = doc.add_paragraph(_text(listing.subtitle))
        p.style = doc.styles[CELL]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    widths = [12, 54, 28, 24, 38]
    table = _table(doc, len(listing.rows) + 1, widths)
    for cell, label in zip(table.rows[0].cells, listing.headers, strict=True):
        _fill(cell, label, LABEL)
    for row, item in zip(table.rows[1:], listing.rows, strict=True):
        for cell, value in zip(row.cells, item, strict=True):
            _fill(cell, value, SMALL)
    if not listing.rows:
        p = doc.add_paragraph(_text("（暂无佐证材料）"))
        p.style = doc.styles[CELL]
    return saved(doc, title=_text(f"佐证材料目录：{listing.subtitle}"), author=listing.author)
