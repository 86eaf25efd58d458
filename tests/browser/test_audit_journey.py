"""The auditor (审计管理员) reads the security audit log in a real browser: somebody fails to
log in as alice; the province's auditor logs in, opens 安全审计 from the menu, searches the
failed logins of alice and sees them, at desktop, tablet and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from issues.models import Role
from tests.browser.test_finding_journey import log_in
from tests.browser.test_reviews_journey import shots
from tests.conftest import Factory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fail_to_log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("main .alert-danger")).to_be_visible()
    page.wait_for_load_state("load")  # the icon too, before the next page aborts it


def test_the_auditor_finds_the_failed_logins_of_a_user(new_page, screenshot, alice, bob, province):
    Factory.user("aud-p", Role.AUDITOR, province=province)
    stranger = new_page()
    for username in ("alice", "alice", "bob"):
        fail_to_log_in(stranger, username)

    page = new_page()
    log_in(page, "aud-p", "/audit/")
    expect(page.get_by_role("link", name="安全审计")).to_have_attribute("href", "/audit/")
    expect(page.get_by_role("heading", name="安全审计日志")).to_be_visible()
    # The auditor's own login is there too.
    expect(page.locator("tr[data-kind='login']")).to_contain_text("aud-p")
    expect(page.locator("tr[data-kind='login_failed']")).to_have_count(3)

    page.get_by_label("事件").select_option(label="登录失败")
    page.get_by_label("用户名").fill("alice")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"kind=login_failed.*username=alice"))
    rows = page.locator("table.audit-log tbody tr")
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i)).to_contain_text("登录失败")
        expect(rows.nth(i)).to_contain_text("alice")
        expect(rows.nth(i)).to_contain_text("127.0.0.1")
        expect(rows.nth(i)).to_contain_text("广元市昭化区")
    expect(page.get_by_label("用户名")).to_have_value("alice")
    shots(page, screenshot, "failed-logins")

    # On a phone the events are a compact list instead of the table.
    page.set_viewport_size({"width": 390, "height": 900})
    expect(page.locator("table.audit-log")).to_be_hidden()
    items = page.locator(".audit-list li[data-kind='login_failed']")
    expect(items).to_have_count(2)
    expect(items.first).to_be_visible()
    expect(items.first).to_contain_text("alice")
    expect(page.get_by_role("link", name="导出Excel")).to_be_visible()
