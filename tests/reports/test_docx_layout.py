"""The 整改情况报告 as a reader sees it: rendered by LibreOffice to PDF and measured with
pdfplumber against GB/T 9704 (28 characters × 22 lines, the signature and date, the page
number, the attachment, the 版头 and 版记); and the .docx's fonts, language and properties.

Four documents are rendered once for the module, in one LibreOffice run: the demo report as
seeded (no 版头 or 版记), the same with every 版头/版记 field filled (上行文, with 签发人),
sealed, and with 3,000-character findings."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import io
import re
import subprocess
import zipfile

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from lxml import etree

from issues.models import Finding
from reports import documents
from reports.exports.docx import render_docx
from reports.models import Report
from tests.conftest import PASSWORD
from tests.reports.test_report_docx import require_tool

pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # points per millimetre
TOP, BOTTOM, LEFT, RIGHT = 37, 262, 28, 184  # the text block, in mm from the page's corner
PITCH = 156 / 28  # one character, mm
LINE = 225 / 22  # one line, mm
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ISSUER = "广元市昭化区人民政府"
FULL = dict(
    issuer_mark="广元市昭化区人民政府文件",
    doc_number="昭府〔2019〕45号",
    signer="王小明",
    contact_note="联系人：王蓉，电话：0839-8721234",
    copy_to="市商务局，市财政局，区委办公室",
    printer="广元市昭化区人民政府办公室",
    printed_on=dt.date(2019, 9, 10),
)


@dataclasses.dataclass
class Line:
    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def top(self) -> float:
        return min(c["top"] for c in self.chars) / MM

    @property
    def bottom(self) -> float:
        return max(c["bottom"] for c in self.chars) / MM

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"] / MM

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"] / MM


@dataclasses.dataclass
class Rendered:
    docx: bytes
    blocks: list
    pdf: object  # pdfplumber.PDF

    def lines(self, number: int, *, inside: bool = True) -> list[Line]:
        """The text lines of a page (1-based; -1 the last), top to bottom; by default only
        those in the text block (not the page number)."""
        page = self.pdf.pages[number - 1 if number > 0 else number]
        rows = collections.defaultdict(list)
        for c in page.chars:
            if c["text"].strip() and (not inside or c["top"] / MM < BOTTOM):
                rows[round(c["top"])].append(c)
        return [Line(sorted(rows[top], key=lambda c: c["x0"])) for top in sorted(rows)]

    def find(self, text: str) -> tuple[int, Line]:
        for number in range(1, len(self.pdf.pages) + 1):
            for line in self.lines(number):
                if line.text == text:
                    return number, line
        raise AssertionError(f"{text!r} not on any page")


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Rendered]:
    soffice = require_tool("soffice", "libreoffice")
    pdfplumber = pytest.importorskip("pdfplumber")
    out = tmp_path_factory.mktemp("layout")
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
        report = Report.objects.select_related("county").get(county__code="510811")
        variants = {"demo": {}, "full": FULL, "sealed": {"sealed": True}}
        docs = {}
        for name, fields in variants.items():
            for field, value in fields.items():
                setattr(report, field, value)
            docs[name] = documents.report_document(report)
            for field in fields:
                setattr(report, field, Report._meta.get_field(field).get_default())
        # A 3,000-character finding opening every category (written as an import would).
        Finding.objects.filter(county=report.county, order=1).update(description="长" * 2999 + "。")
        docs["long"] = documents.report_document(report)
        transaction.set_rollback(True)
    files = {}
    for name, doc in docs.items():
        blocks = documents.report_blocks(doc)
        files[name] = (render_docx(blocks, title=doc.title, author=doc.issuer), blocks)
        (out / f"{name}.docx").write_bytes(files[name][0])
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(out / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *[str(out / f"{name}.docx") for name in files],
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return {
        name: Rendered(content, blocks, pdfplumber.open(out / f"{name}.pdf"))
        for name, (content, blocks) in files.items()
    }


# Page: 28 × 22


# Marks a line may not begin with, and marks it may not end with (GB/T 15834 and the line
# breaking rules Word and LibreOffice apply): where one would fall at a line's edge, the
# renderer carries a character over and justifies the line, which then holds 27.
NOT_AT_START = "，。、；：？！）」』》”’…—"
NOT_AT_END = "（「『《“‘"


def test_a_full_line_holds_28_characters(rendered):
    demo = rendered["demo"]
    full_lines = []
    for number in range(2, len(demo.pdf.pages) + 1):
        lines = demo.lines(number)
        for line, after in zip(lines, lines[1:] + [None], strict=True):
            if (
                abs(line.x0 - LEFT) < 0.3
                and abs(line.x1 - RIGHT) < 0.5
                and line.chars[0]["size"] == 16
                and not any(c["text"].isascii() for c in line.chars)
            ):
                full_lines.append((line, after))
    assert len(full_lines) > 30
    counts = collections.Counter(len(line.chars) for line, _after in full_lines)
    assert counts[28] > 0.9 * len(full_lines), counts
    for line, after in full_lines:
        if len(line.chars) == 28:
            continue
        # Only a character carried over by the line breaking rules makes a line shorter.
        # The 28th character would have been a mark that may not begin the next line (carried
        # with the one before it) or one that may not end this line (moved down).
        carried = after and after.text[:1] in NOT_AT_START + NOT_AT_END
        assert len(line.chars) == 27 and carried, (line.text, after and after.text)


def test_a_page_holds_22_lines_on_the_line_pitch(rendered):
    demo = rendered["demo"]
    lines = demo.lines(2)
    assert len(lines) == 22
    tops = [line.top for line in lines]
    assert tops[0] - TOP < LINE / 2
    assert tops[-1] - tops[0] == pytest.approx(21 * LINE, abs=0.3)
    assert lines[-1].bottom <= BOTTOM


# Signature and date (GB/T 9704 7.3.5)


def test_unsealed_the_date_starts_two_characters_right_of_the_signature(rendered):
    demo = rendered["demo"]
    page, signature = _signature_line(demo)
    date = _line_after(demo, page, signature)
    assert date.text == "2019年9月10日"
    assert RIGHT - signature.x1 == pytest.approx(2 * PITCH, abs=0.5)
    assert date.x0 - signature.x0 == pytest.approx(2 * PITCH, abs=0.5)
    assert date.top - signature.top == pytest.approx(LINE, abs=0.3)
    # One blank line between the attachment note and the signature.
    note = _line_before(demo, page, signature)
    assert signature.top - note.top == pytest.approx(2 * LINE, abs=0.3)


def test_sealed_the_date_is_four_in_and_the_signature_centred_over_it(rendered):
    sealed = rendered["sealed"]
    page, signature = _signature_line(sealed)
    date = _line_after(sealed, page, signature)
    assert date.text == "2019年9月10日"
    assert RIGHT - date.x1 == pytest.approx(4 * PITCH, abs=0.5)
    # Centred on the date as Word lays it (half-width digits: this machine's stand-in for
    # Times New Roman draws them wider, so the date is measured by its characters).
    nominal = sum(8 / MM if c["text"].isascii() else PITCH for c in date.chars)
    centre = date.x1 - nominal / 2
    assert (signature.x0 + signature.x1) / 2 == pytest.approx(centre, abs=1)
    # Room for the seal: two blank lines above the signature.
    note = _line_before(sealed, page, signature)
    assert signature.top - note.top == pytest.approx(3 * LINE, abs=0.3)


def _signature_line(rendered: Rendered) -> tuple[int, Line]:
    """The signature: the issuer's name on a line of its own, after the attachment note."""
    found = [
        (number, line)
        for number in range(2, len(rendered.pdf.pages) + 1)
        for line in rendered.lines(number)
        if line.text == ISSUER
    ]
    assert len(found) == 1, found
    return found[0]


