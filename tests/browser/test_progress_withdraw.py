"""Withdrawing a progress note in a real browser: county staff write a note, find it written
twice, withdraw the second after a confirmation page; the county leader still sees it, marked
withdrawn; the history tells both, one entry each. Screenshots at 390, 768 and 1280 px."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issues.models import Progress
from tests.browser.test_finding_journey import assert_styled, cn_date, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "区电商物流产业园2号房装修完成,设备已安装调试。"
WIDTHS = (390, 768, 1280)


def shots(page, screenshot, step: str) -> None:
    """The page at a phone's, a tablet's and a desktop's width; nothing wider than the
    window at any of them."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{step}: {overflow}px wider than the window at {width}px"
        screenshot(page, f"{step}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def add_note(page, text: str) -> None:
    form = page.locator("#progress form")
    form.locator("textarea[name=note]").fill(text)
    form.get_by_role("button", name="记录进展").click()
    expect(page.locator(".alert-success")).to_contain_text("整改进展已记录。")


def test_staff_withdraw_a_note_and_the_leader_sees_it(
    new_page, screenshot, settings, tmp_path, alice, lee, finding_a
):
    settings.MEDIA_ROOT = tmp_path / "media"
    for user, name in ((alice, "张三"), (lee, "李四")):
        user.first_name = name
        user.save()
    detail = f"/findings/{finding_a.pk}/"
    today = cn_date(timezone.localdate())

    # --- Staff: the same note twice (as a double click once did), then withdraw one -----
    page = new_page()
    log_in(page, "alice", detail)
    add_note(page, NOTE)
    add_note(page, NOTE)
    notes = page.locator("#progress ul.timeline > li", has_text=NOTE)
    expect(notes).to_have_count(2)
    expect(notes.get_by_role("link", name="撤回")).to_have_count(2)
    assert_styled(page)
    shots(page, screenshot, "staff-two-notes")

    notes.first.get_by_role("link", name="撤回").click()
    expect(page).to_have_url(re.compile(r"/findings/progress/\d+/withdraw/$"))
    expect(page.get_by_role("heading", name="撤回整改进展")).to_be_visible()
    expect(page.locator("figure")).to_contain_text(NOTE)
    page.get_by_label("撤回原因（可不填）").fill("重复提交")
    shots(page, screenshot, "confirm")

    # Cancel leaves it; confirming withdraws it.
    page.get_by_role("link", name="取消").click()
    expect(page).to_have_url(re.compile(rf"{detail}#progress$"))
    expect(notes).to_have_count(2)
    notes.first.get_by_role("link", name="撤回").click()
    page.get_by_label("撤回原因（可不填）").fill("重复提交")
    page.get_by_role("button", name="确定撤回").click()
    expect(page).to_have_url(re.compile(rf"{detail}#progress$"))
    expect(page.locator(".alert-success")).to_contain_text("整改进展已撤回")
    expect(notes).to_have_count(1)
    withdrawn = Progress.objects.get(withdrawn_at__isnull=False)
    assert withdrawn.withdrawn_by == alice

    history = page.locator("#history")
    latest = history.locator("li.history-entry").first
    expect(latest).to_contain_text("张三")
    expect(latest.locator("li")).to_have_text(
        [f"撤回了整改进展（{today}）：{NOTE}", "撤回原因：重复提交"]
    )
    # Both notes are still in the history, each its own entry; the first started the work.
    expect(history.locator("li.history-entry", has_text="填报整改进展")).to_have_count(2)
    expect(history).to_contain_text("开始整改，说明：填报首条整改进展")
    shots(page, screenshot, "staff-after")

    # --- Leader: sees the withdrawn note, marked, with no button ------------------------
    leader = new_page()
    log_in(leader, "lee", detail)
    notes = leader.locator("#progress ul.timeline > li", has_text=NOTE)
    expect(notes).to_have_count(2)
    marked = leader.locator("#progress li.note-withdrawn")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text(f"已撤回（张三，{today}")
    expect(leader.locator("#progress").get_by_role("link", name="撤回")).to_have_count(0)
    shots(leader, screenshot, "leader")
