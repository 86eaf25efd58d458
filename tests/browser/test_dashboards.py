"""The dashboards in a real browser: the province's county table sorted and drilled into, and a
county's dashboard printed to A4.

The first two run on the demo (`load_demo`): Jiangxi's seven counties of seed 001, which report
only the central funds disbursed (中央资金拨付, 1500 万元 each), and 广元市昭化区 of seed 000.
The PDF's pages are saved as PNGs beside the screenshots, to look at.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import _shot_path
from tests.browser.test_closeout_journey import column
from tests.browser.test_finding_journey import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVINCE = "360000"  # 江西省
REVIEWER = f"reviewer-{PROVINCE}"
FUNDS = "中央资金拨付率"
# Seed 001: the central funds disbursed, as the province table shows them, by county code.
JIANGXI = {
    "360483": ("庐山市", "0.0%"),
    "360821": ("吉安县", "9.8%"),
    "360926": ("铜鼓县", "0.0%"),
    "361022": ("黎川县", "2.4%"),
    "361030": ("广昌县", "0.0%"),
    "361121": ("上饶县", "13.3%"),
    "361127": ("余干县", "17.0%"),
}
YUGAN = "361127"
COUNTY = "510811"  # 广元市昭化区, seed 000
LEADER = f"leader-{COUNTY}"
# Issue 17: two pages (the burndown's data table prints in three columns; rectify.css's
# "Print (issue 17)" block). tests/browser/test_print.py checks the footer and the province.
MAX_A4_PAGES = 2


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


def province_table(page):
    return page.locator("table.province-table")


def funds_by_county(page) -> list[tuple[str, str, str]]:
    """(code, county name, 中央资金拨付率) for each row of the province table, in page order."""
    table = province_table(page)
    funds = column(table, FUNDS)
    rows = []
    for row in table.locator("tbody tr").all():
        name = row.locator("td").nth(0).locator("a").inner_text().strip()
        rate = row.locator("td").nth(funds).inner_text().strip()
        rows.append((row.get_attribute("data-county"), name, rate))
    return rows


def percent(text: str) -> float:
    assert text.endswith("%"), text
    return float(text[:-1])


def sort_by_funds(page, query: str) -> list[tuple[str, str, str]]:
    """Click the 中央资金拨付率 header; the page reloads sorted as ?o=<query>."""
    table = province_table(page)
    header = table.locator("thead th").nth(column(table, FUNDS))
    header.get_by_role("link", name=FUNDS).click()
    expect(page).to_have_url(re.compile(rf"/provinces/{PROVINCE}/\?o={re.escape(query)}$"))
    return funds_by_county(page)


def expect_chart(page, name: str) -> None:
    """ECharts drew the chart as SVG (charts.js asks for the SVG renderer)."""
    svg = page.locator(f"[data-chart={name}] svg")
    expect(svg).to_have_count(1)
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, (name, box)


def test_province_dashboard_sort_and_drill(new_page, screenshot, demo):
    page = new_page()
    # The landing page sends a province reviewer to the province's dashboard.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("用户名").fill(REVIEWER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(rf"/provinces/{PROVINCE}/$"))
    expect(page.locator("h1")).to_contain_text("江西省")

    # The seven counties, each with its share of the central funds disbursed.
    table = province_table(page)
    expect(table.locator("tbody tr")).to_have_count(len(JIANGXI))
    rows = funds_by_county(page)
    assert {code for code, _, _ in rows} == set(JIANGXI)
    for code, name, rate in rows:
        short_name, expected = JIANGXI[code]
        assert name.endswith(short_name), (code, name)
        assert rate == expected, (code, name, rate)
    screenshot(page, "province")

    # Ascending: the three counties with nothing disbursed first, 余干县 last.
    rows = sort_by_funds(page, "funds")
    rates = [percent(rate) for _, _, rate in rows]
    assert rates == sorted(rates), rows
    assert [code for code, _, _ in rows][3:] == ["361022", "360821", "361121", YUGAN]
    expect(table.locator("thead th", has_text=FUNDS).locator(".bi-sort-up")).to_have_count(1)
    screenshot(page, "province-funds-ascending")

    # Descending: 余干县 first.
    rows = sort_by_funds(page, "-funds")
    rates = [percent(rate) for _, _, rate in rows]
    assert rates == sorted(rates, reverse=True), rows
    assert rows[0][0] == YUGAN and rows[0][1].endswith("余干县"), rows
    expect(table.locator("thead th", has_text=FUNDS).locator(".bi-sort-down")).to_have_count(1)

    # The charts drew, with the counties along the axis.
    expect_chart(page, "progress")
    expect_chart(page, "findings")
    progress = page.locator("[data-chart=progress] svg")
    for short_name, _ in JIANGXI.values():
        expect(progress).to_contain_text(short_name)
    expect(progress).to_contain_text(FUNDS)  # the legend
    screenshot(page, "province-funds-descending")

    # Drill into 余干县.
    table.locator(f"tr[data-county='{YUGAN}'] td").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/counties/{YUGAN}/$"))
    expect(page.locator("h1")).to_contain_text("余干县")
    funds = page.locator("#indicators tbody tr", has_text="中央资金拨付")
    expect(funds).to_have_count(1)
    cells = funds.locator("td")
    expect(cells.nth(1)).to_have_text("1500 万元")
    expect(cells.nth(2)).to_contain_text("255 万元")
    expect(cells.nth(3)).to_have_text("17.00%")
    expect(cells.nth(3).get_by_role("progressbar")).to_have_attribute("aria-valuenow", "17")
    screenshot(page, "county-yugan")


def pdf_pages(path) -> tuple[int, str]:
    """The PDF's number of pages and its first page's size, from pdfinfo or from the file."""
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        return pages, re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)
    data = path.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    box = re.search(rb"/MediaBox\s*\[([^\]]*)\]", data)
    return pages, box.group(1).decode() if box else "?"


def print_screenshot(page, test_name: str, step: str) -> Path:
    """The whole page under print media, as conftest's full_page_screenshot takes it.

    Not with that helper: it measures the page through a CDP session, and detaching a CDP
    session makes Chromium drop the media that page.emulate_media() set, so the picture
    would show the screen layout. The page's height comes from the DOM instead.
    """
    path = _shot_path(test_name, step)
    viewport = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(int(height), 1)})
    try:
        page.screenshot(path=path, full_page=True, timeout=60_000)
    finally:
        page.set_viewport_size(viewport)
    assert page.evaluate("matchMedia('print').matches"), "the screenshot left print media"
    return path


def pdf_to_screenshots(path, test_name: str) -> None:
    """Each page as a small PNG beside the screenshots, to look at (when poppler is there)."""
    if not shutil.which("pdftoppm"):
        return
    prefix = _shot_path(test_name, "03-pdf-page").with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(path), str(prefix)], check=True, timeout=120
    )


def test_county_dashboard_prints_on_a4(new_page, screenshot, tmp_path, demo, request):
    page = new_page()
    log_in(page, LEADER, f"/counties/{COUNTY}/")
    expect(page.locator("h1")).to_contain_text("昭化区")
    navbar = page.locator("nav.navbar")
    expect(navbar).to_be_visible()
    print_button = page.get_by_role("button", name="打印")
    expect(print_button).to_be_visible()
    for name in ("reviews", "burndown", "units"):
        expect_chart(page, name)
    screenshot(page, "screen")

    page.emulate_media(media="print")
    assert page.evaluate("matchMedia('print').matches")
    # What the paper leaves out: the navigation, the buttons, the footer, the sparklines.
    expect(navbar).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(page.get_by_role("link", name="查看台账")).to_be_hidden()
    expect(page.locator("body > footer")).to_be_hidden()
    expect(page.get_by_role("columnheader", name="变化")).to_be_hidden()
    # What it keeps: the summary, the tallies, the charts and the tables.
    expect(page.locator(".summary-sentence")).to_be_visible()
    expect(page.locator(".tally [data-count=total]")).to_have_text("25")
    for name in ("reviews", "burndown", "units"):
        expect(page.locator(f"[data-chart={name}] svg")).to_be_visible()
    for header in ("各次检查发现问题整改情况", "各牵头单位", "各问题类别", "绩效指标"):
        card = page.locator(".card", has=page.locator(".card-header", has_text=header))
        expect(card.locator("table").first).to_be_visible()
        expect(card.locator("table tbody tr").first).to_be_visible()
    expect(page.locator("#indicators tbody tr", has_text="完成投资")).to_contain_text("49.70%")
    # The burndown's data table is in the page; whether it unfolds on paper is
    # test_folded_data_table_unfolds_in_print's business.
    expect(page.locator("details.print-open table")).to_have_count(1)
    print_screenshot(page, request.node.name, "02-print-media")

    pdf = tmp_path / f"{COUNTY}.pdf"
    page.pdf(path=pdf, format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF-")
    pages, size = pdf_pages(pdf)
    assert "A4" in size or "595.9" in size, size  # 210 x 297 mm: 595.92 x 842.88 pt
    assert 1 <= pages <= MAX_A4_PAGES, f"{pages} A4 pages"
    pdf_to_screenshots(pdf, request.node.name)


def test_folded_data_table_unfolds_in_print(new_page, lee, finding_a):
    """The burndown chart's 数据表 is folded on screen and printed open."""
    page = new_page()
    log_in(page, "lee", "/counties/510811/")
    details = page.locator("details.print-open")
    expect(details).to_have_count(1)
    expect(details.locator("table")).to_be_hidden()
    page.emulate_media(media="print")
    expect(details.locator("table")).to_be_visible(timeout=2_000)


