"""Issue 17's done-when, in a real browser: a leader on a 390-px phone goes from the bell (and
from 我的待办) to a close-out request, opens its evidence photo and PDF in the page, and
approves. No page on the way is wider than the phone."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from issues import services
from issues.models import Finding
from tests.browser.test_closeout_journey import expect_status, small_pdf
from tests.browser.test_finding_journey import log_in
from tests.browser.test_requests_journey import shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PHOTO = "服务中心现场照片.jpg"
PDF = "公共服务中心验收报告.pdf"
# The viewer's picture has arrived and is drawn.
LOADED = """() => {
  const image = document.querySelector(".evidence-viewer-image");
  return image.complete && image.naturalWidth > 0;
}"""


def site_photo() -> bytes:
    """A 1600×1200 camera-sized JPEG: sky, a building, a door."""
    image = Image.new("RGB", (1600, 1200), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 900, 1600, 1200), fill=(90, 140, 70))
    draw.rectangle((300, 400, 1300, 950), fill=(200, 80, 60))
    draw.rectangle((720, 700, 880, 950), fill=(60, 40, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def assert_fits(page) -> None:
    """No horizontal scrolling: the page is no wider than the phone."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide in a {inner} px window"


@pytest.fixture
def request_with_evidence(settings, tmp_path, alice, lee, finding_a) -> Finding:
    """alice applies for close-out with a photo and a PDF; lee is told (the bell)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    services.progress_add(user=alice, finding=finding_a, note="公共服务中心已建成并试运营。")
    services.evidence_add(
        user=alice, finding=finding_a, upload=upload(PHOTO, site_photo()), title="现场照片"
    )
    services.evidence_add(
        user=alice, finding=finding_a, upload=upload(PDF, small_pdf()), title="验收报告"
    )
    services.finding_submit_closeout(
        user=alice, finding=finding_a, result="公共服务中心已建成并投入运营。"
    )
    finding_a.refresh_from_db()
    assert finding_a.status == Finding.Status.SUBMITTED
    return finding_a


def test_leader_approves_a_closeout_on_a_phone(new_page, screenshot, request_with_evidence):
    finding = request_with_evidence
    detail = finding.get_absolute_url()
    page = new_page(is_mobile=True, has_touch=True)
    page.set_viewport_size(PHONE)

    # --- From the bell ------------------------------------------------------------------
    log_in(page, "lee", "/")
    assert_fits(page)
    bell = page.locator(".notification-bell")
    expect(bell.locator("[data-unread]")).to_have_text(re.compile(r"^1"))
    screenshot(page, "home")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    notice = page.locator("li.notification", has_text="申请销号，待您审批")
    expect(notice).to_have_count(1)
    assert_fits(page)
    screenshot(page, "notifications")
    notice.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"{detail}(#.*)?$"))
    expect(page.locator("h1")).to_contain_text(finding.description)
    expect_status(page, "已申请销号")
    assert_fits(page)
    screenshot(page, "request-from-bell")

    # --- And from 我的待办, through the folded menu ----------------------------------------
    page.locator(".navbar-toggler").click()
    page.locator("#mainnav").get_by_role("link", name="我的待办").click()
    expect(page).to_have_url(re.compile(r"/my/$"))
    waiting = page.locator(".card", has_text="等待审批的销号申请")
    expect(waiting.get_by_role("link", name=finding.short_description)).to_be_visible()
    assert_fits(page)
    screenshot(page, "my-work")
    waiting.get_by_role("link", name=finding.short_description).click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    assert_fits(page)

    # --- The photo: its thumbnail, then the picture in the page's viewer --------------------
    evidence = page.locator("#evidence")
    evidence.scroll_into_view_if_needed()
    photo_link = evidence.get_by_role("link", name="现场照片", exact=True)
    thumb = photo_link.locator("img.evidence-thumb")
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == 320
    screenshot(page, "evidence-card")

    viewer = page.locator("dialog#evidence-viewer")
    expect(viewer).to_be_hidden()
    photo_link.click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))  # still on the finding page
    expect(viewer).to_be_visible()
    expect(viewer.locator("h2")).to_have_text("现场照片")
    picture = viewer.locator("img.evidence-viewer-image")
    expect(picture).to_be_visible()
    expect(picture).to_have_attribute("alt", "现场照片")
    expect(viewer.get_by_role("button", name="关闭")).to_be_focused()
    page.wait_for_function(LOADED)
    assert picture.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1600, 1200]
    box = picture.bounding_box()
    assert box["width"] <= PHONE["width"] and box["x"] >= 0
    download = viewer.get_by_role("link", name="下载原件")
    expect(download).to_have_attribute("href", re.compile(r"^/evidence/\d+/\?download=1$"))
    assert_fits(page)
    page.screenshot(path=screenshot(page, "photo-viewer"))  # as the phone shows it
    viewer.get_by_role("button", name="关闭").click()
    expect(viewer).to_be_hidden()
    # Esc closes it too.
    photo_link.click()
    expect(viewer).to_be_visible()
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    # --- The PDF: the same checked view, inline, for the browser's own viewer ---------------
    pdf_link = evidence.get_by_role("link", name="验收报告", exact=True)
    href = pdf_link.get_attribute("href")
    assert re.fullmatch(r"/evidence/\d+/", href)
    assert pdf_link.get_attribute("data-evidence-viewer") is None  # not the photo viewer
    assert pdf_link.get_attribute("target") is None  # in the same tab; Back returns
    response = page.request.get(href)
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.body() == small_pdf()
    # Its 下载 button still downloads.
    forced = page.request.get(f"{href}?download=1")
    assert forced.headers["content-disposition"].startswith("attachment;")
    # Tapped, it opens in the browser's own PDF viewer, and Back returns to the request.
    with page.expect_response(re.compile(rf"{re.escape(href)}$")) as opened:
        pdf_link.click()
    assert opened.value.headers["content-disposition"].startswith("inline;")
    expect(page).to_have_url(re.compile(rf"{re.escape(href)}$"))
    page.wait_for_timeout(1500)  # the viewer draws the page
    page.screenshot(path=screenshot(page, "pdf-viewer"))
    page.go_back()
    expect(page).to_have_url(re.compile(rf"{detail}$"))

    # --- Approve ------------------------------------------------------------------------
    workflow = page.locator("#workflow")
    approve = workflow.get_by_role("button", name="同意销号")
    approve.scroll_into_view_if_needed()
    box = approve.bounding_box()
    assert box["height"] >= 38 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "approval-card")
    approve.click()
    expect(page).to_have_url(re.compile(rf"{detail}$"))
    expect(page.locator(".alert-success")).to_contain_text("已同意销号。")
    expect_status(page, "已销号")
    assert_fits(page)
    screenshot(page, "approved")
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    assert finding.closed_by.username == "lee"

    # The finding page with its evidence, and the photo viewer, at a tablet's and a desktop's
    # width too.
    shots(page, screenshot, "closed-finding")
    for width, height in ((768, 1024), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        photo_link.click()
        expect(viewer).to_be_visible()
        page.wait_for_function(LOADED)
        box = picture.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["y"] >= 0 and box["y"] + box["height"] <= height
        page.screenshot(path=screenshot(page, f"photo-viewer-{width}"))
        page.keyboard.press("Escape")
        expect(viewer).to_be_hidden()
