"""Official documents as .docx, laid out per GB/T 9704-2012, from a list of `Block`s.

Pure: no database access. Layout lives in named paragraph styles, so a user who edits the file
in Word or WPS keeps the look."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from reports.documents import text_width

if TYPE_CHECKING:
    from reports.documents import Block

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
# 28 characters on the 156 mm (442.2 pt) line: 三号 characters drawn 0.25 pt closer than their
# 16 pt, a pitch of 15.75 pt (28 × 15.75 = 441 pt; 29 would need 456.75). A character grid
# (docGrid linesAndChars) would say the same to Word, but LibreOffice spreads every character
# over a grid cell and the page falls apart, so the pitch is written as character spacing,
# which every renderer honours, and every indent is counted in these characters.
CHAR_SPACING = -0.25  # points, on the body styles
CHAR = 16 + CHAR_SPACING  # one 三号 character's advance, in points
LINE = Pt(28.95)  # 225 mm / 22 lines
LINE_PITCH = 579  # twips: 225 mm / 22 lines
TEXT_WIDTH = Mm(156)
LEFT_MM = 28  # the left margin
LATIN = "Times New Roman"
RED = RGBColor(0xFF, 0x00, 0x00)
# 版头: the 发文机关标志's top edge 35 mm below the text block's (GB/T 9704 7.2.4), the
# 发文字号 two lines below it (7.2.5), the red line 4 mm below the 发文字号 (7.2.7).
# MARK_RISE: how far a line of exact height as high as its font draws its characters above
# the line's top, in font sizes (measured in LibreOffice: 2.5 mm at 36 pt).
MARK_SIZE = 36  # 小初, shrunk to fit a long name on one line
MARK_TOP_MM = 35
MARK_RISE = 0.2
RED_LINE = 8  # eighths of a point: 1 pt
RED_GAP = 3  # points between the 发文字号 line and its border (4 mm below the characters)
# 版记 lines (7.4.1): first and last 0.35 mm, between 0.25 mm; in eighths of a point.
THICK = 8
THIN = 6
# The page number's dash 7 mm below the text block (7.5): the footer's distance from the
# page's lower edge, measured in LibreOffice with a 四号 line.
FOOTER_MM = 25.5

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE = "宋体"

# The font table: each GB font with the substitute a PC without it should use (w:altName),
# and that substitute's PANOSE, charset (86 = GB2312) and pitch, so Word and WPS pick a font
# of the same kind when neither is installed instead of one fallback for every style.
FONTS = [
    # name, altName, panose1, family, pitch
    (FONT_TITLE, "华文中宋", "02010600040101010101", "auto", "variable"),
    ("华文中宋", "STZhongsong", "02010600040101010101", "auto", "variable"),
    (FONT_BODY, "仿宋", "02010609060101010101", "modern", "fixed"),
    ("仿宋", "FangSong", "02010609060101010101", "modern", "fixed"),
    (FONT_H2, "楷体", "02010609060101010101", "modern", "fixed"),
    ("楷体", "KaiTi", "02010609060101010101", "modern", "fixed"),
    (FONT_H1, "SimHei", "02010609060101010101", "modern", "fixed"),
    (FONT_PAGE, "SimSun", "02010600030101010101", "auto", "variable"),
]

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


def _rpr(rpr_parent):
    # python-docx elements know where rPr goes in the schema; docDefaults' rPrDefault does not.
    if hasattr(rpr_parent, "get_or_add_rPr"):
        return rpr_parent.get_or_add_rPr()
    return _child(rpr_parent, "w:rPr", first=True)


# The schema's order of the children python-docx has no API for (Word refuses a file whose
# properties come out of order).
RPR_ORDER = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint "
    "noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u "
    "effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath"
).split()
PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers "
    "pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
    "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
    "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle "
    "rPr sectPr pPrChange"
).split()
TBLPR_ORDER = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
    "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"
).split()


def _put(parent, tag: str, order: list[str], **attrs) -> OxmlElement:
    """The child `tag` of parent (made in its schema place if missing), with attrs set."""
    element = parent.find(qn(f"w:{tag}"))
    if element is None:
        element = OxmlElement(f"w:{tag}")
        later = {qn(f"w:{t}") for t in order[order.index(tag) + 1 :]}
        following = next((child for child in parent if child.tag in later), None)
        if following is None:
            parent.append(element)
        else:
            following.addprevious(element)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), str(value))
    return element


def _rpr_set(rpr, tag: str, **attrs) -> None:
    _put(rpr, tag, RPR_ORDER, **attrs)


def _set_fonts(rpr_parent, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts explicitly, East Asian included, and drop theme fonts that would win."""
    rpr = _rpr(rpr_parent)
    fonts = rpr.get_or_add_rFonts()
    for attr in THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _paragraph_style(
    doc,
    name: str,
    *,
    font: str,
    size=SIZE_3,
    base: str = "Normal",
    latin: str = LATIN,
    spacing: float = CHAR_SPACING,
    on_grid: bool = True,
    **fmt,
):
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
    if "color" in fmt:
        style.font.color.rgb = fmt.pop("color")
    _set_fonts(style.element, font, latin)
    _rpr_set(style.element.get_or_add_rPr(), "spacing", val=str(round(spacing * 20)))
    if not on_grid:
        # Lines taller than the grid's would take two grid lines each; their own exact
        # height holds instead (as Word does for exact line spacing).
        _put(style.element.get_or_add_pPr(), "snapToGrid", PPR_ORDER, val=0)
    pf = style.paragraph_format
    for key, value in fmt.items():
        setattr(pf, key, value)
    return style


