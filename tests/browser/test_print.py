"""The dashboards and the ledger on paper (issue 17 item 4): the county's and the province's
dashboards on at most two A4 portrait pages, with the as-of date and page numbers at the foot
of each page and links printed as text; the ledger as a table whose header repeats on every
page. Run on the demo (`load_demo`); each PDF's pages are saved as PNGs to look at."""

from __future__ import annotations

import io
import unicodedata

import pdfplumber
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.test_dashboards import pdf_to_screenshots
from tests.browser.test_finding_journey import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTY = "510811"  # 广元市昭化区, seed 000
PROVINCE = "360000"  # 江西省, seed 001
MAX_PAGES = 2


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


def print_pdf(page, path, name: str, scale: float = 1) -> list[str]:
    """The page printed to A4 as Chromium prints it; the text of each PDF page."""
    page.emulate_media(media="print")
    page.pdf(path=path, format="A4", print_background=True, scale=scale)
    pdf_to_screenshots(path, name)
    with pdfplumber.open(path) as pdf:
        for p in pdf.pages:
            assert abs(p.width - 595.9) < 1 and abs(p.height - 842.9) < 1, (p.width, p.height)
        # NFKC: the PDF's fonts map some characters to the Kangxi radicals (⾄ for 至).
        return [unicodedata.normalize("NFKC", p.extract_text() or "") for p in pdf.pages]


def assert_links_print_as_text(page) -> None:
    link = page.locator("main a").first
    assert link.evaluate("a => getComputedStyle(a).textDecorationLine") == "none"
    body = page.evaluate("getComputedStyle(document.body).color")
    assert link.evaluate("a => getComputedStyle(a).color") == body


def test_dashboards_and_ledger_print(new_page, tmp_path, demo, request):
    name = request.node.name
    page = new_page()
    log_in(page, f"leader-{COUNTY}", f"/counties/{COUNTY}/")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(page.locator(".print-footer")).to_be_visible()
    assert_links_print_as_text(page)
    pages = print_pdf(page, tmp_path / "county.pdf", f"{name}-county")
    assert 1 <= len(pages) <= MAX_PAGES, f"county: {len(pages)} A4 pages"
    for number, text in enumerate(pages, 1):
        assert f"{number} / {len(pages)}" in text, (number, text[-200:])
        assert "截至" in text.splitlines()[-1], text[-200:]
    assert pages[-1].strip(), "an empty last page"

    # The ledger: a table whose header row repeats on each printed page.
    page.emulate_media(media="screen")
    page.goto("/findings/?per_page=100")
    header = page.locator("table.ledger thead")
    expect(header).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("form.filter-form")).to_be_hidden()
    assert header.evaluate("h => getComputedStyle(h).display") == "table-header-group"
    first_th = header.locator("th").first.inner_text().strip()
    # Printed large, so that the demo county's 25 findings need more than one page.
    ledger = print_pdf(page, tmp_path / "ledger.pdf", f"{name}-ledger", scale=2)
    assert len(ledger) >= 2, len(ledger)
    for text in ledger:
        assert first_th in text, text[:200]

    page = new_page()
    log_in(page, f"reviewer-{PROVINCE}", f"/provinces/{PROVINCE}/")
    pages = print_pdf(page, tmp_path / "province.pdf", f"{name}-province")
    assert_links_print_as_text(page)
    assert 1 <= len(pages) <= MAX_PAGES, f"province: {len(pages)} A4 pages"
    assert "1 / " in pages[0]
    assert pages[-1].strip(), "an empty last page"
