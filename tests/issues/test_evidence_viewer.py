"""Evidence in the page (issue 17, item 3): photos and PDFs open in the browser through the
county-checked view (inline, under their checked type), everything else downloads; photos get
a thumbnail on upload, served behind the same check; a damaged photo is kept without one."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from audit.models import Event
from issues import services, uploads
from issues.models import Evidence, Finding
from tests.issues.test_evidence import docx_bytes, jpeg_bytes, pdf_bytes, xlsx_bytes, zip_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def photo(width: int = 400, height: int = 200, fmt: str = "JPEG", orientation: int = 0) -> bytes:
    """A real photo, red on its left half; `orientation` is written as EXIF tag 274."""
    image = Image.new("RGB", (width, height), "white")
    image.paste((200, 0, 0), (0, 0, width // 2, height))
    out = io.BytesIO()
    options = {}
    if orientation:
        exif = Image.Exif()
        exif[274] = orientation
        options["exif"] = exif
    image.save(out, fmt, **options)
    return out.getvalue()


def broken_png() -> bytes:
    """A PNG signature and header, then nothing: passes the type check, cannot be decoded."""
    return photo(fmt="PNG")[:60]


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def add(user, finding: Finding, name: str, content: bytes) -> Evidence:
    return services.evidence_add(
        user=user, finding=finding, upload=SimpleUploadedFile(name, content), title=name
    )


# Inline or attachment, by the checked type


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        ("验收报告.pdf", pdf_bytes(), "application/pdf", "inline"),
        ("现场照片.jpg", photo(), "image/jpeg", "inline"),
        ("站点截图.png", photo(fmt="PNG"), "image/png", "inline"),
        ("会议纪要.docx", docx_bytes(), DOCX, "attachment"),
        ("资金台账.xlsx", xlsx_bytes(), XLSX, "attachment"),
        ("照片.zip", zip_bytes(), "application/zip", "attachment"),
    ],
)
def test_viewable_types_open_inline_the_rest_downloads(
    client, alice, finding_a, name, content, content_type, disposition
):
    evidence = add(alice, finding_a, name, content)
    client.force_login(alice)
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].split(";")[0] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == content
    # Chrome's PDF viewer embeds the PDF: object-src allows it there, and nowhere else.
    csp = response["Content-Security-Policy"]
    object_src = "object-src 'self'" if content_type == "application/pdf" else "object-src 'none'"
    assert object_src in csp and "script-src 'self'" in csp
    # ?download=1 always downloads.
    response = client.get(f"/evidence/{evidence.pk}/?download=1")
    assert response["Content-Disposition"].split(";")[0] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("stored_type", ["text/html", "image/svg+xml", ""])
def test_an_unsafe_or_unknown_stored_type_downloads_as_bytes(client, alice, finding_a, stored_type):
    """A row from before the type check (or a tampered one) never renders in the browser."""
    evidence = add(alice, finding_a, "验收报告.pdf", pdf_bytes())
    Evidence.objects.filter(pk=evidence.pk).update(content_type=stored_type)
    client.force_login(alice)
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


# Thumbnails


def test_a_photo_gets_an_upright_thumbnail_on_upload(alice, finding_a, media):
    # Taken with the phone turned: 400×200 stored, 200×400 as seen (EXIF orientation 6).
    evidence = add(alice, finding_a, "现场照片.jpg", photo(orientation=6))
    assert evidence.thumbnail.name.startswith("evidence/thumbnails/")
    assert (media / evidence.thumbnail.name).is_file()
    with Image.open(evidence.thumbnail.path) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (160, 320)  # upright, at most 320 px
        # Rotated 90° clockwise: the red left half is now on top.
        top, bottom = thumb.getpixel((80, 40)), thumb.getpixel((80, 280))
    assert top[0] > 150 and top[1] < 80
    assert bottom == pytest.approx((255, 255, 255), abs=30)


def test_a_png_with_transparency_gets_a_thumbnail_on_white(alice, finding_a):
    image = Image.new("RGBA", (640, 480), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    evidence = add(alice, finding_a, "截图.png", out.getvalue())
    with Image.open(evidence.thumbnail.path) as thumb:
        assert thumb.size == (320, 240)
        assert thumb.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=5)


@pytest.mark.parametrize(
    ("name", "content"),
    [("验收报告.pdf", pdf_bytes()), ("会议纪要.docx", docx_bytes())],
)
def test_other_files_get_no_thumbnail(alice, finding_a, name, content):
    assert not add(alice, finding_a, name, content).thumbnail


@pytest.mark.parametrize(
    ("name", "content"), [("损坏.png", broken_png()), ("损坏.jpg", jpeg_bytes())]
)
def test_a_broken_photo_uploads_without_a_thumbnail(client, alice, finding_a, name, content):
    client.force_login(alice)
    response = client.post(
        f"/findings/{finding_a.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content), "title": "", "date": "2019-09-05"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(finding=finding_a)
    assert evidence.content_type.startswith("image/") and not evidence.thumbnail
    assert client.get(f"/evidence/{evidence.pk}/thumbnail/").status_code == 404
    page = client.get(finding_a.get_absolute_url()).content.decode()
    assert "evidence-thumb" not in page
    assert f'href="/evidence/{evidence.pk}/" class="evidence-link" data-evidence-viewer' in page


def test_a_photo_with_too_many_pixels_is_not_decoded(monkeypatch, alice, finding_a):
    content = photo()
    monkeypatch.setattr(uploads, "THUMBNAIL_MAX_PIXELS", 400 * 200 - 1)
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self))
    evidence = add(alice, finding_a, "全景.jpg", content)
    assert not evidence.thumbnail and decoded == []


def test_a_failed_upload_leaves_no_thumbnail_behind(alice, finding_a, media):
    with pytest.raises(ValidationError):  # the title is too long: refused after storing
        services.evidence_add(
            user=alice,
            finding=finding_a,
            upload=SimpleUploadedFile("照片.jpg", photo()),
            title="长" * 201,
        )
    assert not Evidence.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_the_thumbnail_is_served_behind_the_county_check(client, alice, finding_a):
    evidence = add(alice, finding_a, "现场照片.jpg", photo())
    client.force_login(alice)
    downloads = Event.objects.filter(kind=Event.Kind.DOWNLOAD).count()
    response = client.get(f"/evidence/{evidence.pk}/thumbnail/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert not response.has_header("Content-Disposition")
    assert b"".join(response.streaming_content) == Path(evidence.thumbnail.path).read_bytes()
    # Showing the page's thumbnails is not a download in the audit log.
    assert Event.objects.filter(kind=Event.Kind.DOWNLOAD).count() == downloads


# The viewer's copy of a large photo


def test_a_large_photo_gets_the_viewers_copy_on_upload(client, alice, finding_a, media):
    # A phone camera's photo, turned (EXIF orientation 6): 4000×2000 stored, 2000×4000 seen.
    evidence = add(alice, finding_a, "现场照片.jpg", photo(4000, 2000, orientation=6))
    assert evidence.display.name.startswith("evidence/display/")
    with Image.open(evidence.display.path) as copy:
        assert copy.format == "JPEG"
        assert copy.size == (uploads.DISPLAY_SIZE // 2, uploads.DISPLAY_SIZE)  # upright
        assert copy.getpixel((400, 100))[0] > 150  # the red half on top
    client.force_login(alice)
    response = client.get(f"/evidence/{evidence.pk}/display/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert not response.has_header("Content-Disposition")
    assert b"".join(response.streaming_content) == Path(evidence.display.path).read_bytes()
    # The page's viewer opens the copy; the link itself (no script) and 下载 keep the original.
    page = client.get(finding_a.get_absolute_url()).content.decode()
    assert (
        f'href="/evidence/{evidence.pk}/" class="evidence-link" data-evidence-viewer'
        f' data-title="现场照片.jpg" data-download="/evidence/{evidence.pk}/?download=1"'
        f' data-view="/evidence/{evidence.pk}/display/"'
    ) in page


@pytest.mark.parametrize(
    ("name", "content"),
    [("小图.jpg", photo()), ("验收报告.pdf", pdf_bytes()), ("损坏.png", broken_png())],
)
def test_a_small_photo_or_another_file_has_no_viewers_copy(client, alice, finding_a, name, content):
    """The viewer shows a photo no larger than the copy would be as it is."""
    evidence = add(alice, finding_a, name, content)
    assert not evidence.display
    client.force_login(alice)
    assert client.get(f"/evidence/{evidence.pk}/display/").status_code == 404
    assert "data-view=" not in client.get(finding_a.get_absolute_url()).content.decode()


def test_the_migration_makes_the_missing_viewers_copies(alice, finding_a):
    large = add(alice, finding_a, "现场照片.jpg", photo(2400, 1200))
    small = add(alice, finding_a, "小图.jpg", photo())
    Evidence.objects.filter(pk=large.pk).update(display="")
    migration = importlib.import_module("issues.migrations.0023_evidence_display")
    migration.make_display_copies(apps, None)
    large.refresh_from_db(), small.refresh_from_db()
    assert large.display and Path(large.display.path).is_file()
    assert not small.display


@pytest.mark.parametrize("who", ["bob", "quinn"])
@pytest.mark.parametrize("path", ["", "thumbnail/", "display/", "?download=1"])
def test_another_countys_evidence_is_404(request, client, alice, finding_a, who, path):
    evidence = add(alice, finding_a, "现场照片.jpg", photo(2000, 1000))
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/evidence/{evidence.pk}/{path}").status_code == 404


def test_a_removed_photo_is_shown_to_the_leader_only(client, alice, lee, finding_a):
    evidence = add(alice, finding_a, "现场照片.jpg", photo())
    services.evidence_remove(user=alice, evidence=evidence)
    client.force_login(alice)
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404
    assert client.get(f"/evidence/{evidence.pk}/thumbnail/").status_code == 404
    client.force_login(lee)
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 200
    assert client.get(f"/evidence/{evidence.pk}/thumbnail/").status_code == 200


def test_anonymous_thumbnail_goes_to_log_in(client, alice, finding_a):
    evidence = add(alice, finding_a, "现场照片.jpg", photo())
    response = client.get(f"/evidence/{evidence.pk}/thumbnail/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_migration_makes_the_missing_thumbnails(alice, finding_a):
    evidence = add(alice, finding_a, "现场照片.jpg", photo())
    broken = add(alice, finding_a, "损坏.png", broken_png())
    pdf = add(alice, finding_a, "验收报告.pdf", pdf_bytes())
    Evidence.objects.filter(pk=evidence.pk).update(thumbnail="")
    migration = importlib.import_module("issues.migrations.0022_evidence_thumbnail")
    migration.make_thumbnails(apps, None)
    evidence.refresh_from_db(), broken.refresh_from_db(), pdf.refresh_from_db()
    assert evidence.thumbnail and Path(evidence.thumbnail.path).is_file()
    assert not broken.thumbnail and not pdf.thumbnail


# The finding page


def test_the_finding_page_shows_photos_in_its_viewer(client, alice, finding_a):
    jpg = add(alice, finding_a, "现场照片.jpg", photo())
    pdf = add(alice, finding_a, "验收报告.pdf", pdf_bytes())
    docx = add(alice, finding_a, "会议纪要.docx", docx_bytes())
    client.force_login(alice)
    page = client.get(finding_a.get_absolute_url()).content.decode()
    assert '<dialog class="evidence-viewer" id="evidence-viewer"' in page
    assert '<script src="/static/js/evidence-viewer.js"></script>' in page
    # The photo: its thumbnail, opening in the viewer, with a download link beside.
    assert f'<img src="/evidence/{jpg.pk}/thumbnail/" alt="" class="evidence-thumb"' in page
    assert (
        f'href="/evidence/{jpg.pk}/" class="evidence-link" data-evidence-viewer'
        f' data-title="现场照片.jpg" data-download="/evidence/{jpg.pk}/?download=1"'
    ) in page
    assert f'href="/evidence/{jpg.pk}/?download=1" class="btn' in page
    # The PDF: a plain link (the browser's viewer), and a download link.
    assert f'href="/evidence/{pdf.pk}/" class="evidence-link">' in page
    assert f'href="/evidence/{pdf.pk}/?download=1" class="btn' in page
    # The Word file: the link downloads; no second button.
    assert f'href="/evidence/{docx.pk}/" class="evidence-link">' in page
    assert f"/evidence/{docx.pk}/?download=1" not in page


def test_the_finding_page_costs_the_same_queries_however_many_photos(client, alice, finding_a):
    client.force_login(alice)
    url = finding_a.get_absolute_url()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(alice, finding_a, "现场照片1.jpg", photo())
    add(alice, finding_a, "验收报告1.pdf", pdf_bytes())
    few = queries()
    for n in range(2, 6):
        add(alice, finding_a, f"现场照片{n}.jpg", photo())
        add(alice, finding_a, f"验收报告{n}.pdf", pdf_bytes())
    assert queries() == few
