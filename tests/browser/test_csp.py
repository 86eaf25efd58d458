"""The pages work under the Content-Security-Policy in Chromium: the county dashboard draws its
charts, the finding form adds a measure row, the ledger lists, the print button and the
language switch (once on*="" attributes, now static/js/page-actions.js) still act, and the
browser reports no violation, neither in the console nor as a securitypolicyviolation event."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from issues.models import Finding, Role
from tests.conftest import PASSWORD, Factory

from .test_finding_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


def csp_page(new_page):
    page = new_page()
    page.add_init_script(WATCH)
    page.csp_console = []

    def console(msg):
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            page.csp_console.append(msg.text)

    page.on("console", console)
    return page


def assert_no_violation(page):
    assert page.evaluate("window.__csp") == []
    assert page.csp_console == []


def test_pages_work_under_the_policy(new_page, screenshot, alice, finding_a):
    page = csp_page(new_page)
    dashboard = f"/counties/{alice.county.code}/"
    log_in(page, "alice", dashboard)
    response = page.reload()
    assert "script-src 'self'" in response.headers["content-security-policy"]

    # The county dashboard: every chart container gets ECharts' canvas.
    charts = page.locator(".chart[data-chart]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 3
    for i in range(charts.count()):
        expect(charts.nth(i).locator("canvas, svg").first).to_be_attached()
    charts.first.hover()  # ECharts writes its tooltip as HTML with style attributes
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.__printed") == 1
    assert_no_violation(page)
    for width in (390, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"dashboard-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The finding form: the formset script adds a measure row, which saves.
    page.goto(f"/findings/{finding_a.pk}/edit/")
    measures = page.locator("fieldset[data-prefix=measures]")
    expect(measures).to_have_class(re.compile(r"\bjs-enabled\b"))
    rows = measures.locator("[data-row]:visible")
    before = rows.count()
    page.get_by_role("button", name="添加一条措施").click()
    expect(rows).to_have_count(before + 1)
    rows.last.locator("textarea").fill("第三条措施")
    screenshot(page, "edit-row-added")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("修改已保存。")
    assert list(
        Finding.objects.get(pk=finding_a.pk)
        .measures.order_by("order")
        .values_list("text", flat=True)
    ) == ["第一条措施", "第二条措施", "第三条措施"]
    assert_no_violation(page)

    # The ledger, and the language switch that submits on change.
    page.goto("/findings/")
    expect(page.get_by_role("link", name=re.compile(re.escape(finding_a.description[:8]))))
    screenshot(page, "ledger")
    assert_no_violation(page)
    with page.expect_navigation():
        page.locator("#language-select").first.select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state("load")  # let the favicon arrive before navigating again
    with page.expect_navigation():
        page.locator("#language-select").first.select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.wait_for_load_state("load")
    assert_no_violation(page)


def test_an_administrator_pairs_an_authenticator_under_the_policy(
    new_page, screenshot, settings, county_a
):
    settings.RECTIFY_ADMIN_OTP_REQUIRED = True
    Factory.user("admin-a", Role.ACCOUNT_ADMIN, county=county_a)
    page = csp_page(new_page)
    page.goto("/accounts/login/?next=/accounts/password/")
    page.get_by_label("用户名").fill("admin-a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(
        re.compile(r"/accounts/second-factor/setup/\?next=%2Faccounts%2Fpassword%2F$")
    )
    expect(page.locator(".otp-qr svg")).to_be_visible()
    for width in (390, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"setup-{width}")
    assert_no_violation(page)

    device = TOTPDevice.objects.get(user__username="admin-a")
    secret = page.locator("[data-otp-secret]").inner_text().replace(" ", "")
    assert secret and len(secret) == 32
    page.get_by_label("验证码").fill("000000" if totp(device.bin_key) else "111111")
    page.get_by_role("button", name="确认绑定").click()
    expect(page.locator(".invalid-feedback")).to_have_text("验证码不正确，请重新输入。")
    screenshot(page, "wrong-code")
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # the throttle's wait, over
    device.save()
    page.get_by_label("验证码").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="确认绑定").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    expect(page.locator(".alert-success")).to_contain_text("已绑定验证器")
    assert_no_violation(page)
