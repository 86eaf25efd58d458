"""The .docx of the 整改情况报告 (GB/T 9704 layout), opened again with python-docx; and the same
file converted by LibreOffice, as a reader's machine would open it."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from issues.models import Finding
from rectify.lib.text import full_width_punctuation
from reports import documents
from reports.exports.docx import render_docx
from reports.models import Report
from tests.conftest import PASSWORD
from tests.tools import require_tool

SUMMARY = (
    "截至目前，商务部复核组发现问题15个，已销号问题8个，7个问题正在加紧整改；"
    "省绩效评价组发现问题10个，已销号问题4个，6个问题正在加紧整改。"
)
# Every test here reads files rendered once for the module; keeping them all database tests
# keeps them together when pytest-django runs database tests first.
pytestmark = pytest.mark.django_db

THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


@dataclasses.dataclass
class DemoFiles:
    report: bytes
    plan: bytes
    blocks: list
    descriptions: list[str]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> DemoFiles:
    """The demo county's report and plan, rendered once; the data is rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
        report = Report.objects.select_related("county").get(county__code="510811")
        doc = documents.report_document(report)
        blocks = documents.report_blocks(doc)
        files = DemoFiles(
            report=render_docx(blocks, title=doc.title, author=doc.issuer),
            plan=render_docx(documents.plan_blocks(doc), title=doc.title, author=doc.issuer),
            blocks=blocks,
            descriptions=list(
                Finding.objects.filter(county=report.county).values_list("description", flat=True)
            ),
        )
        transaction.set_rollback(True)
    return files


@pytest.fixture(scope="module")
def report_docx(demo):
    return Document(io.BytesIO(demo.report))


@pytest.fixture(scope="module")
def plan_docx(demo):
    return Document(io.BytesIO(demo.plan))


def split_at_attachment(document):
    """(paragraphs of the report proper, paragraphs of the attached plan)."""
    paragraphs = document.paragraphs
    label = next(i for i, p in enumerate(paragraphs) if p.style.name == "附件标识")
    return paragraphs[:label], paragraphs[label:]


def alignment(paragraph):
    """The paragraph's own alignment, else its style's, else the style's bases'."""
    if paragraph.alignment is not None:
        return paragraph.alignment
    style = paragraph.style
    while style is not None:
        if style.paragraph_format.alignment is not None:
            return style.paragraph_format.alignment
        style = style.base_style
    return None


def east_asian_font(style):
    fonts = style.element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


# Page


def test_page_is_a4_with_the_standard_margins_and_a_line_grid(report_docx):
    assert len(report_docx.sections) == 1
    section = report_docx.sections[0]
    mm = lambda length: round(length.mm, 1)  # noqa: E731
    assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
    assert mm(section.top_margin) == 37.0
    assert mm(section.bottom_margin) == 35.0
    assert mm(section.left_margin) == 28.0
    assert mm(section.right_margin) == 26.0
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid is not None
    assert grid.get(qn("w:linePitch")) == "579"  # 225 mm / 22 lines, in twips


def test_styles_name_the_chinese_fonts_and_no_theme_fonts(report_docx):
    styles = report_docx.styles
    expected = {
        "Normal": "仿宋_GB2312",
        "一级标题": "黑体",
        "二级标题": "楷体_GB2312",
        "公文标题": "方正小标宋简体",
    }
    for name, font in expected.items():
        style = styles[name]
        assert east_asian_font(style) == font, name
        fonts = style.element.rPr.rFonts
        assert not [a for a in THEME_ATTRS if fonts.get(qn(a)) is not None], name
        assert fonts.get(qn("w:ascii")) == "Times New Roman", name
    assert styles["Normal"].font.size.pt == 16  # 三号
    assert styles["公文标题"].font.size.pt == 22  # 二号
    # Nor do the document defaults fall back to a theme font.
    defaults = styles.element.find(qn("w:docDefaults"))
    default_fonts = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert default_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert not [a for a in THEME_ATTRS if default_fonts.get(qn(a)) is not None]


