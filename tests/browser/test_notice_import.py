"""A province's reviewer imports seed 001 (江西's 督查通报) in a real browser: pastes it, checks
the preview at a phone's, a tablet's and a desktop's width, uses 全选 (JavaScript), confirms,
and lands on the notice fanned out to its seven counties."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from issues.models import Finding, Review, Role
from tests.browser.test_finding_journey import log_in
from tests.browser.test_requests_journey import shots
from tests.conftest import Factory
from tests.seeds import SEED_001

SEED = SEED_001
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
JIANGXI = ["庐山市", "吉安县", "铜鼓县", "黎川县", "广昌县", "上饶县", "余干县"]


def test_reviewer_imports_seed_001(new_page, screenshot):
    province = Factory.province("360000", "江西省")
    for n, name in enumerate(JIANGXI):
        Factory.county(province, f"3600{n:02d}", name)
    Factory.user("jo", Role.PROVINCE_REVIEWER, province=province)

    page = new_page()
    log_in(page, "jo", "/notices/import/")
    page.get_by_label("或粘贴文字").fill(SEED.read_text())
    page.get_by_role("button", name="读取并预览").click()
    expect(page).to_have_url(re.compile(r"/notices/import/\d+/$"))
    expect(page.locator("#identity_reference_number")).to_have_value("赣商务建设字〔2017〕193号")
    first = page.locator("#item-0")
    expect(first.locator("#item_0_category")).to_have_value("资金拨付进度缓慢")
    boxes = first.locator('input[name="item_0_counties"]')
    expect(boxes).to_have_count(7)
    assert all(boxes.nth(k).is_checked() for k in range(7))
    for width in (390, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{width}px: the page is {overflow}px wide"
    shots(page, screenshot, "notice-preview")

    # 全选 in the browser: all ticked → none; again → all the addressed counties.
    select_all = first.get_by_role("button", name="全选")
    select_all.click()
    assert not any(boxes.nth(k).is_checked() for k in range(7))
    select_all.click()
    assert all(boxes.nth(k).is_checked() for k in range(7))
    # Untick 黎川县 from item 1, then confirm.
    first.get_by_label("黎川县").uncheck()
    page.get_by_role("button", name=re.compile("确认创建通报并分发")).click()
    notice = Review.objects.get(province=province)
    expect(page).to_have_url(re.compile(rf"/notices/{notice.pk}/$"))
    expect(page.locator(".alert-success")).to_contain_text("通报已创建")
    shots(page, screenshot, "notice-imported")
    first_item = notice.notice_items.order_by("id").first()
    assert Finding.objects.filter(notice_item=first_item).count() == 6
    assert notice.counties.count() == 7