def _setup_styles(doc) -> None:
    # docDefaults name theme fonts and en-US/ja-JP; replace them so nothing falls back to
    # Calibri/DengXian and the text is Chinese to spelling, fonts and line breaking.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    _set_fonts(rpr_default, FONT_BODY)
    rpr = rpr_default.find(qn("w:rPr"))
    _rpr_set(rpr, "sz", val=str(int(SIZE_3.pt * 2)))
    _rpr_set(rpr, "szCs", val=str(int(SIZE_3.pt * 2)))
    _rpr_set(rpr, "lang", val="zh-CN", eastAsia="zh-CN", bidi="ar-SA")
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), "zh-CN")
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    body = dict(
        line_spacing_rule=WD_LINE_SPACING.EXACTLY,
        line_spacing=LINE,
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
        spacing=0,
        on_grid=False,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        line_spacing_rule=WD_LINE_SPACING.EXACTLY,
        line_spacing=Pt(35),
        space_after=LINE,
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
    # Not kept with its fields: a finding longer than a page would take its heading along to
    # a page of its own (LibreOffice moves the whole chain), leaving the heading alone.
    _paragraph_style(doc, "问题", font=FONT_BODY)
    # 附件：… wraps under the first character after the colon.
    _paragraph_style(
        doc,
        "附件说明",
        font=FONT_BODY,
        space_before=LINE,
        left_indent=Pt(5 * CHAR),
        first_line_indent=Pt(-3 * CHAR),
        keep_with_next=True,  # the signature never opens a page alone
    )
    _paragraph_style(
        doc,
        "发文机关署名",
        font=FONT_BODY,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.RIGHT,
        space_before=LINE,
        keep_with_next=True,
    )
    _paragraph_style(
        doc,
        "成文日期",
        font=FONT_BODY,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.RIGHT,
        keep_with_next=True,
    )
    _paragraph_style(doc, "附注", font=FONT_BODY)
    _paragraph_style(doc, "附件标识", font=FONT_H1, first_line_indent=Pt(0))
    _paragraph_style(
        doc,
        "发文机关标志",
        font=FONT_TITLE,
        size=Pt(MARK_SIZE),
        spacing=0,
        on_grid=False,
        color=RED,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        line_spacing_rule=WD_LINE_SPACING.EXACTLY,
        line_spacing=Pt(MARK_SIZE),
        space_before=Mm(MARK_TOP_MM) + Pt(MARK_SIZE * MARK_RISE),
        keep_with_next=True,
    )
    # 发文字号 two lines below the mark; the red line 4 mm below it is its bottom border.
    number = _paragraph_style(
        doc,
        "发文字号",
        font=FONT_BODY,
        first_line_indent=Pt(0),
        alignment=WD_ALIGN_PARAGRAPH.CENTER,
        space_before=2 * LINE - Pt(MARK_SIZE * MARK_RISE),
        keep_with_next=True,
    )
    _border(number.element.get_or_add_pPr(), "bottom", size=RED_LINE, color="FF0000", space=RED_GAP)
    _paragraph_style(
        doc,
        "版记",
        font=FONT_BODY,
        size=SIZE_4,
        spacing=0,
        on_grid=False,
        first_line_indent=Pt(0),
        left_indent=SIZE_4,
        right_indent=SIZE_4,
        alignment=WD_ALIGN_PARAGRAPH.LEFT,
    )
    _paragraph_style(
        doc,
        "页码",
        font=FONT_PAGE,
        latin=FONT_PAGE,  # the digits in 宋体 too
        size=SIZE_4,
        spacing=0,
        on_grid=False,
        first_line_indent=Pt(0),
        line_spacing_rule=WD_LINE_SPACING.EXACTLY,
        line_spacing=SIZE_4,
        space_before=Pt(0),
        space_after=Pt(0),
    )
    labels = doc.styles.add_style("字段名", WD_STYLE_TYPE.CHARACTER)
    labels.font.bold = True
    lead = doc.styles.add_style("段首句", WD_STYLE_TYPE.CHARACTER)
    _set_fonts(lead.element, FONT_H2)


def _border(ppr, side: str, *, size: int, color: str = "000000", space: int = 0) -> None:
    """A paragraph border; size in eighths of a point, space in points."""
    borders = _put(ppr, "pBdr", PPR_ORDER)
    line = OxmlElement(f"w:{side}")
    for name, value in (("val", "single"), ("sz", size), ("space", space), ("color", color)):
        line.set(qn(f"w:{name}"), str(value))
    borders.append(line)


def _setup_fonts(doc) -> None:
    """The font table: the fonts the styles name, each with its substitute (see FONTS)."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for font in list(root):
        root.remove(font)
    w = root.nsmap["w"]
    for name, alt, panose, family, pitch in [
        (LATIN, "", "02020603050405020304", "roman", "variable"),
        *FONTS,
    ]:
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        if alt:
            etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}panose1", {f"{{{w}}}val": panose})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "00" if name == LATIN else "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": family})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": pitch})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup_page(doc) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(FOOTER_MM)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # 22 lines a page (the 28 characters a line are the styles' character spacing).
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


def _title_lines(title: str, per_line: int = 20) -> list[str]:
    """Break a long title into lines that fit, longest first (a trapezoid) and balanced, after
    the issuing organ when the title starts with one, never inside a word, number or brackets."""
    if text_width(title) <= per_line:
        return [title]
    head, sep, rest = title.partition("关于")
    if sep and head and text_width(head) <= per_line:
        return [head, *_title_lines(sep + rest, per_line)]
    cuts = [c for c in range(1, len(title)) if not _bad_break(title, c)]
    for n_lines in range(max(2, int(-(-text_width(title) // per_line))), len(title) + 1):
        target = text_width(title) / n_lines
        options = list(_splits(title, cuts, 0, n_lines, per_line))
        if options:
            return min(options, key=lambda lines: _shape_cost(lines, target))
    return [title]


def _splits(title: str, cuts: list[int], start: int, n_lines: int, per_line: int):
    """Every way to cut title[start:] into n_lines lines of at most per_line width."""
    if n_lines == 1:
        if text_width(title[start:]) <= per_line:
            yield [title[start:]]
        return
    for cut in cuts:
        if cut <= start:
            continue
        line = title[start:cut]
        if text_width(line) > per_line:
            break
        for rest in _splits(title, cuts, cut, n_lines - 1, per_line):
            yield [line, *rest]


def _shape_cost(lines: list[str], target: float) -> float:
    """Balanced lines, and a penalty for any line longer than the one above it."""
    widths = [text_width(line) for line in lines]
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
    "issuer_mark": "发文机关标志",
    "doc_number": "发文字号",
    "title": "公文标题",
    "addressee": "主送机关",
    "h1": "一级标题",
    "h2": "二级标题",
    "h3": "三级标题",
    "finding": "问题",
    "attachment_note": "附件说明",
    "signature": "发文机关署名",
    "date": "成文日期",
    "note": "附注",
    "attachment_label": "附件标识",
    "copy_to": "版记",
    "imprint": "版记",
}
RUN_STYLES = ["字段名", "段首句"]
RECORD = ("copy_to", "imprint")  # the 版记, laid out together at the foot of the last page


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


def _tab_stop(paragraph, position, alignment) -> None:
    paragraph.paragraph_format.tab_stops.add_tab_stop(position, alignment)


def _add_block(doc, block: Block, ids: dict[str, str], previous: Block | None) -> None:
    style = PARAGRAPH_STYLES.get(block.kind)
    if block.kind == "issuer_mark":
        p = _paragraph(doc, ids, style, block.text)
        # One line across the text width, however long the name (联合行文 included).
        size = min(MARK_SIZE, int(TEXT_WIDTH.pt / max(1, text_width(block.text))))
        if size < MARK_SIZE:
            p.runs[0].font.size = Pt(size)
    elif block.kind == "doc_number":
        p = _paragraph(doc, ids, style)
        if block.label:
            # 上行文: the number one character in on the left, 签发人 one character in on the
            # right, on one line (tab stops, so the red border still spans the text width).
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            _tab_stop(p, Pt(CHAR), WD_TAB_ALIGNMENT.LEFT)
            _tab_stop(p, TEXT_WIDTH - Pt(CHAR), WD_TAB_ALIGNMENT.RIGHT)
            p.add_run(f"\t{block.text}\t签发人：")
            name = p.add_run(block.label)
            _set_fonts(name._r, FONT_H2)
        else:
            p.add_run(block.text)
    elif block.kind == "title":
        p = _paragraph(doc, ids, style)
        if previous and previous.kind == "doc_number":
            p.paragraph_format.space_before = 2 * LINE  # two lines below the red line
        elif previous and previous.kind == "attachment_label":
            p.paragraph_format.space_before = LINE  # on the page's third line
        for i, line in enumerate(_title_lines(block.text)):
            if i:
                p.add_run().add_break(WD_BREAK.LINE)
            p.add_run(line)
    elif block.kind in ("addressee", "h1", "h2", "h3", "finding", "note"):
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
        fmt = p.paragraph_format
        if block.left_chars:
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            fmt.left_indent = Pt(block.left_chars * CHAR)
        else:
            fmt.right_indent = Pt(block.indent_chars * CHAR)
        if block.lines_before:
            fmt.space_before = block.lines_before * LINE
    elif block.kind == "attachment_label":
        p = _paragraph(doc, ids, style, block.text)
        p.paragraph_format.page_break_before = block.new_page
    else:  # body
        p = _paragraph(doc, ids)
        if block.lead:
            _run(p, ids, block.lead, "段首句")
        p.add_run(block.text)


def _add_record(doc, blocks: list[Block], ids: dict[str, str]) -> None:
    """The 版记: a table floating at the foot of the last page (its last line on the text
    block's lower edge), a thick line above and below, thin ones between (GB/T 9704 7.4.1)."""
    table = doc.add_table(rows=len(blocks), cols=1)
    tbl_pr = table._tbl.tblPr
    _put(
        tbl_pr,
        "tblpPr",
        TBLPR_ORDER,
        leftFromText=0,
        rightFromText=0,
        vertAnchor="margin",
        # From the page's edge: LibreOffice lays a table as wide as the text inline unless
        # it is placed relative to the page.
        horzAnchor="page",
        tblpX=int(Mm(LEFT_MM).twips),
        tblpYSpec="bottom",
    )
    width = TEXT_WIDTH
    _put(tbl_pr, "tblW", TBLPR_ORDER, w=int(width.twips), type="dxa")
    borders = _put(tbl_pr, "tblBorders", TBLPR_ORDER)
    for side, size in (("top", THICK), ("bottom", THICK), ("insideH", THIN)):
        _put(
            borders,
            side,
            ["top", "left", "bottom", "right", "insideH", "insideV"],
            val="single",
            sz=size,
            space=0,
            color="000000",
        )
    margins = _put(tbl_pr, "tblCellMar", TBLPR_ORDER)
    for side in ("left", "right"):
        _put(margins, side, ["top", "left", "bottom", "right"], w=0, type="dxa")
    for row, block in zip(table.rows, blocks, strict=True):
        cell = row.cells[0]
        cell.width = width
        p = cell.paragraphs[0]
        p._p.style = ids["版记"]
        if block.kind == "copy_to":
            # 抄送：… wraps under the first character after the colon.
            p.paragraph_format.left_indent = 4 * SIZE_4
            p.paragraph_format.first_line_indent = -3 * SIZE_4
            p.add_run(f"抄送：{block.text}")
        else:
            _tab_stop(p, width - SIZE_4, WD_TAB_ALIGNMENT.RIGHT)
            p.add_run(f"{block.text}\t{block.label}")
    # The table floats over the paragraph after it: the body must not end with the table.
    end = doc.add_paragraph()
    end.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    end.paragraph_format.line_spacing = Pt(1)


def _set_properties(doc, *, title: str, author: str) -> None:
    """The file's properties are the report's, not python-docx's template's (2013)."""
    now = timezone.now()
    props = doc.core_properties
    props.title = title
    props.author = author
    props.last_modified_by = author
    props.comments = "Rectify 整改台账"
    props.created = now
    props.modified = now
    props.revision = 1
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rid)
    # Word 2010's copy of the styles, with the template's languages; Word reads styles.xml.
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.rels.pop(rid)
    app = package.part_related_by(RT.EXTENDED_PROPERTIES)
    root = etree.fromstring(app.blob)
    ns = root.nsmap[None]
    for tag, value in (("Template", ""), ("Application", "Rectify"), ("Company", author)):
        element = root.find(f"{{{ns}}}{tag}")
        if element is not None:
            element.text = value
    app._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def new_document(*, landscape: bool = False):
    """An empty Word document with the GB/T 9704 styles, font table and page (A4; `landscape`
    for the forms with wide tables). Every writer of a document starts here."""
    doc = Document()
    _setup_styles(doc)
    _setup_fonts(doc)
    _setup_page(doc)
    if landscape:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(26), Mm(20)
        section.left_margin, section.right_margin = Mm(25), Mm(25)
        section.footer_distance = Mm(10)
    # The default template starts with one empty paragraph; write into the body after it.
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    return doc


def style_ids(doc) -> dict[str, str]:
    """The paragraph and run styles' ids by their names (for writers of other documents)."""
    return _style_ids(doc)


def saved(doc, *, title: str, author: str) -> bytes:
    """The document's bytes, with its properties (title, author, created/modified now)."""
    _set_properties(doc, title=title, author=author)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_docx(blocks: list[Block], *, title: str = "", author: str = "") -> bytes:
    doc = new_document()
    ids = _style_ids(doc)
    previous = None
    for block in blocks:
        if block.kind not in RECORD:
            _add_block(doc, block, ids, previous)
            previous = block
    record = [b for b in blocks if b.kind in RECORD]
    if record:
        _add_record(doc, record, ids)
    return saved(doc, title=title, author=author)
