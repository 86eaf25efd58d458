"""The report page in a real browser: its downloads (Word and PDF) at each width, and the page
printed to A4 as a clerk would print it — the title in the lines the Word document uses (never
broken inside a word: 电/子), and GB/T 9704 page numbers "— N —", 7 mm below the text block,
right on odd pages and left on even ones. The PDF's first pages are saved as PNGs to look at."""

from __future__ import annotations

import io
import re
import subprocess
from html import unescape

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from rectify.lib.text import full_width_punctuation
from reports.exports.docx import _title_lines
from reports.models import Report
from tests.browser.conftest import _shot_path
from tests.browser.test_dashboards import pdf_pages
from tests.browser.test_finding_journey import log_in
from tests.conftest import PASSWORD
from tests.reports.test_report_docx import require_tool

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTY = "510811"  # 广元市昭化区, seed 000
LEADER = f"leader-{COUNTY}"
MM = 72 / 25.4  # points per millimetre
TEXT_BOTTOM = (297 - 35) * MM  # the text block's lower edge (bottom margin 35 mm)
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


def pdf_words(path, first: int, last: int) -> list[list[tuple[float, float, float, float, str]]]:
    """The words of pages first..last, each (x0, y0, x1, y1, text) in points from the top
    left, by poppler's pdftotext -bbox."""
    out = subprocess.run(
        [require_tool("pdftotext"), "-bbox", "-f", str(first), "-l", str(last), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    pages = out.split("<page ")[1:]
    return [
        [(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in WORD.findall(p)]
        for p in pages
    ]


def test_the_report_prints_its_title_by_words_with_page_numbers(new_page, tmp_path, demo, request):
    report = Report.objects.get(county__code=COUNTY)
    page = new_page()
    log_in(page, LEADER, report.get_absolute_url())
    for width in (390, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name in ("下载报告（含附件）", "下载整改方案"):
            expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
            expect(page.get_by_role("link", name=f"{name} PDF", exact=True)).to_be_visible()
        # The title's lines whole at every width (scaled down on a narrow screen).
        for line in page.locator(".doc-title .doc-line").all():
            box = line.bounding_box()
            assert box["height"] < 1.9 * float(
                line.evaluate("e => getComputedStyle(e).fontSize")[:-2]
            )
        # The top of the page: the whole report is 40 pages long.
        page.screenshot(path=_shot_path(request.node.name, f"{width}px"))

    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_role("link", name="下载整改方案 PDF")).to_be_hidden()
    pdf = tmp_path / "report.pdf"
    page.pdf(path=pdf, prefer_css_page_size=True)
    pages, size = pdf_pages(pdf)
    assert "A4" in size, size
    assert pages > 10
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(pdf)]
        + [str(_shot_path(request.node.name, "print").with_suffix(""))],
        check=True,
        timeout=120,
    )
    words = pdf_words(pdf, 1, 3)

    # The title: the lines of the Word document, each centred, nothing else on them.
    lines = _title_lines(full_width_punctuation(report.title))
    assert lines[0] == "广元市昭化区人民政府" and len(lines) == 3
    title = words[0][: len(lines)]
    assert [w[4] for w in title] == lines
    for x0, _, x1, _, _ in title:
        assert abs((x0 + x1) / 2 - (28 + 156 / 2) * MM) < 2 * MM  # centred on the text block
    assert all(w[1] < title[-1][1] for w in title[:-1])  # one above the other

    # Page numbers: "— N —" under the text block, right on odd pages, left on even ones.
    for number, page_words in enumerate(words, start=1):
        below = [w for w in page_words if w[1] > TEXT_BOTTOM - 5 * MM]
        assert [w[4] for w in below] == ["—", str(number), "—"], below
        x0, x1 = below[0][0], below[-1][2]
        if number % 2:
            assert abs(x1 - (210 - 26 - 5.6) * MM) < 2 * MM  # one character in from the right
        else:
            assert abs(x0 - (28 + 5.6) * MM) < 2 * MM  # one character in from the left
        middle = (below[0][1] + below[0][3]) / 2
        assert 5 * MM < middle - TEXT_BOTTOM < 9 * MM