def test_body_paragraphs_use_the_named_styles(report_docx):
    body, _ = split_at_attachment(report_docx)
    by_style = {}
    for p in body:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["公文标题"][0].replace("\n", "").startswith("广元市昭化区人民政府关于")
    assert by_style["主送机关"] == ["省商务厅："]
    assert by_style["二级标题"] == [
        "（一）商务部复核组发现问题及整改情况",
        "（二）省绩效评价组发现问题及整改情况",
    ]
    assert len(by_style["三级标题"]) == 8
    assert len(by_style["问题"]) == 25


# Content


def test_report_headings_run_one_to_four(report_docx, plan_docx):
    body, attachment = split_at_attachment(report_docx)
    headings = [p.text for p in body if p.style.name == "一级标题"]
    assert [h.split("、", 1)[0] for h in headings] == ["一", "二", "三", "四"]
    assert headings[2] == "三、问题整改情况"
    plan_headings = ["一、工作目标", "二、整改内容及措施", "三、组织保障"]
    assert [p.text for p in attachment if p.style.name == "一级标题"] == plan_headings
    assert [p.text for p in plan_docx.paragraphs if p.style.name == "一级标题"] == plan_headings


def test_every_finding_appears_once_in_the_report_and_once_in_the_plan(demo, report_docx):
    assert len(demo.descriptions) == 25
    body, attachment = split_at_attachment(report_docx)

    def finding_texts(paragraphs):
        return [re.sub(r"^（\d+）", "", p.text) for p in paragraphs if p.style.name == "问题"]

    for part in (body, attachment):
        texts = finding_texts(part)
        for description in demo.descriptions:
            assert texts.count(full_width_punctuation(description)) == 1, description
        assert len(texts) == 25


def test_summary_sentence_closes_section_two(report_docx):
    body, _ = split_at_attachment(report_docx)
    texts = [p.text for p in body]
    holding = [t for t in texts if SUMMARY in t]
    assert len(holding) == 1 and holding[0].endswith(SUMMARY)
    assert texts[texts.index(holding[0]) + 1] == "三、问题整改情况"


HALF_WIDTH_NEXT_TO_CHINESE = re.compile(r"[\u4e00-\u9fff][,:;()?!]|[,:;()?!][\u4e00-\u9fff]")


def test_punctuation_is_full_width_throughout(demo, report_docx, plan_docx):
    """GB/T 15834 in the whole document, Rectify's words and the county's alike; the
    numbers stay as typed, and so do the records."""
    for document in (report_docx, plan_docx):
        text = "\n".join(p.text for p in document.paragraphs)
        assert HALF_WIDTH_NEXT_TO_CHINESE.findall(text) == []
        assert "，" in text and "：" in text and "（1）" in text
    text = "\n".join(p.text for p in report_docx.paragraphs)
    assert "4029.50万元" in text and "36.69%" in text
    assert sum("," in d or "(" in d for d in demo.descriptions) > 5


def test_field_labels_are_a_bold_character_style(report_docx):
    body, _ = split_at_attachment(report_docx)
    closeouts = [p for p in body if p.text.startswith("销号情况：")]
    assert len(closeouts) == 25
    assert {p.text for p in closeouts} == {"销号情况：已销号", "销号情况：未销号"}
    assert sum(p.text == "销号情况：已销号" for p in closeouts) == 12
    label = closeouts[0].runs[0]
    assert label.text == "销号情况："
    assert label.style.name == "字段名" and label.style.font.bold