def _line_after(rendered: Rendered, page: int, line: Line) -> Line:
    lines = [x.text for x in rendered.lines(page)]
    return rendered.lines(page)[lines.index(line.text) + 1]


def _line_before(rendered: Rendered, page: int, line: Line) -> Line:
    lines = [x.text for x in rendered.lines(page)]
    return rendered.lines(page)[lines.index(line.text) - 1]


# Page numbers (7.5)


def _dash_ink_top(page, dash) -> float:
    """The top of the dash as drawn (not its font box), in mm from the page's top."""
    resolution = 600
    box = (dash["x0"], dash["top"], dash["x1"], dash["bottom"])
    image = page.crop(box).to_image(resolution=resolution).original.convert("L")
    width, height = image.size
    inked = [
        y
        for y in range(height)
        if sum(image.getpixel((x, y)) < 128 for x in range(width)) > width / 3
    ]
    assert inked, "no dash drawn"
    return dash["top"] / MM + inked[0] / resolution * 25.4


@pytest.mark.parametrize("number", [1, 2])
def test_page_number_seven_mm_below_the_text_in_one_font(rendered, number):
    demo = rendered["demo"]
    page = demo.pdf.pages[number - 1]
    footer = [c for c in page.chars if c["top"] / MM > BOTTOM and c["text"].strip()]
    assert "".join(c["text"] for c in footer) == f"—{number}—"
    assert {c["size"] for c in footer} == {14}  # 四号
    # The digits in the dashes' font (宋体 or its stand-in), not the body's Latin font.
    font = lambda c: c["fontname"].split("+")[-1]  # noqa: E731 (without the subset's tag)
    assert len({font(c) for c in footer}) == 1
    body_digits = {font(c) for c in page.chars if c["text"].isdigit() and c["size"] == 16}
    assert body_digits and font(footer[0]) not in body_digits
    for dash in (footer[0], footer[-1]):
        assert _dash_ink_top(page, dash) - BOTTOM == pytest.approx(7, abs=0.5)
    # Odd pages right, even pages left, one 四号 character in.
    if number % 2:
        assert RIGHT - footer[-1]["x1"] / MM == pytest.approx(14 / MM, abs=0.3)
    else:
        assert footer[0]["x0"] / MM - LEFT == pytest.approx(14 / MM, abs=0.3)


