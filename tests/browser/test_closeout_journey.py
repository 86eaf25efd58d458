"""The close-out (销号) journey in a real browser, as two people do it.

County staff record progress with a PDF and apply for close-out; the county leader finds the
request on 我的待办 and approves it, or returns it (a reason is required).
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from issues.models import Evidence, Finding
from reports.models import Report
from tests.approvals import closeout_requested
from tests.browser.test_finding_journey import assert_styled, cn_date, log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTY = "510811"  # 广元市昭化区, from seed 000
STAFF = f"staff-{COUNTY}"
LEADER = f"leader-{COUNTY}"
REVIEW = "商务部复核组"
NOTE = "区电商物流产业园2号房装修完成,设备已安装调试,公共服务中心于本月试运营。"
RESULT = "公共服务中心已建成并投入运营,运营管理制度已印发,服务台账按月报送。"
PDF_NAME = "公共服务中心验收报告.pdf"


def small_pdf(text: str = "Acceptance report") -> bytes:
    """A one-page PDF with a correct cross-reference table (opens in any reader)."""
    stream = f"BT /F1 24 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a temporary folder, not the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def demo(live_server, media_root):
    """The demo counties and users (`load_demo`), all with the cast's password."""
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


def demo_finding() -> Finding:
    """商务部复核组 1.(1): 整改中, past its deadline, not 'ongoing'."""
    finding = Finding.objects.get(
        county__code=COUNTY, review__team=REVIEW, category__order=1, order=1
    )
    assert finding.status == Finding.Status.IN_PROGRESS
    assert not finding.is_ongoing
    return finding


def log_out(page) -> None:
    page.locator("nav.navbar .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def column(table, header: str) -> int:
    """The index of the column under `header` (so the test survives added columns)."""
    headers = [t.strip() for t in table.locator("thead th").all_inner_texts()]
    return headers.index(header)


def home_counts(page) -> dict[str, str]:
    """已销号 per review and in total, from the landing page's table (the number, without the
    按期/延期/逾期 line under it)."""
    table = page.locator(".card", has_text="各次检查发现问题整改情况").locator("table")
    closed = column(table, "已销号")
    counts = {}
    for row in table.locator("tbody tr").all():
        team = row.locator("td").nth(0).locator("a").inner_text().strip()
        counts[team] = row.locator("td").nth(closed).inner_text().strip().splitlines()[0]
    counts["合计"] = table.locator("tfoot td").nth(closed).inner_text().strip().splitlines()[0]
    return counts


def expect_status(page, label: str) -> None:
    expect(page.locator("dl.facts dt:text-is('整改状态') + dd")).to_contain_text(label)


def history_card(page):
    """The 修改记录 card, shown once."""
    expect(page.locator(".card-header", has_text="修改记录")).to_have_count(1)
    return page.locator("#history")


def expect_rejected(page, path: str) -> None:
    """The form came back refused with 400, as intended; nothing else went wrong."""
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.locator(".alert-danger").first).to_be_visible()
    assert page.problems == [f"HTTP 400 {page.url}"], page.problems
    page.problems.clear()