def test_footer_page_numbers_odd_right_even_left(report_docx):
    assert report_docx.settings.odd_and_even_pages_header_footer
    settings = report_docx.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    section = report_docx.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        assert not footer.is_linked_to_previous
        (paragraph,) = [p for p in footer.paragraphs if p.text.strip()]
        assert paragraph.alignment == align
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        xml = paragraph._p
        kinds = [f.get(qn("w:fldCharType")) for f in xml.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert [t.text.strip() for t in xml.iter(qn("w:instrText"))] == ["PAGE"]
        assert east_asian_font(paragraph.style) == "宋体"
        assert paragraph.style.font.size.pt == 14  # 四号


def test_signature_right_aligned_and_the_date_two_characters_right_of_it(report_docx):
    body, _ = split_at_attachment(report_docx)
    texts = [p.text for p in body]
    signature = body[texts.index("广元市昭化区人民政府")]
    date = body[texts.index("2019年9月10日")]
    assert body.index(date) == body.index(signature) + 1
    assert alignment(signature) == WD_ALIGN_PARAGRAPH.RIGHT
    char = 15.75  # a 三号 character at the 28-a-line pitch
    assert signature.paragraph_format.right_indent.pt == pytest.approx(2 * char, abs=0.1)
    # The date's first character two characters right of the signature's (10 characters
    # wide, two in from the right): a left indent, whatever the width of the digits.
    assert alignment(date) == WD_ALIGN_PARAGRAPH.LEFT
    assert date.paragraph_format.left_indent.pt == pytest.approx((28 - 10) * char, abs=0.1)
    assert body[-1] is date
    note = body[body.index(signature) - 1]
    assert note.text == "附件：昭化区电子商务进农村综合示范项目绩效评价与复核反馈问题的整改方案"


def test_the_attachment_starts_on_a_new_page(report_docx):
    _, attachment = split_at_attachment(report_docx)
    label = attachment[0]
    assert label.text == "附件"
    assert label.paragraph_format.page_break_before is True
    assert attachment[1].style.name == "公文标题"
    assert attachment[1].text.replace("\n", "") == (
        "昭化区电子商务进农村综合示范项目绩效评价与复核反馈问题的整改方案"
    )
    # Only the one page break: the body flows otherwise.
    breaks = [p for p in report_docx.paragraphs if p.paragraph_format.page_break_before]
    assert [p._p for p in breaks] == [label._p]


def test_the_plan_alone_has_no_results(plan_docx):
    text = "\n".join(p.text for p in plan_docx.paragraphs)
    assert "整改结果" not in text
    assert "销号情况" not in text
    assert text.count("整改时限：") == 25
    assert text.count("整改措施：") == 25
    first = plan_docx.paragraphs[0]
    assert first.style.name == "公文标题"
    assert "附件" not in [p.text for p in plan_docx.paragraphs]
    assert plan_docx.core_properties.author == "广元市昭化区人民政府"


def test_rendering_is_pure(demo, django_assert_num_queries):
    with django_assert_num_queries(0):
        content = render_docx(demo.blocks, title="标题", author="作者")
    assert Document(io.BytesIO(content)).core_properties.title == "标题"


def test_title_lines_break_only_between_words(report_docx):
    title = report_docx.paragraphs[0]
    lines = title.text.split("\n")
    assert lines[0] == "广元市昭化区人民政府"
    assert "".join(lines) == (
        "广元市昭化区人民政府关于昭化区2017年电子商务进农村综合示范（第四批）"
        "绩效评价发现问题整改情况的报告"
    )
    for a, b in zip(lines, lines[1:], strict=False):
        assert not (a[-1].isdigit() and b[0].isdigit())
        assert b[0] not in "，。、；：）" and a[-1] != "（"


# LibreOffice


def test_libreoffice_converts_the_report_to_a_multi_page_pdf(request, tmp_path):
    soffice = require_tool("soffice", "libreoffice")
    pdfinfo = require_tool("pdfinfo")
    source = tmp_path / "report.docx"
    source.write_bytes(request.getfixturevalue("demo").report)
    # A profile of its own, so a LibreOffice already running for the user is not reused.
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "report.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0, result.stdout + result.stderr
    info = subprocess.run(
        [pdfinfo, str(pdf)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages > 1
    assert re.search(r"^Page size:.*\(A4\)", info, re.M), info
