"""Evidence (佐证材料): what may be uploaded, where it is kept, who may download it, and how
removing only hides it."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from docx import Document

from issues import services
from issues.models import Evidence, Finding, Progress
from issues.timeline import finding_timeline
from issues.uploads import check_upload

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALLOWED_TYPES = "doc、docx、jpeg、jpg、pdf、png、xls、xlsx、zip"


# Small real files of each kind


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def pdf_with_pages(n: int) -> bytes:
    """A small valid PDF of `n` blank A4 pages (objects, xref and trailer with true offsets)."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(n))
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        f"<</Type/Pages/Kids[{kids}]/Count {n}>>".encode(),
        *[b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>" for _ in range(n)],
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj".encode() + body + b"endobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("昭化区公共服务中心验收会议纪要")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "资金支付台账"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("照片/1.png", png_bytes())
    return out.getvalue()


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def finding(finding_a) -> Finding:
    return finding_a


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def evidence_card(html: str) -> str:
    """The evidence card of the detail page (the history below also names evidence)."""
    start = html.index('id="evidence"')
    return html[start : html.index('id="progress"', start)]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_evidence(client, finding, file, **fields):
    data = {"file": file, "title": "", "date": "2019-09-05", **fields}
    return client.post(f"/findings/{finding.pk}/evidence/", data)


# Accepted kinds

KINDS = [
    ("验收报告.pdf", pdf_bytes, "application/pdf"),
    ("现场照片.jpg", jpeg_bytes, "image/jpeg"),
    ("现场照片.JPEG", jpeg_bytes, "image/jpeg"),
    ("站点截图.png", png_bytes, "image/png"),
    (
        "会议纪要.docx",
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "资金台账.xlsx",
        xlsx_bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("照片.zip", zip_bytes, "application/zip"),
]


@pytest.mark.parametrize("name, make, content_type", KINDS)
def test_staff_uploads_each_accepted_kind(client, alice, finding, media, name, make, content_type):
    content = make()
    client.force_login(alice)
    response = post_evidence(client, finding, upload(name, content), title="验收材料")
    assert response.status_code == 302
    assert response["Location"] == f"{finding.get_absolute_url()}#evidence"
    assert messages_of(response) == ["佐证材料已上传。"]

    evidence = Evidence.objects.get(finding=finding)
    assert evidence.title == "验收材料"
    assert evidence.date == dt.date(2019, 9, 5)
    assert evidence.original_name == name
    assert evidence.size == len(content)
    assert evidence.content_type == content_type
    assert evidence.created_by == alice
    assert evidence.progress is None
    assert evidence.file.read() == content
    # A photo's thumbnail is kept beside it (tests/issues/test_evidence_viewer.py).
    [stored] = [p for p in stored_files(media) if "thumbnails" not in p.parts]
    assert stored.read_bytes() == content


def test_detail_page_lists_title_size_and_uploader(client, alice, lee, finding):
    alice.first_name = "张三"
    alice.save()
    content = docx_bytes()
    services.evidence_add(
        user=alice, finding=finding, upload=upload("纪要.docx", content), title="验收会议纪要"
    )
    client.force_login(lee)
    card = evidence_card(client.get(finding.get_absolute_url()).content.decode())
    assert "验收会议纪要" in card
    assert "纪要.docx" in card  # the original name under a different title
    assert filesizeformat(len(content)) in card  # "35.7 KB"
    assert "张三" in card
    evidence = Evidence.objects.get()
    assert f'href="/evidence/{evidence.pk}/"' in card


def test_title_defaults_to_the_file_name(alice, finding):
    evidence = services.evidence_add(
        user=alice, finding=finding, upload=upload("a.pdf", pdf_bytes())
    )
    assert evidence.title == "a.pdf"
    assert evidence.date == dt.date(2019, 9, 10)


def test_a_file_exactly_at_the_limit_is_accepted(settings, alice, finding):
    content = pdf_bytes()
    settings.RECTIFY_MAX_UPLOAD_BYTES = len(content)
    evidence = services.evidence_add(user=alice, finding=finding, upload=upload("a.pdf", content))
    assert evidence.size == len(content)


def test_the_limit_defaults_to_20_mb():
    assert django_settings.RECTIFY_MAX_UPLOAD_BYTES == 20 * 1024 * 1024


# Refused


REFUSED = [
    ("notes.txt", b"just some text\n", f"文件“notes.txt”不是允许的类型。可上传：{ALLOWED_TYPES}。"),
    ("setup.exe", exe_bytes(), f"文件“setup.exe”不是允许的类型。可上传：{ALLOWED_TYPES}。"),
    ("report.pdf", exe_bytes(), f"文件“report.pdf”不是允许的类型。可上传：{ALLOWED_TYPES}。"),
    ("notes.pdf", b"just some text\n", f"文件“notes.pdf”不是允许的类型。可上传：{ALLOWED_TYPES}。"),
    ("scan.pdf", png_bytes(), "文件“scan.pdf”的内容与扩展名不符，已拒绝。"),
    ("photo.png", pdf_bytes(), "文件“photo.png”的内容与扩展名不符，已拒绝。"),
    ("minutes.docx", zip_bytes(), "文件“minutes.docx”的内容与扩展名不符，已拒绝。"),
]


@pytest.mark.parametrize("name, content, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_wrong_or_disguised_type_is_refused(client, alice, finding, media, name, content, message):
    client.force_login(alice)
    response = post_evidence(client, finding, upload(name, content), title="材料")
    assert response.status_code == 400
    assert response.context["evidence_form"].errors == {"file": [message]}
    html = response.content.decode()
    assert message in html
    assert "佐证材料未上传，请按提示修改。" in html
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("name, content, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_check_upload_refuses_the_same(name, content, message):
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(name, content))
    assert exc.value.messages == [message]


def test_too_large_is_refused(settings, client, alice, finding, media):
    settings.RECTIFY_MAX_UPLOAD_BYTES = 100
    content = pdf_bytes() + b"%" * (200 - len(pdf_bytes()))
    client.force_login(alice)
    response = post_evidence(client, finding, upload("big.pdf", content))
    assert response.status_code == 400
    message = "文件“big.pdf”大小为 200\xa0字节，超过了 100\xa0字节 的上限。"
    assert response.context["evidence_form"].errors == {"file": [message]}
    assert message in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_empty_file_is_refused(client, alice, finding, media):
    client.force_login(alice)
    response = post_evidence(client, finding, upload("empty.pdf", b""))
    assert response.status_code == 400
    assert "所提交的是空文件。" in response.content.decode()
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(user=alice, finding=finding, upload=upload("empty.pdf", b""))
    assert exc.value.messages == ["文件“empty.pdf”是空的。"]
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_no_file_is_refused(client, alice, finding):
    client.force_login(alice)
    response = client.post(f"/findings/{finding.pk}/evidence/", {"title": "材料"})
    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("who", ["lee", "rita", "nina"])
def test_read_only_users_may_not_upload(request, client, finding, media, who):
    client.force_login(request.getfixturevalue(who))
    response = post_evidence(client, finding, upload("a.pdf", pdf_bytes()))
    assert response.status_code == 403
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
    with pytest.raises(PermissionDenied):
        services.evidence_add(
            user=request.getfixturevalue(who), finding=finding, upload=upload("a.pdf", pdf_bytes())
        )


def test_another_countys_staff_gets_404(client, bob, finding, media):
    client.force_login(bob)
    assert post_evidence(client, finding, upload("a.pdf", pdf_bytes())).status_code == 404
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


# Storage


def test_stored_under_a_non_guessable_name_in_media_not_static(alice, finding, media):
    first = services.evidence_add(
        user=alice, finding=finding, upload=upload("验收报告.pdf", pdf_bytes())
    )
    second = services.evidence_add(
        user=alice, finding=finding, upload=upload("验收报告.pdf", pdf_bytes())
    )
    assert first.file.name != second.file.name
    for evidence in (first, second):
        path = Path(evidence.file.path)
        assert path.is_file()
        assert path.is_relative_to(media / "evidence")
        assert not path.is_relative_to(django_settings.STATIC_ROOT)
        assert not any(path.is_relative_to(d) for d in django_settings.STATICFILES_DIRS)
        assert "验收报告" not in evidence.file.name
        match = re.fullmatch(r"evidence/2019/09/([A-Za-z0-9_-]+)\.pdf", evidence.file.name)
        assert match, evidence.file.name
        assert len(match.group(1)) >= 32  # 24 random bytes


def test_the_stored_path_is_not_served(client, alice, finding):
    evidence = services.evidence_add(
        user=alice, finding=finding, upload=upload("a.pdf", pdf_bytes())
    )
    client.force_login(alice)
    assert client.get(f"/{evidence.file.name}").status_code == 404
    assert client.get(f"/media/{evidence.file.name}").status_code == 404
    assert client.get(f"/static/{evidence.file.name}").status_code == 404


# Download


@pytest.fixture
def evidence(alice, finding, clock) -> Evidence:
    clock.shift(dt.timedelta(hours=1))  # not part of registering the finding
    return services.evidence_add(
        user=alice, finding=finding, upload=upload("验收报告.pdf", pdf_bytes()), title="验收报告"
    )


@pytest.mark.parametrize("who", ["alice", "lee", "rita", "nina"])
def test_download_within_scope(request, client, evidence, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    # A PDF opens in the browser's viewer (tests/issues/test_evidence_viewer.py).
    assert response["Content-Disposition"] == f"inline; filename*=utf-8''{quote('验收报告.pdf')}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_download_keeps_an_ascii_name_and_may_be_an_attachment(client, alice, finding):
    evidence = services.evidence_add(
        user=alice, finding=finding, upload=upload("minutes.pdf", pdf_bytes()), title="纪要"
    )
    client.force_login(alice)
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response["Content-Disposition"] == 'inline; filename="minutes.pdf"'
    response = client.get(f"/evidence/{evidence.pk}/?download=1")
    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'


@pytest.mark.parametrize("who", ["bob", "quinn"])
def test_download_outside_scope_is_404(request, client, evidence, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404


def test_anonymous_download_goes_to_log_in(client, evidence):
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/evidence/{evidence.pk}/"


def test_unknown_evidence_is_404(client, alice):
    client.force_login(alice)
    assert client.get("/evidence/999999/").status_code == 404


# Remove hides, a leader restores


def test_remove_only_hides(client, alice, lee, evidence, finding):
    client.force_login(alice)
    response = client.post(f"/evidence/{evidence.pk}/remove/")
    assert response.status_code == 302
    assert response["Location"] == f"{finding.get_absolute_url()}#evidence"
    assert messages_of(response) == ["佐证材料“验收报告”已移除（领导可以恢复）。"]

    evidence.refresh_from_db()
    assert evidence.is_removed
    assert evidence.removed_by == alice
    assert Path(evidence.file.path).is_file()  # the file is kept

    # Staff no longer see it, nor download it.
    card = evidence_card(client.get(finding.get_absolute_url()).content.decode())
    assert "验收报告" not in card
    assert "暂无佐证材料。" in card
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404

    # The leader sees it struck through, with a restore button, and may still open it.
    client.force_login(lee)
    card = evidence_card(client.get(finding.get_absolute_url()).content.decode())
    row = re.search(r"<tr class=\"([^\"]*)\">(?:(?!</tr>).)*验收报告", card, re.S)
    assert row and "text-decoration-line-through" in row.group(1)
    assert f'action="/evidence/{evidence.pk}/restore/"' in card
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 200

    # History keeps both steps.
    texts = [e.text for e in finding_timeline(finding)]
    assert "上传佐证材料：验收报告" in texts
    assert "移除佐证材料：验收报告" in texts


def test_leader_restores(client, alice, lee, evidence, finding, clock):
    services.evidence_remove(user=alice, evidence=evidence)
    clock.shift(dt.timedelta(minutes=1))
    client.force_login(lee)
    response = client.post(f"/evidence/{evidence.pk}/restore/")
    assert response.status_code == 302
    assert messages_of(response) == ["佐证材料“验收报告”已恢复。"]
    evidence.refresh_from_db()
    assert not evidence.is_removed
    assert evidence.removed_by is None
    client.force_login(alice)
    card = evidence_card(client.get(finding.get_absolute_url()).content.decode())
    assert "验收报告" in card
    assert "text-decoration-line-through" not in card
    assert [e.text for e in finding_timeline(finding)][0] == "恢复佐证材料：验收报告"


def test_staff_may_not_restore(client, alice, evidence):
    services.evidence_remove(user=alice, evidence=evidence)
    client.force_login(alice)
    response = client.post(f"/evidence/{evidence.pk}/restore/")
    assert response.status_code == 403
    assert "只有本区县领导可以恢复佐证材料。" in response.content.decode()
    assert Evidence.objects.get(pk=evidence.pk).is_removed


def test_staff_sees_no_restore_button_and_leader_no_remove_button(client, alice, lee, evidence):
    client.force_login(lee)
    card = evidence_card(client.get(evidence.finding.get_absolute_url()).content.decode())
    assert f"/evidence/{evidence.pk}/remove/" not in card
    client.force_login(alice)
    card = evidence_card(client.get(evidence.finding.get_absolute_url()).content.decode())
    assert f'action="/evidence/{evidence.pk}/remove/"' in card
    services.evidence_remove(user=alice, evidence=evidence)
    card = evidence_card(client.get(evidence.finding.get_absolute_url()).content.decode())
    assert f"/evidence/{evidence.pk}/restore/" not in card


@pytest.mark.parametrize("who, status", [("lee", 403), ("rita", 403), ("bob", 404)])
def test_only_staff_remove(request, client, evidence, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.post(f"/evidence/{evidence.pk}/remove/").status_code == status
    assert not Evidence.objects.get(pk=evidence.pk).is_removed


def test_remove_and_restore_are_post_only(client, alice, lee, evidence):
    client.force_login(alice)
    assert client.get(f"/evidence/{evidence.pk}/remove/").status_code == 405
    client.force_login(lee)
    assert client.get(f"/evidence/{evidence.pk}/restore/").status_code == 405
    assert not Evidence.objects.get(pk=evidence.pk).is_removed


# With a progress note


def test_files_with_a_progress_note_are_attached_to_it(client, alice, finding, media):
    client.force_login(alice)
    response = client.post(
        f"/findings/{finding.pk}/progress/",
        {
            "date": "2019-09-08",
            "note": "已完成竣工验收。",
            "files": [upload("验收报告.pdf", pdf_bytes()), upload("现场.png", png_bytes())],
        },
    )
    assert response.status_code == 302
    note = Progress.objects.get(finding=finding)
    attached = list(note.evidence.order_by("id"))
    assert [(e.title, e.original_name, e.date) for e in attached] == [
        ("验收报告.pdf", "验收报告.pdf", dt.date(2019, 9, 8)),
        ("现场.png", "现场.png", dt.date(2019, 9, 8)),
    ]
    assert [e.content_type for e in attached] == ["application/pdf", "image/png"]
    assert len(stored_files(media)) == 3  # and the photo's thumbnail

    html = client.get(finding.get_absolute_url()).content.decode()
    progress = html[html.index('id="progress"') :]
    for e in attached:
        assert re.search(
            rf'href="/evidence/{e.pk}/"[^>]*><span>(<i [^>]*></i>)?\s*{re.escape(e.title)}<',
            progress,
        )


def test_a_bad_file_refuses_the_whole_note(client, alice, finding, media):
    client.force_login(alice)
    response = client.post(
        f"/findings/{finding.pk}/progress/",
        {
            "date": "2019-09-08",
            "note": "已完成竣工验收。",
            "files": [upload("report.pdf", exe_bytes())],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"文件“report.pdf”不是允许的类型。可上传：{ALLOWED_TYPES}。" in html
    assert "已完成竣工验收。" in html  # the note typed is kept
    assert not Progress.objects.exists()
    assert not Evidence.objects.exists()
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.OPEN
    assert stored_files(media) == []


def test_progress_of_another_finding_is_refused(alice, finding, county_a, review_a, factory):
    other = factory.finding(alice, county_a, review_a)
    note = services.progress_add(user=alice, finding=other, note="进展")
    with pytest.raises(ValidationError):
        services.evidence_add(
            user=alice, finding=finding, upload=upload("a.pdf", pdf_bytes()), progress=note
        )
    assert not Evidence.objects.filter(finding=finding).exists()


def test_a_refused_file_in_a_progress_note_stores_none_of_the_files(client, alice, finding, media):
    client.force_login(alice)
    response = client.post(
        f"/findings/{finding.pk}/progress/",
        {
            "date": "2019-09-01",
            "note": "附两份材料",
            "files": [upload("纪要.pdf", pdf_bytes()), upload("程序.pdf", exe_bytes())],
        },
    )
    assert response.status_code == 400
    assert "程序.pdf" in response.content.decode()
    assert not finding.progress_notes.exists()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
