"""Official documents as .docx, laid out per GB/T 9704-2012, from a list of `Block`s.

Pure: no database access. Layout lives in named paragraph styles, so a user who edits the file
in Word or WPS keeps the look."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

if TYPE_CHECKING:
    from reports.documents import Block

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
CHAR = 16  # one 三号 character, in points
LINE_PITCH = 579  # twips: 225 mm / 22 lines
LATIN = "Times New Roman"

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE = "宋体"

THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _child(parent, tag: str, *, first: bool = False):
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        if first:
            parent.insert(0, element)
        else:
            parent.append(element)
    return element


def _set_fonts(rpr_parent, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts explicitly, East Asian included, and drop theme fonts that would win."""
    # python-docx elements know where rPr goes in the schema; docDefaults' rPrDefault does not.
    if hasattr(rpr_parent, "get_or_add_rPr"):
        rpr = rpr_parent.get_or_add_rPr()
    else:
        rpr = _child(rpr_parent, "w:rPr", first=True)
    fonts = rpr.get_or_add_rFonts() if hasattr(rpr, "get_or_add_rFonts") else None
    if fonts is None:
        fonts = _child(rpr, "w:rFonts", first=True)
    for attr in THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _paragraph_style(doc, name: str, *, font: str, size=SIZE_3, base: str = "Normal", **fmt):
    styles = doc.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    if name != "Normal":
        style.base_style = styles[base]
        style.quick_style = True
    style.font.size = size
    style.font.bold = fmt.pop("bold", False)
    _set_fonts(style.element, font)
    pf = style.paragraph_format
    for key, value in fmt.items():
        setattr(pf, key, value)
    return style


