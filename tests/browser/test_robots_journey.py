"""County staff add their office's 钉钉 robot on 群机器人 (opened from the menu) and see it in
the list, at desktop, tablet and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from outbox.models import RobotHook
from tests.browser.test_finding_journey import log_in
from tests.browser.test_reviews_journey import shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_add_a_dingtalk_robot(new_page, screenshot, alice, unit_a):
    page = new_page()
    log_in(page, "alice", "/units/")
    page.get_by_role("link", name="群机器人").click()
    expect(page.get_by_role("heading", name="群机器人")).to_be_visible()
    page.get_by_role("link", name="添加机器人").click()
    page.get_by_label("名称").fill("整改工作群")
    page.get_by_label("类型").select_option(label="钉钉")
    page.get_by_label("Webhook 地址").fill("https://oapi.dingtalk.com/robot/send?access_token=t")
    page.get_by_label("加签密钥").fill("SEC123")
    shots(page, screenshot, "form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("群机器人“整改工作群”已保存。")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("钉钉")
    expect(row).to_contain_text("加签")
    expect(row).to_contain_text("区县办公室")
    shots(page, screenshot, "list")
    hook = RobotHook.objects.get()
    assert (hook.kind, hook.secret, hook.unit) == ("dingtalk", "SEC123", None)
