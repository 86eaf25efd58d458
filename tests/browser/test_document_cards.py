"""The two cards where a clerk meets the documents, in a real browser at 390, 768 and 1280 px:
the report form's 版头、附注与版记 card (filled in, saved with JavaScript on, read back) and
the finding page's 打印/下载 card (the 销号审批表 and the evidence downloads). Each card is
saved as a picture at each width (test-artifacts/screenshots/) and checked for what looks
wrong on a phone: a card wider than the screen, labels or buttons broken inside a word."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reports.models import Report
from tests.browser.conftest import _shot_path
from tests.browser.test_finding_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 768, 1280)

# What a clerk types into the card (the report's 版头 and 版记), and the field it goes to.
HEAD = {
    "发文机关标志": "广元市昭化区人民政府文件",
    "发文字号": "广元市昭化区府办函〔2019〕145号",
    "签发人": "王明",
    "附注": "联系人：王蓉，电话：0839-1234567",
    "抄送机关": "市商务局，市财政局",
    "印发机关": "广元市昭化区人民政府办公室",
}
PRINTED_ON = "2019-09-10"


def fits_the_screen(page, selector: str) -> None:
    """Nothing wider than the window: no sideways scrolling, the card inside the viewport."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator(selector).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def one_line(locator) -> None:
    """Each of the elements on a single line (a label or a button not broken inside)."""
    for element in locator.all():
        lines = element.evaluate(
            "e => Math.round(e.getBoundingClientRect().height"
            " / parseFloat(getComputedStyle(e).lineHeight))"
        )
        assert lines <= 1, element.inner_text()


def card_shots(page, card, name: str, step: str) -> None:
    """At each width: the card fits the screen, its labels and buttons are whole; its
    picture taken in a window as tall as the page, so the form's sticky save bar does not
    cover its foot."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        card.scroll_into_view_if_needed()
        fits_the_screen(page, f"#{card.get_attribute('id')}")
        one_line(card.locator("label, .btn"))
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": width, "height": height})
        card.screenshot(path=_shot_path(name, f"{step}-{width}px"))
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def report(county_a, review_a):
    return Report.objects.create(
        county=county_a,
        issuer="广元市昭化区人民政府",
        addressee="省商务厅",
        title="广元市昭化区人民政府关于电子商务进农村综合示范项目绩效评价发现问题整改情况的报告",
    )


def test_the_head_and_record_card_saves_and_reads_back(new_page, alice, report, request):
    page = new_page()
    log_in(page, alice.username, f"/reports/{report.pk}/edit/")
    card = page.locator("#report-head-record")
    expect(card).to_be_visible()
    card_shots(page, card, request.node.name, "empty")

    page.set_viewport_size({"width": 390, "height": 900})
    for label, value in HEAD.items():
        card.get_by_label(label, exact=True).fill(value)
    card.get_by_label("印发日期").fill(PRINTED_ON)
    page.get_by_label("加盖印章").check()
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(report.get_absolute_url())
    expect(page.get_by_text("报告已保存。")).to_be_visible()

    saved = Report.objects.get(pk=report.pk)
    assert saved.doc_number == HEAD["发文字号"] and saved.sealed
    assert str(saved.printed_on) == PRINTED_ON

    page.goto(f"/reports/{report.pk}/edit/")
    # The longest field's text shows whole in its box, at the narrowest width too.
    number = card.get_by_label("发文字号", exact=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert number.evaluate("e => e.scrollWidth <= e.clientWidth"), width
    for label, value in HEAD.items():
        expect(card.get_by_label(label, exact=True)).to_have_value(value)
    expect(card.get_by_label("印发日期")).to_have_value(PRINTED_ON)
    expect(page.get_by_label("加盖印章")).to_be_checked()
    card_shots(page, card, request.node.name, "filled")


def test_the_print_and_download_card_of_a_finding(new_page, lee, finding_a, request):
    page = new_page()
    log_in(page, lee.username, finding_a.get_absolute_url())
    card = page.locator("#forms")
    expect(card).to_be_visible()
    card_shots(page, card, request.node.name, "card")
    for name in ("销号审批表", "佐证材料目录", "打包下载佐证材料"):
        expect(card.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(card.get_by_role("link", name="销号审批表 PDF")).to_be_visible()
    with page.expect_download() as download:
        card.get_by_role("link", name="销号审批表", exact=True).click()
    assert download.value.suggested_filename == f"销号申请审批表-{finding_a.pk}.docx"
