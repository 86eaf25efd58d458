"""County staff register a finding in a real browser, with and without JavaScript."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issues.models import Finding, FindingUnit
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "县级电子商务公共服务中心建设滞后，运营管理制度不健全，服务功能发挥不充分。"
MEASURES = [
    "加快县级公共服务中心装修和设备采购，2019年10月底前投入运营。",
    "制定服务中心运营管理办法，明确运营主体责任，按月报送服务台账。",
]
# The site's primary blue (rectify.css), darker than Bootstrap's for AA contrast: its rule
# applied shows Bootstrap and the site's stylesheet both reached the browser.
SITE_PRIMARY = "rgb(10, 88, 202)"


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def log_in(page, username: str, next_path: str, screenshot=None) -> None:
    page.goto(next_path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    if screenshot:
        assert_styled(page)
        screenshot(page, "login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def rendered_fonts(page, selector: str = "h1") -> set[str]:
    """The fonts Chromium actually drew the element's text with (not what the CSS asked)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    return {font["familyName"] for font in fonts}


def assert_styled(page) -> None:
    """Bootstrap and the site's CSS reached the browser, and Chinese text has a CJK font."""
    expect(page.locator(".btn-primary").first).to_have_css("background-color", SITE_PRIMARY)
    # The site's own stylesheet names the CJK fonts.
    expect(page.locator("body")).to_have_css("font-family", re.compile("Noto Sans CJK SC"))
    fonts = rendered_fonts(page)
    assert any("CJK" in name for name in fonts), f"Chinese drawn without a CJK font: {fonts}"


def test_county_staff_register_a_finding(
    new_page, screenshot, alice, county_a, review_a, unit_a, unit_a2, finding_a
):
    page = new_page()
    category = finding_a.category
    deadline = timezone.localdate() + dt.timedelta(days=90)

    log_in(page, "alice", "/findings/new/", screenshot)
    expect(page.get_by_role("heading", name=re.compile("登记问题"))).to_be_visible()
    assert_styled(page)
    screenshot(page, "form-empty")

    page.get_by_label("检查", exact=True).select_option(label=review_a.team)
    page.get_by_label("问题类别", exact=True).select_option(
        label=f"{category.order}. {category.name}"
    )
    page.get_by_label("问题描述").fill(DESCRIPTION)

    # Measures: the script adds the second row in the page and numbers the rows.
    measures = page.locator("fieldset[data-prefix=measures]")
    expect(measures.locator("textarea")).to_have_count(1)
    measures.locator("textarea").nth(0).fill(MEASURES[0])
    page.get_by_role("button", name="添加一条措施").click()
    expect(measures.locator("textarea")).to_have_count(2)
    expect(measures.locator("textarea").nth(1)).to_be_focused()
    measures.locator("textarea").nth(1).fill(MEASURES[1])
    expect(measures.locator(".row-ordinal")).to_have_text(["1", "2"])
    for i in range(2):  # the script hides the fallbacks for pages without it
        expect(measures.locator(".order-input").nth(i)).to_be_hidden()

    # Units: the lead unit first, then a cooperating one.
    units = page.locator("fieldset[data-prefix=units]")
    units.locator("select[name$='-unit']").nth(0).select_option(label=unit_a.name)
    page.get_by_role("button", name="添加一个单位").click()
    expect(units.locator("[data-row]")).to_have_count(2)
    units.locator("select[name$='-unit']").nth(1).select_option(label=unit_a2.name)
    units.locator("select[name$='-role']").nth(1).select_option(label="配合单位")

    page.get_by_label("完成时限").fill(deadline.isoformat())
    screenshot(page, "form-filled")
    page.get_by_role("button", name="保存").click()

    # The detail page.
    finding = Finding.objects.get(description=DESCRIPTION)
    expect(page).to_have_url(re.compile(rf"/findings/{finding.pk}/$"))
    expect(page.locator(".alert-success")).to_contain_text("问题已登记。")
    expect(page.locator("h1")).to_contain_text(DESCRIPTION)
    expect(page.locator("ol.measures li")).to_have_text(
        [f"一是{MEASURES[0]}", f"二是{MEASURES[1]}"]
    )
    facts = page.locator("dl.facts")
    lead = facts.locator("dt:text-is('责任单位') + dd")
    expect(lead).to_have_text(re.compile(rf"^\s*{re.escape(unit_a.name)}\s*牵头\s*$"))
    expect(lead.locator(".badge")).to_have_text("牵头")
    expect(facts.locator("dt:text-is('配合单位') + dd")).to_have_text(unit_a2.name)
    expect(facts.locator("dt:text-is('完成时限') + dd")).to_have_text(f"{cn_date(deadline)}前")
    assert_styled(page)
    screenshot(page, "detail")

    assert finding.county == county_a
    assert finding.category == category
    assert [m.text for m in finding.measures.all()] == MEASURES
    assert [(link.unit, link.role) for link in finding.unit_links.order_by("order")] == [
        (unit_a, FindingUnit.Role.RESPONSIBLE),
        (unit_a2, FindingUnit.Role.COOPERATING),
    ]
    assert finding.deadline == deadline

    # The ledger lists it with its lead unit, after the finding that was already there.
    page.locator("nav.navbar").get_by_role("link", name="问题台账", exact=True).click()
    expect(page).to_have_url(re.compile(r"/findings/$"))
    rows = page.locator("table.ledger tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-count=total]")).to_have_text("2")
    row = page.locator(f"tr[data-finding='{finding.pk}']")
    expect(row.get_by_role("link")).to_have_text(DESCRIPTION)  # under 60 characters: whole
    expect(row).to_contain_text(unit_a.name)
    expect(row).to_contain_text(cn_date(deadline))
    expect(row).to_contain_text("未整改")
    assert_styled(page)
    screenshot(page, "ledger")

    # And the keyword search finds it by a measure's words.
    page.get_by_label("关键词").fill("运营管理办法")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(row).to_be_visible()
    screenshot(page, "ledger-search")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/findings/{finding.pk}/$"))