def test_closeout_journey(new_page, screenshot, tmp_path, demo):
    finding = demo_finding()
    detail = f"/findings/{finding.pk}/"
    report = Report.objects.get(county__code=COUNTY)
    today = timezone.localdate()
    pdf = tmp_path / PDF_NAME
    pdf.write_bytes(small_pdf())

    # --- County staff -------------------------------------------------------------------
    page = new_page()
    log_in(page, STAFF, "/")
    before = home_counts(page)
    assert before == {REVIEW: "8", "省绩效评价组": "4", "合计": "12"}
    summary = page.locator(".summary-sentence")
    expect(summary).to_contain_text(f"{REVIEW}发现问题15个，已销号问题8个，7个问题正在加紧整改")
    screenshot(page, "home-before")

    page.goto(detail)
    expect(page.locator("h1")).to_contain_text(finding.description)
    expect_status(page, "整改中")
    workflow = page.locator("#workflow")
    expect(workflow).to_be_visible()
    expect(workflow.get_by_role("button", name="申请销号")).to_be_visible()
    # Staff decide nothing: no approve or return buttons for them.
    expect(page.get_by_role("button", name="同意销号")).to_have_count(0)
    assert_styled(page)
    screenshot(page, "staff-detail-workflow")

    # A progress note with a PDF attached.
    progress = page.locator("#progress")
    form = progress.locator("form")
    expect(form.locator("input[name=date]")).to_have_value(today.isoformat())
    form.locator("textarea[name=note]").fill(NOTE)
    form.locator("input[type=file][name=files]").set_input_files(pdf)
    form.get_by_role("button", name="记录进展").click()
    expect(page).to_have_url(re.compile(rf"{detail}#progress$"))
    expect(page.locator(".alert-success")).to_contain_text("整改进展已记录。")

    # In the progress timeline, with the file...
    note = progress.locator("ul.timeline > li", has_text=NOTE)
    expect(note).to_have_count(1)
    expect(note).to_contain_text(f"{cn_date(today)} · 昭化区工作人员")
    expect(note.get_by_role("link", name=PDF_NAME)).to_be_visible()
    # ...and in the evidence list, with its date, size and uploader.
    evidence_row = page.locator("#evidence tbody tr", has_text=PDF_NAME)
    expect(evidence_row).to_have_count(1)
    expect(evidence_row).to_contain_text(cn_date(today))
    expect(evidence_row).to_contain_text("昭化区工作人员")
    expect(evidence_row.get_by_role("button", name="移除")).to_be_visible()
    screenshot(page, "staff-progress-and-evidence")

    # The link serves the very file, through the view that checks the county.
    evidence = Evidence.objects.get(finding=finding)
    assert evidence.progress is not None and evidence.original_name == PDF_NAME
    href = evidence_row.get_by_role("link", name=PDF_NAME, exact=True).get_attribute("href")
    assert href == f"/evidence/{evidence.pk}/"
    download = page.request.get(href)
    assert download.ok
    assert download.headers["content-type"] == "application/pdf"
    assert download.body() == pdf.read_bytes()

    # Apply for close-out (申请销号) with the result.
    result = workflow.get_by_label("整改结果")
    expect(result).to_have_value(finding.result)  # what the ledger held so far
    result.fill(RESULT)
    workflow.get_by_label("说明").fill("请领导审批。")
    screenshot(page, "staff-closeout-filled")
    workflow.get_by_role("button", name="申请销号").click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".alert-success")).to_contain_text("已申请销号，等待领导审批。")
    expect_status(page, "已申请销号")
    expect(page.locator("#workflow")).to_have_count(0)  # nothing left for staff to do
    finding.refresh_from_db()
    assert finding.status == Finding.Status.SUBMITTED
    assert finding.result == RESULT
    screenshot(page, "staff-submitted")
    log_out(page)

    # --- County leader ------------------------------------------------------------------
    log_in(page, LEADER, "/my/")
    waiting = page.locator(".card", has_text="等待审批的销号申请")
    expect(waiting.locator(".card-header .badge")).to_have_text("1")
    expect(waiting.get_by_role("link")).to_have_text(finding.short_description)
    screenshot(page, "leader-my-work")

    waiting.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    workflow = page.locator("#workflow")
    expect(workflow).to_contain_text(RESULT)
    expect(workflow.get_by_role("button", name="申请销号")).to_have_count(0)
    expect(page.locator("#progress form")).to_have_count(0)  # leaders read, staff write
    expect(page.locator("#evidence form[action$='/evidence/']")).to_have_count(0)
    expect(page.locator("#evidence tbody tr", has_text=PDF_NAME)).to_have_count(1)
    screenshot(page, "leader-detail-request")

    workflow.get_by_role("button", name="同意销号").click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".alert-success")).to_contain_text("已同意销号。")
    expect(page.locator("h1 + div .badge").first).to_have_text("已销号")
    expect_status(page, f"已销号（{cn_date(today)}，昭化区领导审批）")
    # Closed means closed: what is left to the leader is 重新打开, with a reason.
    expect(page.locator("#workflow button")).to_have_count(1)
    expect(page.locator("#workflow button")).to_contain_text("重新打开")

    # The history tells the story, newest first, in Chinese.
    # One entry for each thing done at once, however soon after the demo was loaded.
    history = history_card(page)
    latest = history.locator("li.history-entry").first
    expect(latest).to_contain_text("昭化区领导")
    expect(latest).to_contain_text("同意销号")
    expect(history).to_contain_text("申请销号，说明：请领导审批。")
    note_entry = history.locator("li.history-entry", has_text=f"填报整改进展（{cn_date(today)}）")
    expect(note_entry).to_have_count(1)
    expect(note_entry).to_contain_text(f"上传佐证材料：{PDF_NAME}")
    screenshot(page, "leader-closed-history")

    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    assert finding.closed_on == today
    assert finding.closed_by.username == LEADER

    # The ledger lists it among the closed ones, no longer red.
    page.goto("/findings/?status=closed")
    expect(page.locator("[data-count=closed]")).to_have_text("13")
    expect(page.locator("table.ledger tbody tr")).to_have_count(13)
    row = page.locator(f"tr[data-finding='{finding.pk}']")
    expect(row.locator(".badge", has_text="已销号")).to_be_visible()
    expect(row).not_to_have_class(re.compile("row-overdue"))
    expect(row.locator(".badge", has_text=re.compile(r"逾期 \d+ 天"))).to_have_count(0)
    # Closed years after its deadline (2019): a late close-out, counted as such.
    expect(row.locator("[data-timing]")).to_have_text("逾期销号")
    screenshot(page, "ledger-closed")

    # The landing page's counts moved by one.
    page.locator("nav.navbar").get_by_role("link", name="首页").click()
    assert home_counts(page) == {REVIEW: "9", "省绩效评价组": "4", "合计": "13"}
    expect(summary).to_contain_text(f"{REVIEW}发现问题15个，已销号问题9个，6个问题正在加紧整改")
    screenshot(page, "home-after")

    # The report speaks as of its own date (2019-09-10): today's close-out is not in it.
    page.goto(f"/reports/{report.pk}/")
    expect(page.locator("article.official-doc")).to_be_visible()
    expect(page.get_by_role("link", name="修改")).to_have_count(0)
    expect(page.locator("#report-figures")).to_contain_text(
        f"{REVIEW}发现问题15个，已销号8个，正在整改7个"
    )
    expect(page.locator("article.official-doc")).to_contain_text(
        f"{REVIEW}发现问题15个，已销号问题8个，7个问题正在加紧整改"
    )
    screenshot(page, "leader-report-preview")

    # --- County staff again, in their own browser: the report's edit form ---------------
    staff = new_page()
    log_in(staff, STAFF, f"/reports/{report.pk}/")
    expect(staff.get_by_role("link", name="修改")).to_be_visible()
    staff.get_by_role("link", name="修改").click()
    expect(staff).to_have_url(re.compile(rf"/reports/{report.pk}/edit/$"))
    expect(staff.get_by_role("heading", name=re.compile("修改报告"))).to_be_visible()
    expect(staff.get_by_label("标题", exact=True)).to_have_value(report.title)
    assert_styled(staff)
    screenshot(staff, "staff-report-form")


