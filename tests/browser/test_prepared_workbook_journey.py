"""The nation's and a province's .xlsx 台账 prepared in the background (RECTIFY_PREPARED_WORKBOOKS),
in a real browser: the download link leads to the progress page, which refreshes itself (a meta
refresh, no script) until the worker has built the file, then starts the download; a change to
the data sends the user back to the progress page (never a stale file); the back button returns
to the dashboard the download was asked from.

On the demo (`load_demo`): a national user made here, and 四川省's reviewer (广元市昭化区, seed
000). The worker's step runs in the test's process: `reports.workbooks.prepare_pending`, what
`manage.py prepare_workbooks` runs once (without --loop). tests/reports/test_prepared_workbooks.py
covers the rules themselves.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from issues import services
from issues.models import Finding, User
from reports import workbooks
from reports.models import PreparedWorkbook
from tests.browser.conftest import overflow
from tests.browser.test_finding_journey import log_in
from tests.conftest import PASSWORD, Factory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTY = "510811"  # 广元市昭化区, seed 000
PROVINCE = "510000"  # 四川省
REVIEWER = f"reviewer-{PROVINCE}"
NATION = "/nation/"
NATION_STATUS = "/nation/ledger/"
PROVINCE_DASHBOARD = f"/provinces/{PROVINCE}/"
PROVINCE_STATUS = f"/provinces/{PROVINCE}/ledger/"
PREPARING = "正在生成最新的台账…"
QUEUED = "排队等待生成…"
READY = "台账已生成"
WIDTHS = (390, 768, 1280)
# The queued page refreshes every 3 s, then the ready page starts the download after 1 s:
# a few refreshes' worth, on a busy machine.
DOWNLOAD_TIMEOUT_MS = 30_000
# The first sheets of each workbook sum up; the findings' rows are on the others.
SUMMARY_SHEETS = {"nation": {"总览", "区县"}, "province": {"总览"}}


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RECTIFY_PREPARED_WORKBOOKS = True
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
    Factory.user("nina", is_national=True)


def prepare() -> list[PreparedWorkbook]:
    """The worker's step, once, as `manage.py prepare_workbooks` runs it."""
    with translation.override("zh-hans"):
        return workbooks.prepare_pending()


def steady(page, action: Callable):
    """action(), again if the page's own refresh replaced the document under it."""
    for attempt in range(5):
        try:
            return action()
        except PlaywrightError as exc:
            reloading = "context was destroyed" in str(exc) or "navigat" in str(exc)
            if not reloading or attempt == 4:
                raise
            page.wait_for_load_state()
    raise AssertionError("unreachable")


def assert_no_script_needed(page) -> None:
    """The progress page refreshes itself by a meta refresh, not by a script."""
    refresh = page.locator('meta[http-equiv="refresh"]')
    expect(refresh).to_have_count(1)
    assert steady(page, lambda: refresh.get_attribute("content")) == "3"
    # No script of the page's own (base.html's shared scripts only enhance).
    inline = steady(page, lambda: page.locator("script:not([src])").count())
    assert inline == 0


def assert_fits(page, where: str, selectors=("main h1", "main .btn")) -> None:
    """No sideways scrolling, and the heading, the buttons (and the progress bar, if any)
    within the width."""
    width = page.viewport_size["width"]
    too_wide = steady(page, lambda: overflow(page))  # the page may refresh itself meanwhile
    assert too_wide <= 0, f"{where}: the page is {too_wide} px too wide"
    for selector in selectors:
        boxes = steady(page, lambda s=selector: [e.bounding_box() for e in page.locator(s).all()])
        assert boxes, f"{where}: {selector} not found"
        for box in boxes:
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (
                f"{where}: {selector} at {box} of {width} px"
            )