def test_finding_form_works_without_javascript(
    new_page, screenshot, alice, review_a, unit_a, unit_a2
):
    page = new_page(java_script_enabled=False)
    log_in(page, "alice", "/findings/new/")
    assert_styled(page)
    measures = page.locator("fieldset[data-prefix=measures]")
    units = page.locator("fieldset[data-prefix=units]")
    # Without the script the order numbers and delete boxes stand in for its buttons.
    expect(measures.locator(".order-input")).to_be_visible()
    expect(measures.get_by_role("button", name="上移")).to_be_hidden()
    screenshot(page, "form-empty")

    page.get_by_label("检查", exact=True).select_option(label=review_a.team)
    page.get_by_label("或新建类别").fill("服务体系建设问题")
    page.get_by_label("问题描述").fill(DESCRIPTION)
    measures.locator("textarea").nth(0).fill(MEASURES[0])
    units.locator("select[name$='-unit']").nth(0).select_option(label=unit_a.name)

    # "Add a measure" posts the form back and shows it again with one more, empty row.
    page.get_by_role("button", name="添加一条措施").click()
    expect(measures.locator("textarea")).to_have_count(2)
    expect(measures.locator("textarea").nth(0)).to_have_value(MEASURES[0])
    expect(measures.locator("textarea").nth(1)).to_have_value("")
    expect(page.get_by_label("问题描述")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("或新建类别")).to_have_value("服务体系建设问题")
    expect(page.get_by_label("检查", exact=True)).to_have_value(str(review_a.pk))
    expect(units.locator("select[name$='-unit']").nth(0)).to_have_value(str(unit_a.pk))
    # Not a failed save: no error message, no field marked invalid.
    expect(page.locator(".alert-danger, .invalid-feedback")).to_have_count(0)
    screenshot(page, "measure-added")

    measures.locator("textarea").nth(1).fill(MEASURES[1])
    page.get_by_role("button", name="添加一个单位").click()
    expect(units.locator("[data-row]")).to_have_count(2)
    expect(measures.locator("textarea").nth(1)).to_have_value(MEASURES[1])
    expect(units.locator("select[name$='-unit']").nth(0)).to_have_value(str(unit_a.pk))
    units.locator("select[name$='-unit']").nth(1).select_option(label=unit_a2.name)
    screenshot(page, "unit-added")

    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("问题已登记。")
    expect(page.locator("ol.measures li")).to_have_text(
        [f"一是{MEASURES[0]}", f"二是{MEASURES[1]}"]
    )
    expect(page.locator("dl.facts dt:text-is('责任单位') + dd")).to_have_text(
        re.compile(rf"^\s*{re.escape(unit_a.name)}\s*牵头\s*、\s*{re.escape(unit_a2.name)}\s*$")
    )
    screenshot(page, "detail")
    finding = Finding.objects.get(description=DESCRIPTION)
    assert finding.category.name == "服务体系建设问题"
    assert [m.text for m in finding.measures.all()] == MEASURES


def test_adding_a_row_without_javascript_marks_nothing_invalid(
    new_page, screenshot, alice, review_a, unit_a
):
    page = new_page(java_script_enabled=False)
    log_in(page, "alice", "/findings/new/")
    page.get_by_role("button", name="添加一个单位").click()
    expect(page.locator("fieldset[data-prefix=units] [data-row]")).to_have_count(2)
    screenshot(page, "unit-added")
    expect(page.locator("[aria-invalid=true]")).to_have_count(0, timeout=1_000)
