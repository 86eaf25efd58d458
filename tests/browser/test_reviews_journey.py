"""County staff keep their reviews (检查) in a real browser: add one with two categories,
rename one, reorder them; then register a finding, where choosing the review offers only its
categories. Screenshots at phone, tablet and desktop widths."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from issues import services
from issues.models import Category, Finding, Review
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_finding_journey import assert_styled, log_in
from tests.conftest import Factory
from tests.seeds import SEED_001

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "tablet": 768, "desktop": 1280}
DESCRIPTION = "部分村级电商服务站点未按要求悬挂标识，服务台账不完整。"


def shots(page, screenshot, step: str) -> None:
    """The page at each width, then back to the desktop width."""
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{step}-{name}")
        # Nothing wider than the window: no sideways scrolling on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{step} at {width}px is {overflow}px too wide"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_staff_keep_a_review_and_its_categories(
    new_page, screenshot, alice, county_a, review_a, unit_a, finding_a
):
    earlier = Factory.review(
        county_a, Review.Kind.PROVINCE_SUPERVISION, "省督查组", dt.date(2017, 7, 11)
    )
    page = new_page()
    log_in(page, "alice", "/reviews/")
    expect(page.get_by_role("heading", name="检查", exact=True)).to_be_visible()
    assert_styled(page)
    # One 省督查组 so far: named by its team alone.
    expect(page.locator(f"tr[data-review='{earlier.pk}'] td").first).to_contain_text("省督查组")
    shots(page, screenshot, "list")

    # A second visit of the same team.
    page.get_by_role("link", name="添加检查").click()
    expect(page).to_have_url(re.compile(r"/reviews/new/$"))
    page.get_by_label("检查组").fill("省督查组")
    page.get_by_label("类型").select_option(label="省督查组")
    page.get_by_label("检查单位").fill("四川省商务厅")
    page.get_by_label("文号").fill("川商建〔2026〕3号")
    page.get_by_label("开始日期").fill("2026-03-02")
    page.get_by_label("结束日期").fill("2026-03-04")
    shots(page, screenshot, "form")
    page.get_by_role("button", name="添加检查").click()

    review = Review.objects.get(reference_number="川商建〔2026〕3号")
    expect(page).to_have_url(re.compile(rf"/reviews/{review.pk}/$"))
    expect(page.locator(".alert-success")).to_contain_text("请添加它的问题类别")
    # Now two 省督查组: each reads with its month.
    expect(page.locator("h1")).to_have_text("省督查组（2026年3月）")
    assert list(review.counties.all()) == [county_a]

    # Two categories, added without any script.
    for name in ("项目推进问题", "资金管理问题"):
        page.get_by_label("类别名称", exact=True).fill(name)
        page.locator("form.add-category").get_by_role("button", name="添加类别").click()
        expect(page.locator(".alert-success")).to_contain_text(f"类别“{name}”已添加。")
    names = page.locator(".categories-form input[name^='name_']")
    expect(names).to_have_count(2)
    expect(names.nth(0)).to_have_value("项目推进问题")
    expect(names.nth(1)).to_have_value("资金管理问题")

    # Rename the second and move it to the top.
    names.nth(1).fill("资金使用管理问题")
    page.get_by_label("第2个类别的序号").fill("1")
    page.get_by_role("button", name="保存类别名称和顺序").click()
    expect(page.locator(".alert-success")).to_contain_text("问题类别已保存。")
    expect(names.nth(0)).to_have_value("资金使用管理问题")
    expect(names.nth(1)).to_have_value("项目推进问题")
    assert list(
        Category.objects.filter(review=review).order_by("order").values_list("name", "order")
    ) == [("资金使用管理问题", 1), ("项目推进问题", 2)]
    shots(page, screenshot, "detail")

    # The list names the two visits apart.
    page.locator("nav.navbar").get_by_role("link", name="检查", exact=True).click()
    expect(page.locator(f"tr[data-review='{earlier.pk}']")).to_contain_text("省督查组（2017年7月）")
    expect(page.locator(f"tr[data-review='{review.pk}']")).to_contain_text("省督查组（2026年3月）")

    # 登记问题 from the review: only its categories are offered, as the review changes.
    page.goto(f"/reviews/{review.pk}/")
    page.get_by_role("main").get_by_role("link", name="登记问题").click()
    review_select = page.get_by_label("检查", exact=True)
    category_select = page.get_by_label("问题类别", exact=True)
    expect(review_select).to_have_value(str(review.pk))
    expect(review_select.locator("option")).to_have_text(
        ["请选择检查", "省督查组（2017年7月）", "商务部复核组", "省督查组（2026年3月）"]
    )
    options = category_select.locator("option")
    expect(options).to_have_text(["请选择类别", "1. 资金使用管理问题", "2. 项目推进问题"])
    expect(page.get_by_role("button", name="按所选检查更新类别")).to_have_count(0)  # noscript
    review_select.select_option(label="商务部复核组")
    expect(options).to_have_text(["请选择类别", f"1. {finding_a.category.name}"])
    review_select.select_option(label="省督查组（2017年7月）")
    expect(options).to_have_text(["请选择类别"])
    review_select.select_option(label="省督查组（2026年3月）")
    category_select.select_option(label="2. 项目推进问题")
    page.get_by_label("问题描述").fill(DESCRIPTION)
    page.locator("fieldset[data-prefix=measures] textarea").nth(0).fill(
        "统一制作标识，逐站建立台账。"
    )
    page.locator("fieldset[data-prefix=units] select[name$='-unit']").nth(0).select_option(
        label=unit_a.name
    )
    shots(page, screenshot, "finding-form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("问题已登记。")
    finding = Finding.objects.get(description=DESCRIPTION)
    assert (finding.review, finding.category.name) == (review, "项目推进问题")
    expect(page.locator("nav.breadcrumb-trail")).to_contain_text("省督查组（2026年3月）")

    # The ledger and the dashboard name the visit the same way.
    page.goto("/findings/")
    row = page.locator(f"tr[data-finding='{finding.pk}']")
    expect(row).to_contain_text("省督查组（2026年3月）")
    screenshot(page, "ledger")
    page.goto("/counties/510811/")
    expect(page.locator("main")).to_contain_text("省督查组（2026年3月）发现问题1个")
    screenshot(page, "dashboard")

    # The category that now has a finding stays; the empty one could go.
    page.goto(f"/reviews/{review.pk}/")
    page.get_by_role("button", name="删除类别“项目推进问题”").click()
    expect(page.locator(".alert-danger")).to_contain_text("下有 1 个问题")
    expect(names).to_have_count(2)
    page.get_by_role("button", name="删除类别“资金使用管理问题”").click()
    expect(page.locator(".alert-success")).to_contain_text("已删除")
    expect(names).to_have_count(1)


def test_categories_follow_the_review_without_javascript(
    new_page, screenshot, alice, county_a, review_a, finding_a
):
    other = Factory.review(county_a, Review.Kind.PROVINCE_EVALUATION, "省绩效评价组")
    Category.objects.create(review=other, name="资金管理及项目管理方面问题", order=1)
    page = new_page(java_script_enabled=False)
    log_in(page, "alice", "/findings/new/")
    category_select = page.get_by_label("问题类别", exact=True)
    expect(category_select.locator("optgroup")).to_have_count(2)
    page.get_by_label("问题描述").fill(DESCRIPTION)
    page.get_by_label("检查", exact=True).select_option(label="省绩效评价组")
    page.get_by_role("button", name="按所选检查更新类别").click()
    expect(category_select.locator("option")).to_have_text(
        ["请选择类别", "1. 资金管理及项目管理方面问题"]
    )
    expect(page.get_by_label("问题描述")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("检查", exact=True)).to_have_value(str(other.pk))
    expect(page.locator(".alert-danger, .invalid-feedback")).to_have_count(0)
    shots(page, screenshot, "refreshed")


def test_the_review_is_named_from_the_opening_and_corrected_in_the_preview(
    new_page, screenshot, alice, county_a
):
    """Seed 001 (the Jiangxi notice) has no team in a heading: the preview proposes the team,
    issuer, dates and 文号 read from its title and opening paragraph, and the user corrects them."""
    page = new_page()
    log_in(page, "alice", "/imports/")
    page.get_by_label("或粘贴文字").fill(SEED_001.read_text(encoding="utf-8"))
    page.get_by_label("检查类型").first.select_option(label="省督查组")
    page.get_by_role("button", name="读取并预览").first.click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    draft = page.locator("tr.review-draft")
    expect(draft).to_contain_text("按文件的标题和开头填写，请核对。")
    expect(draft.get_by_label("检查组")).to_have_value("省督查组")
    expect(draft.get_by_label("发文机关")).to_have_value("江西省商务厅")
    expect(draft.get_by_label("开始日期")).to_have_value("2017-07-11")
    expect(draft.get_by_label("结束日期")).to_have_value("2017-07-22")
    expect(draft.get_by_label("文号")).to_have_value("赣商务建设字〔2017〕193号")
    shots(page, screenshot, "import-preview")
    # The preview is long: the review part on its own, at each width, to look at.
    section = page.locator("section", has=draft)
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        section.screenshot(path=SCREENSHOTS / f"import-preview-review-part-{name}.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    draft.get_by_label("检查组").fill("江西省第三批示范县督查组")
    page.get_by_role("button", name=re.compile("确认导入")).click()
    expect(page.locator(".alert-success")).to_contain_text("导入完成")
    review = Review.objects.get(counties=county_a)
    assert (review.team, review.start_date, review.reference_number) == (
        "江西省第三批示范县督查组",
        dt.date(2017, 7, 11),
        "赣商务建设字〔2017〕193号",
    )
    assert Finding.objects.filter(review=review).exists()


def test_the_province_reviewer_edits_a_notice(new_page, screenshot, rita, province, county_a):
    notice = services.notice_create(
        user=rita, province=province, data={"team": "省督查组", "title": "关于督查情况的通报"}
    )
    page = new_page()
    log_in(page, "rita", f"/notices/{notice.pk}/")
    page.get_by_role("link", name="修改通报").click()
    expect(page).to_have_url(re.compile(rf"/notices/{notice.pk}/edit/$"))
    page.get_by_label("文号").fill("川商务建设字〔2019〕12号")
    page.get_by_label("检查单位").fill("四川省商务厅")
    shots(page, screenshot, "notice-edit")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"/notices/{notice.pk}/$"))
    expect(page.locator(".alert-success")).to_contain_text("通报的修改已保存。")
    expect(page.locator("main")).to_contain_text("川商务建设字〔2019〕12号")
    notice.refresh_from_db()
    assert notice.issuer == "四川省商务厅"