def look(page, screenshot, name: str, **fits) -> None:
    """The page at a phone's, a tablet's and a desktop's width: it fits; a screenshot each."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_fits(page, f"{name} at {width} px", **fits)
        steady(page, lambda w=width: screenshot(page, f"{name}-{w}"))
    page.set_viewport_size({"width": 1280, "height": 900})


def open_workbook(path) -> openpyxl.Workbook:
    """The downloaded file (Playwright names it without .xlsx, which openpyxl would refuse)."""
    content = Path(path).read_bytes()
    assert content[:4] == b"PK\x03\x04", "not an .xlsx (a zip) file"
    return openpyxl.load_workbook(io.BytesIO(content), read_only=True)


def finding_rows(path, kind: str) -> dict[str, int]:
    """The downloaded workbook (openpyxl opens it): its findings' rows, by sheet. A finding's
    row has its running number (序号) in the first column, under the three header rows."""
    wb = open_workbook(path)
    rows = {}
    for ws in wb.worksheets:
        if ws.title in SUMMARY_SHEETS[kind]:
            continue
        numbers = [r[0] for r in ws.iter_rows(min_row=4, max_col=1, values_only=True)]
        rows[ws.title] = sum(isinstance(n, int) for n in numbers)
    return rows


def workbook_text(path) -> str:
    wb = open_workbook(path)
    return "\n".join(
        str(cell)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def ask_for_the_ledger(page, dashboard: str, link: str, status: str) -> list:
    """From the dashboard, click the ledger's download link: the progress page, no file.
    Returns the list of downloads the page starts from now on."""
    page.goto(dashboard)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.get_by_role("link", name=link).click()
    expect(page).to_have_url(re.compile(re.escape(status) + "$"))
    expect(page.locator("main h1")).to_have_text(PREPARING)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_text("不会下载到过时的文件")).to_be_visible()
    assert not downloads, "a file came instead of the progress page"
    return downloads


def test_national_user_waits_for_a_fresh_workbook(new_page, screenshot, demo):
    today = timezone.localdate()
    page = new_page()
    log_in(page, "nina", NATION)

    # 1. No prepared file: the progress page, queued, in Chinese; it fits a phone.
    ask_for_the_ledger(page, NATION, "导出全国台账", NATION_STATUS)
    expect(page.get_by_text(QUEUED)).to_be_visible()
    assert_no_script_needed(page)
    job = PreparedWorkbook.objects.get()
    assert (job.scope, job.state) == ("nation", "queued")
    look(page, screenshot, "queued")

    # The worker claims it and has written half the rows: the page shows how far it got.
    claimed = workbooks.workbook_claim()
    assert claimed.pk == job.pk
    total = Finding.objects.active().count()
    PreparedWorkbook.objects.filter(pk=job.pk).update(rows_total=total, rows_done=total // 2)
    percent = round(100 * (total // 2) / total)
    page.reload()
    bar = page.get_by_role("progressbar", name="生成进度")
    expect(bar).to_have_attribute("aria-valuenow", str(percent))
    expect(page.get_by_text(f"已写入 {total // 2} / {total} 个问题。")).to_be_visible()
    look(page, screenshot, "building", selectors=("main h1", "main .btn", "main .progress"))

    # 2. The worker finishes; the page, at its next refresh, starts the download.
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as first:
        with translation.override("zh-hans"):
            built = workbooks.workbook_build(claimed)
        assert built.state == "ready"
    download = first.value
    assert download.suggested_filename == f"全国整改台账-{today:%Y-%m-%d}.xlsx"
    rows = finding_rows(download.path(), "nation")
    assert sum(rows.values()) == Finding.objects.active().count() == total
    assert rows == {
        name: Finding.objects.active().filter(county__province__name=name).count() for name in rows
    }
    expect(page).to_have_url(re.compile(re.escape(NATION_STATUS) + "$"))
    expect(page.locator("main h1")).to_have_text(READY)
    expect(page.get_by_role("link", name="下载台账")).to_be_visible()
    look(page, screenshot, "ready")

    # 4. Back from the page (after its refreshes): the dashboard it was opened from.
    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(NATION) + "$"))

    # 3. A finding changes: asked again, the ledger is not the old file but a new one.
    staff = User.objects.get(username=f"staff-{COUNTY}")
    finding = (
        Finding.objects.active()
        .filter(county__code=COUNTY, status=Finding.Status.IN_PROGRESS)
        .order_by("pk")
        .first()
    )
    note = "浏览器测试：新增的整改进展。"
    services.progress_add(user=staff, finding=finding, note=note, date=today)
    downloads = ask_for_the_ledger(page, NATION, "导出全国台账", NATION_STATUS)
    assert PreparedWorkbook.objects.filter(state="queued").count() == 1
    screenshot(page, "asked-again")

    # Back from the progress page: the dashboard again; forward and it carries on.
    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(NATION) + "$"))
    page.go_forward()
    expect(page).to_have_url(re.compile(re.escape(NATION_STATUS) + "$"))

    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as second:
        assert [job.state for job in prepare()] == ["ready"]
    assert second.value.suggested_filename == download.suggested_filename
    assert note in workbook_text(second.value.path())
    assert sum(finding_rows(second.value.path(), "nation").values()) == total
    assert len(downloads) == 1  # the new file only
    # The old workbook and its file are gone.
    assert list(PreparedWorkbook.objects.values_list("state", flat=True)) == ["ready"]


def test_province_reviewer_without_javascript(new_page, screenshot, demo):
    """The province's reviewer, in a browser with JavaScript off: the progress page still
    refreshes itself and hands out the file."""
    today = timezone.localdate()
    page = new_page(java_script_enabled=False)
    log_in(page, REVIEWER, PROVINCE_DASHBOARD)

    ask_for_the_ledger(page, PROVINCE_DASHBOARD, "导出全省台账", PROVINCE_STATUS)
    # The page's scripts did not run (Playwright's own evaluation still does).
    assert page.evaluate("typeof bootstrap") == "undefined"
    assert_no_script_needed(page)
    job = PreparedWorkbook.objects.get()
    assert (job.scope, job.code, job.state) == ("province", PROVINCE, "queued")
    look(page, screenshot, "queued-no-js")
    # 刷新 reloads the page in place: no step for the back button to go through.
    page.get_by_role("link", name="刷新").click()
    expect(page.locator("main h1")).to_have_text(PREPARING)

    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as ready:
        assert [job.state for job in prepare()] == ["ready"]
    download = ready.value
    assert download.suggested_filename == f"四川省整改台账-{today:%Y-%m-%d}.xlsx"
    rows = finding_rows(download.path(), "province")
    in_province = Finding.objects.active().filter(county__province__code=PROVINCE)
    # 全部问题: every county's findings; then one sheet per county.
    assert rows.pop("全部问题") == in_province.count() > 0
    assert sum(rows.values()) == in_province.count()
    expect(page.locator("main h1")).to_have_text(READY)
    look(page, screenshot, "ready-no-js")

    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(PROVINCE_DASHBOARD) + "$"))

    # A finding of the province changes: the progress page again, not the old file.
    finding = in_province.filter(status=Finding.Status.IN_PROGRESS).order_by("pk").first()
    services.progress_add(
        user=User.objects.get(username=f"staff-{COUNTY}"),
        finding=finding,
        note="浏览器测试：省级台账的新进展。",
        date=today,
    )
    ask_for_the_ledger(page, PROVINCE_DASHBOARD, "导出全省台账", PROVINCE_STATUS)
    screenshot(page, "asked-again-no-js")
    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(PROVINCE_DASHBOARD) + "$"))
