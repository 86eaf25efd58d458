"""Deadline extensions (延期) and archiving (归档) as requests, in a real browser.

County staff file 申请延期 (with a later date and a reason) and 申请归档 (with a reason) on a
finding's page; the county leader finds both in 我的待办, approves the extension and refuses
the archive with a reason. The finding keeps its original deadline and says so.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from issues.models import Finding, FindingRequest
from tests.browser.test_finding_journey import assert_styled, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "公共服务中心装修受汛期影响，设备到货推迟，需延期两个月。"
ARCHIVE_REASON = "与省绩效评价组反馈的同一问题重复登记。"
REFUSAL = "两次检查的问题各自整改、各自销号，不能归档。"
EXTENDED = "原定2019年10月30日，经批准延期至2019年12月31日"
WIDTHS = (390, 768, 1280)


def log_out(page) -> None:
    page.locator("nav.navbar .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def shots(page, screenshot, step: str) -> None:
    """The page at a phone's, a tablet's and a desktop's width."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{step}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def expect_rejected(page) -> None:
    expect(page.locator(".alert-danger").first).to_be_visible()
    assert page.problems == [f"HTTP 400 {page.url}"], page.problems
    page.problems.clear()


def test_extension_and_archive_requests(new_page, screenshot, alice, lee, finding_a):
    detail = f"/findings/{finding_a.pk}/"

    # --- County staff ask -----------------------------------------------------------------
    page = new_page()
    log_in(page, "alice", detail)
    assert_styled(page)
    card = page.locator("#requests")
    expect(card).to_be_visible()
    # No browser confirm() guards anything: the forms need a reason and the leader decides.
    page.on("dialog", lambda d: pytest.fail(f"unexpected dialog: {d.message}"))

    extension = card.locator("details", has_text="申请延期")
    extension.locator("summary").click()
    form = page.locator("#extension-request")
    expect(form).to_contain_text("现完成时限为2019年10月30日")
    # A date that is not later is refused, and what was typed stays.
    form.get_by_label("申请延期至").fill("2019-10-01")
    form.get_by_label("延期理由").fill(REASON)
    form.get_by_role("button", name="提交延期申请").click()
    expect_rejected(page)
    form = page.locator("#extension-request")
    expect(form).to_contain_text("延期后的完成时限须晚于现在的完成时限（2019年10月30日）。")
    expect(form.get_by_label("延期理由")).to_have_value(REASON)
    screenshot(page, "staff-extension-refused-input-kept")
    form.get_by_label("申请延期至").fill("2019-12-31")
    form.get_by_role("button", name="提交延期申请").click()
    expect(page).to_have_url(re.compile(rf"{detail}#requests$"))
    expect(page.locator(".alert-success")).to_contain_text("延期申请已提交，等待区县领导审批。")
    pending = page.locator("#requests .request-pending[data-kind=extension]")
    expect(pending).to_contain_text("完成时限由2019年10月30日延至2019年12月31日")
    expect(pending.get_by_role("button", name="撤回申请")).to_be_visible()
    # Nothing moved yet.
    expect(page.locator("dl.facts")).not_to_contain_text("经批准延期")

    # The old 归档 button now leads to the request form (no confirm dialog, no direct archive).
    page.get_by_role("link", name="申请归档").click()
    archive = page.locator("#archive-request")
    expect(archive).to_be_visible()
    archive.get_by_label("归档理由").fill(ARCHIVE_REASON)
    archive.get_by_role("button", name="提交归档申请").click()
    expect(page.locator(".alert-success")).to_contain_text("归档申请已提交，等待区县领导审批。")
    expect(page.locator("#requests .request-pending")).to_have_count(2)
    expect(page.get_by_role("link", name="申请归档")).to_have_count(0)  # one at a time
    shots(page, screenshot, "staff-requests-pending")
    assert not Finding.objects.get(pk=finding_a.pk).is_archived

    page.goto("/my/")
    mine = page.locator(".card", has_text="我提交的待审批申请")
    expect(mine.locator(".request-row")).to_have_count(2)
    log_out(page)

    # --- The county leader decides ----------------------------------------------------------
    log_in(page, "lee", "/my/")
    extensions = page.locator(".card", has_text="等待审批的延期申请")
    archives = page.locator(".card", has_text="等待审批的归档申请")
    expect(extensions.locator(".request-row")).to_have_count(1)
    expect(extensions).to_contain_text("完成时限由2019年10月30日延至2019年12月31日")
    expect(extensions).to_contain_text(REASON[:20])
    expect(archives.locator(".request-row")).to_have_count(1)
    expect(archives).to_contain_text(ARCHIVE_REASON)
    shots(page, screenshot, "leader-my-work")

    extensions.get_by_role("link", name=finding_a.short_description).click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".alert-warning", has_text="等待您审批")).to_contain_text("有2项")
    screenshot(page, "leader-finding-pending")
    ext = page.locator("#requests .request-pending[data-kind=extension]")
    ext.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(
        "已同意延期：完成时限改为2019年12月31日。"
    )
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("2019年12月31日前")
    expect(facts.locator(".extension-note")).to_have_text(EXTENDED)

    # Refusing needs a reason.
    arch = page.locator("#requests .request-pending[data-kind=archive]")
    arch.get_by_role("button", name="不同意（须说明理由）").click()
    expect_rejected(page)
    arch = page.locator("#requests .request-pending[data-kind=archive]")
    expect(arch).to_contain_text("不同意须说明理由。")
    arch.get_by_label("审批意见").fill(REFUSAL)
    arch.get_by_role("button", name="不同意（须说明理由）").click()
    expect(page.locator(".alert-success")).to_contain_text("已不同意该归档申请。")
    expect(page.locator("#requests .request-pending")).to_have_count(0)
    past = page.locator("#requests .request-past")
    expect(past).to_have_count(2)
    expect(past.filter(has_text="归档申请")).to_contain_text(REFUSAL)
    expect(past.filter(has_text="延期申请")).to_contain_text("已同意")
    shots(page, screenshot, "leader-finding-decided")

    # The ledger shows the original deadline and finds the finding by the 延期 filter.
    page.goto("/findings/?extension=extended")
    row = page.locator(f"tr[data-finding='{finding_a.pk}']")
    expect(row).to_contain_text("原定2019年10月30日")
    expect(page.locator("tbody tr[data-finding]")).to_have_count(1)
    shots(page, screenshot, "ledger-extended-filter")

    finding = Finding.objects.get(pk=finding_a.pk)
    assert (finding.deadline, finding.original_deadline) == (
        dt.date(2019, 12, 31),
        dt.date(2019, 10, 30),
    )
    assert not finding.is_archived
    assert dict(FindingRequest.objects.values_list("kind", "status")) == {
        "extension": "approved",
        "archive": "refused",
    }