def _setup_styles(doc) -> None:
    # docDefaults name theme fonts; replace them so nothing falls back to Calibri/DengXian.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            _set_fonts(rpr_default, FONT_BODY)
            size = _child(rpr_default.find(qn("w:rPr")), "w:sz")
            size.set(qn("w:val"), str(int(SIZE_3.pt * 2)))
    body = dict(
        line_spacing_rule=WD_LINE_SPACING.EXACTLY,
        line_spacing=Pt(28.95),
        space_before=Pt(0),
        space_after=Pt(0),
    )
    _paragraph_style(
        doc,
        "Normal",
        font=FONT_BODY,
        first_line_indent=Pt(2 * CHAR),
        alignment=WD_ALIGN_PARAGRAPH.JUSTIFY,
        widow_control=True,
        **body,
    )
    _paragraph_style(
        doc,
        "公文标题",
        font=FONT_TITLE,
        size=SIZE_2,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        line_spacing_rule=WD_LINE_SPACING.EXACTLY,
        line_spacing=Pt(35),
        space_after=Pt(28.95),
        keep_with_next=True,
    )
    _paragraph_style(doc, "主送机关", font=FONT_BODY, first_line_indent=Pt(0))
    for level, (name, font) in enumerate(
        [("一级标题", FONT_H1), ("二级标题", FONT_H2), ("三级标题", FONT_BODY)]
    ):
        style = _paragraph_style(doc, name, font=font, keep_with_next=True)
        # Outline levels put the headings in Word's navigation pane and tables of contents.
        outline = _child(style.element.get_or_add_pPr(), "w:outlineLvl")
        outline.set(qn("w:val"), str(level))
    _paragraph_style(doc, "问题", font=FONT_BODY, keep_with_next=True)
    # 附件:… wraps under the first character after the colon.
    _paragraph_style(
        doc,
        "附件说明",
        font=FONT_BODY,
        space_before=Pt(28.95),
        left_indent=Pt(5 * CHAR),
        first_line_indent=Pt(-3 * CHAR),
    )
    _paragraph_style(
        doc,
        "发文机关署名",
        font=FONT_BODY,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.RIGHT,
        space_before=Pt(28.95),
        keep_with_next=True,
    )
    _paragraph_style(
        doc,
        "成文日期",
        font=FONT_BODY,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    _paragraph_style(doc, "附件标识", font=FONT_H1, first_line_indent=Pt(0))
    _paragraph_style(
        doc,
        "页码",
        font=FONT_PAGE,
        size=SIZE_4,
        first_line_indent=Pt(0),
        line_spacing_rule=WD_LINE_SPACING.SINGLE,
        space_before=Pt(0),
        space_after=Pt(0),
    )
    labels = doc.styles.add_style("字段名", WD_STYLE_TYPE.CHARACTER)
    labels.font.bold = True
    lead = doc.styles.add_style("段首句", WD_STYLE_TYPE.CHARACTER)
    _set_fonts(lead.element, FONT_H2)


def _setup_page(doc) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(23)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # 22 lines a page. A character grid (linesAndChars with charSpace) would also pin 28
    # characters a line, but LibreOffice and WPS then spread every character over a cell
    # and the page falls apart; 16 pt characters on a 156 mm line give 27.6 a line anyway.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))

    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _field(paragraph, instruction: str, placeholder: str) -> None:
    def fld_char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    fld_char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld_char("separate")
    paragraph.add_run(placeholder)
    fld_char("end")


def _page_number(paragraph, *, odd: bool) -> None:
    """— N — in 四号宋体: odd pages right, even pages left, one character in."""
    paragraph.style = "页码"
    fmt = paragraph.paragraph_format
    if odd:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        fmt.right_indent = SIZE_4
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt.left_indent = SIZE_4
    paragraph.add_run("— ")
    _field(paragraph, "PAGE", "1")
    paragraph.add_run(" —")


# Words a title line must not be broken inside.
KEEP_TOGETHER = (
    "人民政府",
    "电子商务",
    "进农村",
    "综合示范",
    "示范项目",
    "绩效评价",
    "发现问题",
    "反馈问题",
    "整改情况",
    "整改方案",
    "的报告",
    "的通知",
    "示范县",
    "复核",
    "评价",
    "问题",
    "情况",
    "方案",
)


def _width(text: str) -> float:
    """Width in characters: Latin letters and digits take half a CJK character."""
    return sum(0.5 if ch.isascii() else 1 for ch in text)


def _title_lines(title: str, per_line: int = 20) -> list[str]:
    """Break a long title into lines that fit, longest first (a trapezoid) and balanced, after
    the issuing organ when the title starts with one, never inside a word, number or brackets."""
    if _width(title) <= per_line:
        return [title]
    head, sep, rest = title.partition("关于")
    if sep and head and _width(head) <= per_line:
        return [head, *_title_lines(sep + rest, per_line)]
    cuts = [c for c in range(1, len(title)) if not _bad_break(title, c)]
    for n_lines in range(max(2, int(-(-_width(title) // per_line))), len(title) + 1):
        target = _width(title) / n_lines
        options = list(_splits(title, cuts, 0, n_lines, per_line))
        if options:
            return min(options, key=lambda lines: _shape_cost(lines, target))
    return [title]


def _splits(title: str, cuts: list[int], start: int, n_lines: int, per_line: int):
    """Every way to cut title[start:] into n_lines lines of at most per_line width."""
    if n_lines == 1:
        if _width(title[start:]) <= per_line:
            yield [title[start:]]
        return
    for cut in cuts:
        if cut <= start:
            continue
        line = title[start:cut]
        if _width(line) > per_line:
            break
        for rest in _splits(title, cuts, cut, n_lines - 1, per_line):
            yield [line, *rest]


def _shape_cost(lines: list[str], target: float) -> float:
    """Balanced lines, and a penalty for any line longer than the one above it."""
    widths = [_width(line) for line in lines]
    cost = sum((w - target) ** 2 for w in widths)
    return cost + sum(10 for a, b in zip(widths, widths[1:], strict=False) if b > a)


def _bad_break(text: str, cut: int) -> bool:
    before, after = text[cut - 1], text[cut]
    if before.isascii() and after.isascii() and before.isalnum() and after.isalnum():
        return True
    if after in ",，。、;；:：)）》”" or before in "(（《“":
        return True
    opened = text[:cut].count("(") + text[:cut].count("（")
    closed = text[:cut].count(")") + text[:cut].count("）")
    if opened > closed:
        return True
    for word in KEEP_TOGETHER:
        start = text.find(word, max(0, cut - len(word) + 1))
        while start != -1 and start < cut:
            if start < cut < start + len(word):
                return True
            start = text.find(word, start + 1)
    return False


PARAGRAPH_STYLES = {
    "title": "公文标题",
    "addressee": "主送机关",
    "h1": "一级标题",
    "h2": "二级标题",
    "h3": "三级标题",
    "finding": "问题",
    "attachment_note": "附件说明",
    "signature": "发文机关署名",
    "date": "成文日期",
    "attachment_label": "附件标识",
}
RUN_STYLES = ["字段名", "段首句"]


def _style_ids(doc) -> dict[str, str]:
    """Each named style's id, looked up once: python-docx resolves a style given by name or
    object by scanning every style of the document, for each paragraph."""
    return {name: doc.styles[name].style_id for name in [*PARAGRAPH_STYLES.values(), *RUN_STYLES]}


def _paragraph(doc, ids: dict[str, str], style: str | None = None, text: str = ""):
    p = doc.add_paragraph(text)
    if style:
        p._p.style = ids[style]
    return p


def _run(p, ids: dict[str, str], text: str, style: str | None = None):
    r = p.add_run(text)
    if style:
        r._r.style = ids[style]
    return r


def _add_block(doc, block: Block, ids: dict[str, str]) -> None:
    style = PARAGRAPH_STYLES.get(block.kind)
    if block.kind == "title":
        p = _paragraph(doc, ids, style)
        for i, line in enumerate(_title_lines(block.text)):
            if i:
                p.add_run().add_break(WD_BREAK.LINE)
            p.add_run(line)
    elif block.kind in ("addressee", "h1", "h2", "h3", "finding"):
        _paragraph(doc, ids, style, block.text)
    elif block.kind == "field":
        p = _paragraph(doc, ids)
        _run(p, ids, block.label_text, "字段名")
        p.add_run(block.text)
    elif block.kind == "attachment_note":
        p = _paragraph(doc, ids, style)
        p.add_run(block.label_text + block.text)
    elif block.kind in ("signature", "date"):
        p = _paragraph(doc, ids, style, block.text)
        p.paragraph_format.right_indent = Pt(block.indent_chars * CHAR)
    elif block.kind == "attachment_label":
        p = _paragraph(doc, ids, style, block.text)
        p.paragraph_format.page_break_before = block.new_page
    else:  # body
        p = _paragraph(doc, ids)
        if block.lead:
            _run(p, ids, block.lead, "段首句")
        p.add_run(block.text)


def render_docx(blocks: list[Block], *, title: str = "", author: str = "") -> bytes:
    doc = Document()
    _setup_styles(doc)
    _setup_page(doc)
    # The default template starts with one empty paragraph; write into the body after it.
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    ids = _style_ids(doc)
    for block in blocks:
        _add_block(doc, block, ids)
    props = doc.core_properties
    props.title = title
    props.author = author
    props.comments = "Rectify 整改台账"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