# The attachment (7.3.7) and page breaks


def test_the_attachment_title_is_on_line_three(rendered):
    demo = rendered["demo"]
    number, label = demo.find("附件")
    lines = demo.lines(number)
    assert lines[0].text == "附件"
    assert label.top - TOP < LINE
    title = lines[1]
    assert title.chars[0]["size"] == 22
    middle = (title.top + title.bottom) / 2
    assert TOP + 2 * LINE < middle < TOP + 3 * LINE


def test_a_heading_never_ends_a_page(rendered):
    long = rendered["long"]
    headings = {b.text for b in long.blocks if b.kind in ("h1", "h2", "h3")}
    assert any(len(b.text) >= 3000 for b in long.blocks if b.kind == "finding")
    last_lines = [
        (number, long.lines(number)[-1].text) for number in range(1, len(long.pdf.pages) + 1)
    ]
    assert [(n, text) for n, text in last_lines if text in headings] == []
    # Nor is a heading sent to a page of its own with the finding it keeps with.
    alone = [
        n
        for n in range(1, len(long.pdf.pages) + 1)
        if all(line.text in headings for line in long.lines(n))
    ]
    assert alone == []


# 版头, 附注 and 版记 (7.2, 7.3.6, 7.4)


def test_the_letterhead_in_its_place(rendered):
    full = rendered["full"]
    page = full.pdf.pages[0]
    lines = full.lines(1)
    mark, number, title = lines[0], lines[1], lines[2]
    assert mark.text == FULL["issuer_mark"]
    assert {c["non_stroking_color"] for c in mark.chars} == {(1, 0, 0)}  # red
    assert mark.top - TOP == pytest.approx(35, abs=1)
    assert (mark.x0 + mark.x1) / 2 == pytest.approx((LEFT + RIGHT) / 2, abs=1)
    # 上行文: 发文字号 one character in on the left, 签发人 one character in on the right,
    # two lines below the mark.
    assert number.text == "昭府〔2019〕45号签发人：王小明"
    assert number.x0 - LEFT == pytest.approx(PITCH, abs=0.5)
    assert RIGHT - number.x1 == pytest.approx(PITCH, abs=0.5)
    assert number.top - mark.bottom == pytest.approx(2 * LINE + 2, abs=1.5)
    # The red line: text-wide, 4 mm below the 发文字号.
    red = [
        line
        for line in page.lines + page.rects
        if line.get("stroking_color") == (1, 0, 0) or line.get("non_stroking_color") == (1, 0, 0)
    ]
    assert red
    rule = red[0]
    assert rule["x0"] / MM == pytest.approx(LEFT, abs=0.5)
    assert rule["x1"] / MM == pytest.approx(RIGHT, abs=0.5)
    assert rule["top"] / MM - number.bottom == pytest.approx(4, abs=0.5)
    # The title two lines below the red line.
    assert title.text == ISSUER and title.chars[0]["size"] == 22
    assert title.top - rule["top"] / MM == pytest.approx(2 * LINE + 2, abs=1.5)


def test_the_note_follows_the_date(rendered):
    full = rendered["full"]
    page, signature = _signature_line(full)
    date = _line_after(full, page, signature)
    note = _line_after(full, page, date)
    assert note.text == "（联系人：王蓉，电话：0839-8721234）"
    assert note.top - date.top == pytest.approx(LINE, abs=0.3)
    assert note.x0 - LEFT == pytest.approx(2 * PITCH, abs=0.5)


