"""Issue 13's done-when, in the browser: a county's system administrator creates a staff
account; the new user logs in with the temporary password, must set a password the rules
accept, reaches the ledger; five wrong passwords lock the account (the Chinese lockout page);
the county's security administrator lifts the lockout; the county's auditor finds every one
of those events in the security audit log. Each person sits at their own machine
(an address of their own, as nginx reports it), so the lockout of one address locks nobody
else."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from audit.models import Event
from issues.models import User
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 768, 390)
NEW_PASSWORD = "Zhaohua-river-2026"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.RECTIFY_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    # Behind nginx: the address is the X-Forwarded-For entry nginx appended.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def at_desk(new_page, ip: str):
    return new_page(extra_http_headers={"X-Forwarded-For": ip})


def at_widths(page, screenshot, step: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{step}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def log_out(page) -> None:
    page.locator("nav .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/(login|logout)/"))


def test_a_county_administrator_creates_an_account_that_is_then_locked_and_unlocked(
    axes_on, new_page, screenshot, ada, sid, otto, alice, lee
):
    # The county's system administrator lands on its accounts.
    admin = at_desk(new_page, "10.0.0.2")
    log_in(admin, "ada", PASSWORD)
    expect(admin).to_have_url(re.compile(r"/accounts/manage/$"))
    expect(admin.get_by_role("heading", name="账户管理")).to_be_visible()
    expect(admin.locator("nav")).not_to_contain_text("问题台账")
    expect(admin.locator("tbody tr")).to_have_count(2)  # alice, lee
    at_widths(admin, screenshot, "account-list")

    admin.get_by_role("link", name="新建账户").click()
    expect(admin.get_by_role("heading", name="新建账户")).to_be_visible()
    # A name that is taken: the form comes back with what was typed.
    admin.get_by_label("用户名").fill("alice")
    admin.get_by_label("姓名").fill("陈晓")
    admin.get_by_label("角色").select_option(label="区县工作人员")
    admin.get_by_role("button", name="创建账户").click()
    expect(admin.locator(".invalid-feedback")).to_be_visible()
    expect(admin.get_by_label("姓名")).to_have_value("陈晓")
    expect(admin.get_by_label("用户名")).to_have_value("alice")
    at_widths(admin, screenshot, "account-create")
    admin.get_by_label("用户名").fill("chenxiao")
    admin.get_by_role("button", name="创建账户").click()
    expect(admin.get_by_role("heading", name="账户已创建")).to_be_visible()
    temporary = admin.locator("#temporary-password").inner_text().strip()
    assert len(temporary) >= 10
    screenshot(admin, "temporary-password")
    log_out(admin)

    # The new user: the temporary password, then a password of their own.
    user = at_desk(new_page, "10.0.0.3")
    log_in(user, "chenxiao", temporary)
    expect(user).to_have_url(re.compile(r"/accounts/password/$"))
    expect(user.locator(".alert-warning")).to_contain_text("请先设置您自己的新密码")
    user.get_by_label("旧密码").fill(temporary)
    user.get_by_label("新密码", exact=True).fill("2019113020191130")
    user.get_by_label("新密码确认").fill("2019113020191130")
    user.get_by_role("button", name="修改密码").click()
    expect(user.locator(".invalid-feedback")).to_contain_text("密码只包含数字。")
    # Passwords are not sent back into the page (Django's PasswordInput): typed again.
    user.get_by_label("旧密码").fill(temporary)
    user.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    user.get_by_label("新密码确认").fill(NEW_PASSWORD)
    user.get_by_role("button", name="修改密码").click()
    expect(user.locator(".alert-success")).to_contain_text("密码已修改")
    user.get_by_role("link", name="问题台账").click()
    expect(user.get_by_role("heading", name="问题台账")).to_be_visible()
    log_out(user)

    # Five wrong passwords: locked, with the Chinese message.
    for _ in range(5):
        log_in(user, "chenxiao", "wrong-password-1")
    expect(user.locator("body")).to_contain_text("登录失败次数过多")
    log_in(user, "chenxiao", NEW_PASSWORD)
    expect(user.locator("body")).to_contain_text("该账户或本机地址已被锁定")
    assert any("HTTP 429" in problem for problem in user.problems)
    user.problems.clear()
    at_widths(user, screenshot, "lockout")

    # The county's security administrator lifts it.
    security = at_desk(new_page, "10.0.0.4")
    log_in(security, "sid", PASSWORD)
    security.get_by_role("link", name="登录锁定").click()
    row = security.locator("tbody tr", has_text="chenxiao")
    expect(row).to_be_visible()
    at_widths(security, screenshot, "lockouts")
    row.get_by_role("button", name="解除锁定").click()
    expect(security.locator(".alert-success")).to_contain_text("已解除“chenxiao”的登录锁定")
    expect(security.locator("tbody")).to_contain_text("当前没有被锁定的账户")

    log_in(user, "chenxiao", NEW_PASSWORD)
    expect(user).not_to_have_url(re.compile(r"/accounts/login/"))
    account = User.objects.get(username="chenxiao")
    assert account.county_id == ada.county_id and not account.must_change_password
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {
        Event.Kind.ACCOUNT_CREATED,
        Event.Kind.PASSWORD_CHANGED,
        Event.Kind.UNLOCK,
    } <= kinds

    # The county's auditor sees every one of those events, with who and from where.
    auditor = at_desk(new_page, "10.0.0.5")
    log_in(auditor, "otto", PASSWORD)
    expect(auditor.get_by_role("heading", name="安全审计日志")).to_be_visible()
    log = auditor.locator("main")
    for label in ("创建账户", "修改密码", "登录失败", "登录锁定", "解除锁定", "登录"):
        expect(log).to_contain_text(label)
    auditor.get_by_label("用户名").fill("chenxiao")
    auditor.get_by_label("事件").select_option(label="登录锁定")
    auditor.get_by_role("button", name="搜索").click()
    expect(log).to_contain_text("10.0.0.3")
    at_widths(auditor, screenshot, "audit-lockouts")