def test_unit_ranking_sorts_and_fits(new_page, screenshot, demo, request):
    """责任单位排名 on 昭化区's dashboard: worst first, sorted by a header (back at the card),
    a unit's name opens the ledger of its findings; at 390 px the table scrolls in its card."""
    page = new_page()
    log_in(page, LEADER, f"/counties/{COUNTY}/")
    card = page.locator("#ranking")
    expect(card).to_contain_text("责任单位排名")
    rows = card.locator("tbody tr")
    assert rows.count() > 3
    overdue = [int(t) for t in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert overdue == sorted(overdue, reverse=True), overdue

    card.locator("thead").get_by_role("link", name="任务").click()
    expect(page).to_have_url(re.compile(rf"/counties/{COUNTY}/\?o=tasks#ranking$"))
    tasks = [int(t) for t in rows.locator("td:nth-child(2)").all_inner_texts()]
    assert tasks == sorted(tasks), tasks
    expect(card.locator("thead th", has_text="任务").locator(".bi-sort-up")).to_have_count(1)

    for width in (1280, 768, 390):
        page.set_viewport_size({"width": width, "height": 900})
        card.scroll_into_view_if_needed()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (width, overflow)
        card.screenshot(path=_shot_path(request.node.name, f"card-{width}"))
        screenshot(page, f"county-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})

    first = rows.first.locator("td.unit-name a")
    name = first.inner_text().strip()
    first.click()
    expect(page).to_have_url(re.compile(r"/findings/\?task_unit=\d+$"))
    expect(page.locator("main")).to_contain_text(name)
