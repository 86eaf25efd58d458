"""A unit's contact in a real browser: una logs in, sees only her unit's finding on the
ledger, 签收s it, reports progress with a photo and logs out; alice (the office) sees the
note 待采纳 and accepts it. Screenshots of both finding pages at 390, 768 and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from issues.models import FindingUnit, Progress
from tests.browser.test_finding_journey import assert_styled, log_in
from tests.browser.test_progress_withdraw import shots
from tests.conftest import Factory
from tests.issues.test_evidence import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "区商务和经济合作局已完成站点选址，现场照片附后。"


def test_a_unit_reports_and_the_office_accepts(
    new_page, screenshot, settings, tmp_path, alice, una, unit_a, unit_a2, finding_a, county_a
):
    settings.MEDIA_ROOT = tmp_path / "media"
    una.first_name, alice.first_name = "王联络", "张三"
    una.save()
    alice.save()
    other = Factory.finding(alice, county_a, finding_a.review, description="另一单位的问题。")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png_bytes())
    detail = f"/findings/{finding_a.pk}/"

    # --- The unit's contact -------------------------------------------------------------
    page = new_page()
    log_in(page, "una", "/findings/")
    rows = page.locator("table.ledger tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("未签收")
    expect(page.locator("body")).not_to_contain_text(other.description)
    nav = page.locator("#mainnav")
    expect(nav.get_by_role("link", name="检查")).to_have_count(0)
    expect(nav.get_by_role("link", name="责任单位")).to_have_count(0)
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(detail) + "$"))
    tasks = page.locator("#tasks")
    expect(tasks.locator(".unit-task", has_text="区商务和经济合作局")).to_contain_text("未签收")
    assert_styled(page)
    tasks.get_by_role("button", name="签收").click()
    expect(page.locator(".alert-success")).to_contain_text("已签收：区商务和经济合作局。")
    expect(tasks.locator(".unit-task", has_text="区商务和经济合作局")).to_contain_text("已签收")
    expect(tasks.locator(".unit-task", has_text="区商务和经济合作局")).to_contain_text("王联络")

    form = page.locator("#progress form")
    form.locator("textarea[name=note]").fill(NOTE)
    form.locator("input[name=files]").set_input_files(str(photo))
    form.get_by_role("button", name="记录进展").click()
    expect(page.locator(".alert-success")).to_contain_text("整改进展已报送，等待区县采纳。")
    note = page.locator("#progress ul.timeline > li", has_text=NOTE)
    expect(note).to_contain_text("区商务和经济合作局 报送")
    expect(note).to_contain_text("待采纳")
    expect(note.get_by_role("link", name="现场照片.png")).to_have_count(1)
    expect(note.get_by_role("button", name="采纳")).to_have_count(0)
    shots(page, screenshot, "contact-finding")
    page.locator("#mainnav .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/(login|logout)/"))

    # --- The office -------------------------------------------------------------------
    page = new_page()
    log_in(page, "alice", "/my/")
    waiting = page.locator(".card", has_text="单位报送待采纳")
    expect(waiting.locator(".note-row")).to_have_count(1)
    expect(waiting).to_contain_text("待采纳")
    waiting.locator(".note-row").get_by_role("link").click()
    note = page.locator("#progress ul.timeline > li", has_text=NOTE)
    expect(note).to_contain_text("待采纳")
    shots(page, screenshot, "office-finding")
    note.get_by_role("button", name="采纳").click()
    expect(page.locator(".alert-success")).to_contain_text("已采纳该单位报送的进展。")
    expect(note).to_contain_text("已采纳")
    progress = Progress.objects.get(finding=finding_a, unit=unit_a)
    assert progress.review_status == Progress.ReviewStatus.ACCEPTED
    assert FindingUnit.objects.get(finding=finding_a, unit=unit_a).acknowledged_by == una
    shots(page, screenshot, "office-accepted")
