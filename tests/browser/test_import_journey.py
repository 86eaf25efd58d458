"""A county clerk uploads the report they already wrote, checks the preview, and has the whole
ledger in Rectify; uploading it again changes nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from issues.models import Finding, ImportBatch, Review, Unit
from tests.browser.test_finding_journey import log_in
from tests.seeds import SEED_000

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = SEED_000


def test_import_seed_000_through_the_browser(new_page, screenshot, alice, county_a):
    Review.objects.create(kind="mofcom_review", team="商务部复核组").counties.add(county_a)
    page = new_page()
    log_in(page, "alice", "/imports/")
    expect(page.get_by_role("heading", name="导入台账")).to_be_visible()
    screenshot(page, "start")

    page.get_by_label("上传文件").set_input_files(str(SEED))
    page.get_by_role("button", name="读取并预览").first.click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.locator(".alert-info")).to_contain_text("请核对下面的预览")
    cards = page.locator(".card-body.py-2")
    expect(cards.nth(0)).to_contain_text("25")
    expect(cards.nth(1)).to_contain_text("25")
    expect(page.get_by_text("报告与所附方案不一致之处")).to_be_visible()
    expect(page.get_by_text("资金管理及项目管理方面问题").first).to_be_visible()
    expect(page.get_by_text("未导入的文字")).to_be_visible()
    screenshot(page, "preview")
    assert not Finding.objects.exists()

    # The county has no units yet: each needs a decision before anything is saved.
    page.get_by_role("button", name=re.compile("确认导入")).click()
    expect(page.locator(".alert-danger").first).to_contain_text("请确认单位")
    page.problems.clear()  # the refused save answers 400 on purpose
    assert not Finding.objects.exists()
    page.get_by_role("button", name="未识别的单位全部新建").click()
    expect(page.locator(".alert-info")).to_contain_text("预览已更新")
    screenshot(page, "units-decided")
    page.get_by_role("button", name=re.compile("确认导入")).click()

    expect(page).to_have_url(re.compile(r"/findings/$"))
    expect(page.locator(".alert-success")).to_contain_text("导入完成：新增 25 个问题")
    screenshot(page, "ledger")
    findings = Finding.objects.filter(county=county_a)
    assert findings.count() == 25
    assert findings.closed().count() == 12
    # 区商务经济合作局 and 各乡镇 are taken as other names of units of the same report.
    assert Unit.objects.filter(county=county_a).count() == 11

    # The same report again: everything unchanged, nothing duplicated.
    page.goto("/imports/")
    page.get_by_label("上传文件").set_input_files(str(SEED))
    page.get_by_role("button", name="读取并预览").first.click()
    expect(page.locator(".card-body.py-2").nth(3)).to_contain_text("25")
    page.get_by_role("button", name=re.compile("确认导入")).click()
    expect(page.locator(".alert-success")).to_contain_text("25 个未变")
    assert findings.count() == 25
    assert ImportBatch.objects.filter(status="applied").count() == 2


def test_paste_keeps_the_text_after_an_error(new_page, alice):
    page = new_page()
    log_in(page, "alice", "/imports/")
    page.get_by_label("上传文件").set_input_files(
        files=[{"name": "a.docx", "mimeType": "text/plain", "buffer": b"not a docx"}]
    )
    page.get_by_label("或粘贴文字").fill("我粘贴的整改方案")
    page.get_by_role("button", name="读取并预览").first.click()
    expect(page.get_by_text("请上传文件或粘贴文字，二者选其一。")).to_be_visible()
    expect(page.get_by_label("或粘贴文字")).to_have_value("我粘贴的整改方案")
    page.problems.clear()
