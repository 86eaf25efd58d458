"""The county 台账 printed: rendered by LibreOffice Calc (headless) to PDF, every row prints
whole. LibreOffice writes only the lines of a cell that its row shows, so a row cut short
loses characters from the PDF's text, and a line cut through the middle has characters lying
across the row's border: the test looks for both, on rows with 500+ character texts, Latin
words and URLs, line breaks and long unit names, and checks the print setup (landscape,
the header row on every page, the columns one page wide)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from collections import Counter

import openpyxl
import pytest

from issues.models import Finding
from reports import ledgers
from reports.exports import xlsx
from tests.conftest import Factory
from tests.reports.test_report_docx import require_tool

pdfplumber = pytest.importorskip("pdfplumber")

TODAY = dt.date(2019, 10, 1)
SENTENCE = (
    "县级公共服务中心因前期实施单位变更，重新选址新建工作还未完成，"
    "村级站点建成且正常运行的比例偏低，培训人次未达到实施方案确定的目标；"
)
LONG = (SENTENCE * 9)[:520] + "。"  # 问题描述 of 521 characters
MEASURES = [
    f"第{n}项：加快完善建设方案，厘清公共服务中心具体职能，按程序完成招投标，"
    f"并督促实施主体于2019年10月30日前完成建设，做好基础改造{n * 1149:,}平方米" * 2
    for n in range(1, 6)
]
LATIN = (
    "依据 https://www.mofcom.gov.cn/article/zt_dzswjnc/notice/201905/20190502867451.shtml "
    "和 Implementation Guidelines for E-commerce in Rural Areas (2019 edition), "
    "共计 1,149.5 万元 (CNY 11,495,000), 完成率 87.3%; "
) * 3
BREAKS = (
    "一、已完成选址。\n二、正在招标。\n\n三、预计2019年12月31日前完工。\n四、" + "持续跟踪。" * 12
)


@pytest.fixture
def printed_ledger(alice, county_a, review_a, unit_a, unit_a2, tmp_path):
    """A county ledger with long rows of every kind, written and rendered to PDF."""
    soffice = require_tool("soffice", "libreoffice")
    long_unit = Factory.unit(county_a, "区发展和改革局（区粮食和物资储备局、区国防动员办公室）")
    findings = [
        dict(description="短问题。", measures=["立即整改"], units=[unit_a]),
        dict(
            description=LONG,
            measures=MEASURES,
            units=[unit_a, unit_a2, long_unit],
            deadline=dt.date(2019, 10, 30),
            is_ongoing=True,
            result=LONG[:300],
        ),
        dict(description=LATIN, measures=[LATIN[:200]], units=[long_unit], result=BREAKS),
        dict(description=LONG[:200], measures=MEASURES[:2], units=[unit_a2], result=BREAKS),
        dict(description=LONG, measures=[SENTENCE], units=[unit_a], deadline=TODAY),
        dict(description=LATIN[:150] + LONG[:150], measures=MEASURES[:3], units=[unit_a]),
    ]
    for fields in findings * 2:  # enough for a second page, however wide the columns print
        Factory.finding(alice, county_a, review_a, category="项目建设进度滞后问题", **fields)
    queryset = Finding.objects.filter(county=county_a).in_ledger_order()
    ledger = ledgers.county_ledger(queryset, scope="昭化区", today=TODAY)
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(xlsx.as_bytes(xlsx.write_ledger, ledger))
    profile = (tmp_path / "lo-profile").as_uri()  # never a LibreOffice the user is running
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless"]
        + ["--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "ledger.pdf"
    assert pdf.exists(), result.stdout + result.stderr
    return source.read_bytes(), pdf


def shown(value) -> str:
    """A cell's value as the sheet displays it (dates as 2019年10月30日)."""
    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    return "" if value is None else str(value)


def characters(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace())


def ledger_pages(pdf) -> list:
    """The 台账 sheet's pages (the 统计 sheet's follow them)."""
    return [page for page in pdf.pages if "问题描述" in page.extract_text()]


def test_the_ledger_prints_every_row_whole(printed_ledger):
    """One rendering (LibreOffice takes seconds), three checks."""
    content, path = printed_ledger
    rows_print_whole(content, path)
    rows_are_not_much_taller_than_their_text(path)
    the_print_setup_holds(path)


def rows_print_whole(content: bytes, path) -> None:
    ws = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    cells = [shown(c.value) for row in ws.iter_rows(min_row=3) for c in row]
    assert max(len(text) for text in cells) > 500
    with pdfplumber.open(path) as pdf:
        pages = ledger_pages(pdf)
        assert len(pages) >= 2  # so that the header row is seen repeated
        printed = Counter()
        for page in pages:
            printed += characters("".join(ch["text"] for ch in page.chars))
            borders = [line for line in page.lines if abs(line["top"] - line["bottom"]) < 0.5]
            assert len(borders) > 2
            # A line of text the row cuts through lies across the row's lower border.
            crossing = [
                (ch["text"], round(ch["top"]), round(line["top"]))
                for ch in page.chars
                for line in borders
                if ch["top"] + 0.5 < line["top"] < ch["bottom"] - 0.5
                and line["x0"] <= ch["x0"]
                and ch["x1"] <= line["x1"]
            ]
            assert crossing == [], f"page {page.page_number}: text cut by a row border"
    # Every character of every cell is printed (the header row once a page, so at least).
    missing = characters("".join(cells)) - printed
    assert missing == Counter(), f"not printed: {''.join(sorted(missing.elements()))[:200]}"


def rows_are_not_much_taller_than_their_text(path) -> None:
    """Generous, not wasteful: the text fills at least half of each tall row."""
    with pdfplumber.open(path) as pdf:
        for page in ledger_pages(pdf):
            borders = sorted(
                {round(line["top"], 1) for line in page.lines if line["top"] == line["bottom"]}
            )
            for top, bottom in zip(borders, borders[1:], strict=False):
                inside = [ch for ch in page.chars if top < ch["top"] < bottom]
                if bottom - top < 60 or not inside:
                    continue
                used = max(ch["bottom"] for ch in inside) - top
                assert used > (bottom - top) / 2, (page.page_number, top, bottom, used)


def the_print_setup_holds(path) -> None:
    with pdfplumber.open(path) as pdf:
        pages = ledger_pages(pdf)
        for page in pages:
            assert (round(page.width), round(page.height)) == (1191, 842)  # A3 landscape
            text = page.extract_text()
            # The header row on every page, and every column on it: one page wide.
            assert "序号" in text and "是否逾期" in text, page.page_number
        assert pages[-1].page_number < len(pdf.pages)  # the 统计 sheet after