def test_leader_returns_a_request_only_with_a_reason(
    new_page, screenshot, media_root, alice, lee, finding_a
):
    closeout_requested(finding_a, staff=alice)
    detail = f"/findings/{finding_a.pk}/"
    page = new_page()
    log_in(page, "lee", detail)
    workflow = page.locator("#workflow")
    expect(workflow).to_contain_text("现场照片已在检查时提交。")
    screenshot(page, "request")

    # Without a reason: refused in Chinese, nothing changes.
    workflow.get_by_role("button", name="退回").click()
    expect_rejected(page, f"{detail}return/")
    expect(page.locator(".alert-danger")).to_contain_text("操作未完成，请按提示修改。")
    comment = page.locator("#workflow").get_by_label("说明")
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#workflow .invalid-feedback")).to_have_text("退回须说明理由。")
    expect_status(page, "已申请销号")
    finding_a.refresh_from_db()
    assert finding_a.status == Finding.Status.SUBMITTED
    screenshot(page, "return-without-reason")

    # With a reason: back to 整改中, and the reason is on record.
    reason = "佐证材料不全,请补充竣工验收报告。"
    comment.fill(reason)
    page.locator("#workflow").get_by_role("button", name="退回").click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".alert-success")).to_contain_text("已退回销号申请。")
    expect_status(page, "整改中")
    latest = history_card(page).locator("li.history-entry").first
    expect(latest).to_contain_text(f"lee 退回销号申请，说明：{reason}")
    screenshot(page, "returned-history")
    finding_a.refresh_from_db()
    assert finding_a.status == Finding.Status.IN_PROGRESS
    assert finding_a.closed_on is None