def test_the_record_at_the_foot_of_the_last_page(rendered):
    full = rendered["full"]
    page = full.pdf.pages[-1]
    rules = sorted(
        (line for line in page.lines + page.rects if line["top"] / MM > TOP),
        key=lambda line: line["top"],
    )
    assert len(rules) == 3
    for rule in rules:
        assert rule["x0"] / MM == pytest.approx(LEFT, abs=0.5)
        assert rule["x1"] / MM == pytest.approx(RIGHT, abs=0.5)
    first, middle, last = rules
    assert last["top"] / MM == pytest.approx(BOTTOM, abs=0.5)  # on the text block's edge
    assert first["linewidth"] > middle["linewidth"] < last["linewidth"]
    lines = full.lines(-1)
    copy_to, imprint = lines[-2], lines[-1]
    assert copy_to.text == "抄送：市商务局，市财政局，区委办公室。"
    assert first["top"] / MM < copy_to.top < copy_to.bottom < middle["top"] / MM
    assert middle["top"] / MM < imprint.top < imprint.bottom < last["top"] / MM
    assert imprint.text == "广元市昭化区人民政府办公室2019年9月10日印发"
    assert {c["size"] for c in copy_to.chars + imprint.chars} == {14}  # 四号
    four = 14 / MM
    assert copy_to.x0 - LEFT == pytest.approx(four, abs=0.3)
    assert imprint.x0 - LEFT == pytest.approx(four, abs=0.3)
    assert RIGHT - imprint.x1 == pytest.approx(four, abs=0.3)


def test_without_letterhead_or_record_nothing_of_them_is_drawn(rendered):
    demo = rendered["demo"]
    first, last = demo.pdf.pages[0], demo.pdf.pages[-1]
    assert first.lines == [] and first.rects == []
    assert [x for x in last.lines + last.rects if x["top"] / MM > TOP] == []
    assert demo.lines(1)[0].chars[0]["size"] == 22  # the title opens the page
    kinds = {b.kind for b in demo.blocks}
    assert not kinds & {"issuer_mark", "doc_number", "note", "copy_to", "imprint"}


# The .docx itself: fonts, language, properties


def _part(content: bytes, name: str):
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return etree.fromstring(z.read(name)) if name in z.namelist() else None


def test_the_font_table_names_a_substitute_for_each_gb_font(rendered):
    fonts = _part(rendered["demo"].docx, "word/fontTable.xml")
    table = {
        f.get(f"{W}name"): {
            child.tag.removeprefix(W): child.get(f"{W}val") for child in f if child.tag != f"{W}sig"
        }
        for f in fonts
    }
    expected = {
        "方正小标宋简体": "华文中宋",
        "仿宋_GB2312": "仿宋",
        "楷体_GB2312": "楷体",
        "黑体": "SimHei",
        "宋体": "SimSun",
    }
    for name, alt in expected.items():
        assert table[name]["altName"] == alt, name
        assert table[name]["charset"] == "86", name  # GB2312
        assert re.fullmatch(r"[0-9A-F]{20}", table[name]["panose1"]), name
    # The substitutes' own entries, so Word can match them by PANOSE as well.
    assert table["仿宋"]["panose1"] == table["仿宋_GB2312"]["panose1"]
    assert table["楷体"]["panose1"] == table["楷体_GB2312"]["panose1"]
    assert table["华文中宋"]["panose1"] == table["方正小标宋简体"]["panose1"]
    assert "ＭＳ 明朝" not in table  # python-docx's template's Japanese fonts are gone


def test_the_language_is_chinese(rendered):
    content = rendered["demo"].docx
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = "".join(
            z.read(n).decode() for n in z.namelist() if n.startswith("word/") and n.endswith("xml")
        )
    assert re.findall(r"<w:lang [^>]*>", xml) == [
        '<w:lang w:val="zh-CN" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
    ]
    assert "ja-JP" not in xml and "en-US" not in xml


def test_the_properties_are_the_reports_and_there_is_no_thumbnail(rendered):
    from docx import Document

    content = rendered["demo"].docx
    props = Document(io.BytesIO(content)).core_properties
    assert props.title.startswith("广元市昭化区人民政府关于")
    assert props.author == ISSUER
    assert props.last_modified_by == ISSUER
    age = dt.datetime.now(dt.UTC) - props.created.replace(tzinfo=dt.UTC)
    assert dt.timedelta(0) <= age < dt.timedelta(hours=1)
    assert props.modified == props.created
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        names = z.namelist()
        rels = z.read("_rels/.rels").decode()
        app = z.read("docProps/app.xml").decode()
    assert not [n for n in names if "thumbnail" in n]
    assert "thumbnail" not in rels
    assert "Microsoft Macintosh Word" not in app and "Normal.dotm" not in app