def test_dashboards_count_close_outs_against_the_original_deadline(
    new_page, screenshot, alice, lee, rita, finding_a, county_a, review_a, factory
):
    """finding_a is extended and closed today, after both deadlines: 逾期销号; another
    finding, closed today before its deadline, is 按期销号."""
    from issues import services
    from tests.approvals import extend

    extend(finding_a, dt.date(2019, 12, 31), staff=alice, leader=lee)
    later = factory.finding(
        alice, county_a, review_a, description="按期完成的问题。", deadline=dt.date(2099, 1, 1)
    )
    for finding in (finding_a, later):
        services.finding_start(user=alice, finding=finding)
        services.finding_submit_closeout(
            user=alice, finding=finding, result="已整改。", evidence_waiver="现场查验。"
        )
        services.finding_close(user=lee, finding=finding)

    page = new_page()
    log_in(page, "lee", f"/counties/{county_a.code}/")
    timing = page.locator(".tally .closeout-timing")
    expect(timing.locator("[data-count=closed_on_time]")).to_have_text("1")
    expect(timing.locator("[data-count=closed_extended]")).to_have_text("0")
    expect(timing.locator("[data-count=closed_late]")).to_have_text("1")
    expect(page.locator("table .closeout-timing").first).to_contain_text("按期1 · 延期0 · 逾期1")
    shots(page, screenshot, "county-dashboard")

    page.goto("/findings/?timing=late")
    row = page.locator(f"tr[data-finding='{finding_a.pk}']")
    expect(row.locator("[data-timing]")).to_have_text("逾期销号")
    expect(row).to_contain_text("原定2019年10月30日")
    shots(page, screenshot, "ledger-late-filter")
    log_out(page)

    log_in(page, "rita", "/provinces/510000/")
    expect(page.locator(f"tr[data-county='{county_a.code}'] [data-late]")).to_have_text("1")
    shots(page, screenshot, "province-dashboard")
