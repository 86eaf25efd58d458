"""The forms printed per finding and per report: the 销号申请审批表 (Word and PDF), the 佐证材料目录
and the evidence ZIP — their content read back, their scope, and the ZIP's memory."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import tracemalloc
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from issues import services
from issues.models import Evidence
from reports import finding_forms
from reports.models import Report
from tests.conftest import PASSWORD, Factory
from tests.issues.test_evidence import pdf_bytes, pdf_with_pages, png_bytes
from tests.reports.test_report_docx import require_tool

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def docx_text(content: bytes) -> str:
    """Every paragraph of the document, tables (and tables in tables) included."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]

    def cells(table):
        for row in table.rows:
            for cell in row.cells:
                lines.extend(p.text for p in cell.paragraphs)
                for inner in cell.tables:
                    cells(inner)

    for table in doc.tables:
        cells(table)
    return "\n".join(lines)


def upload(user, finding, name: str, content: bytes, title: str = ""):
    return services.evidence_add(
        user=user, finding=finding, upload=SimpleUploadedFile(name, content), title=title
    )


@pytest.fixture
def closed(alice, lee, finding_a):
    """finding_a extended, worked on, submitted by alice and closed by lee, on known days."""
    lee.first_name = "李领导"
    lee.save()
    alice.first_name = "张经办"
    alice.save()
    with time_machine.travel(dt.datetime(2019, 9, 1, 10, tzinfo=SHANGHAI), tick=False):
        request = services.extension_request(
            user=alice, finding=finding_a, new_deadline=dt.date(2019, 12, 31), reason="资金未到位。"
        )
        services.request_decide(user=lee, request=request, approve=True)
    with time_machine.travel(dt.datetime(2019, 9, 5, 10, tzinfo=SHANGHAI), tick=False):
        finding = services.finding_start(user=alice, finding=finding_a)
        upload(alice, finding, "会议纪要.pdf", pdf_bytes(), title="专题会议纪要")
        finding.refresh_from_db()
        finding = services.finding_submit_closeout(
            user=alice, finding=finding, result="服务中心已建成并投入使用。"
        )
    with time_machine.travel(dt.datetime(2019, 9, 8, 10, tzinfo=SHANGHAI), tick=False):
        finding.refresh_from_db()
        finding = services.finding_close(user=lee, finding=finding, comment="材料齐全")
    return finding


def test_the_closeout_form_holds_the_finding_its_deadlines_and_the_decision(client, alice, closed):
    response = login(client, alice).get(f"/findings/{closed.pk}/forms/closeout.docx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = docx_text(response.content)
    for expected in [
        "问题整改销号申请审批表",
        "商务部复核组（2019年4月）",
        "项目管理问题",
        "第1项",
        "县级公共服务中心未开始建设。",
        "一是第一条措施",
        "区商务和经济合作局（牵头）",
        "区财政局",  # the second responsible unit
        "原定：2019年10月30日",
        "经李领导于2019年9月1日批准延期至2019年12月31日",
        "服务中心已建成并投入使用。",
        "专题会议纪要（2019年9月5日）",
        "张经办于2019年9月5日申请销号",
        "李领导于2019年9月8日同意销号。意见：材料齐全",
        "经办人签字",
        "分管领导意见（签字）",
        "单位盖章",
        "日期",
    ]:
        assert expected in text, expected
    # Full-width marks where the text enters the document.
    assert "(" not in text and ":" not in text


def test_an_open_finding_s_form_says_nothing_was_applied_for(client, alice, finding_a):
    text = docx_text(
        login(client, alice).get(f"/findings/{finding_a.pk}/forms/closeout.docx").content
    )
    assert "尚未申请销号" in text and "尚未审批" in text
    assert "原定" not in text  # no extension: one deadline
    assert "2019年10月30日" in text


def test_the_forms_of_another_county_s_finding_do_not_exist(client, alice, finding_b):
    login(client, alice)
    for path in ("closeout.docx", "closeout.pdf", "evidence.docx", "evidence.zip"):
        assert client.get(f"/findings/{finding_b.pk}/forms/{path}").status_code == 404


def test_the_closeout_form_as_pdf(client, alice, closed, tmp_path):
    require_tool("soffice", "libreoffice")
    pdftotext = require_tool("pdftotext")
    response = login(client, alice).get(f"/findings/{closed.pk}/forms/closeout.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "销号申请审批表" in text.replace(" ", "")
    assert "单位盖章" in text.replace(" ", "")


def test_the_zip_holds_every_piece_byte_equal_with_safe_numbered_names(client, alice, finding_a):
    first = upload(alice, finding_a, "照片.png", png_bytes(), title="现场照片")
    second = upload(alice, finding_a, "照片.png", png_bytes() + b"2", title="现场照片二")
    third = upload(alice, finding_a, "纪要.pdf", pdf_bytes(), title="纪要")
    # A stored original name that tries to leave the archive's folder.
    Evidence.objects.filter(pk=third.pk).update(original_name="../../etc/纪要.pdf")
    response = login(client, alice).get(f"/findings/{finding_a.pk}/forms/evidence.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert names[0] == "目录.docx"
    assert sorted(names[1:]) == sorted(["照片.png", "照片（2）.png", "纪要.pdf"])
    assert all("/" not in n and ".." not in n for n in names)
    by_title = {first.pk: None, second.pk: None, third.pk: None}
    listing = docx_text(archive.read("目录.docx"))
    for pk in by_title:
        evidence = Evidence.objects.get(pk=pk)
        assert evidence.title in listing
        stored = evidence.file.open("rb").read()
        assert any(archive.read(n) == stored for n in names[1:])
    assert "照片（2）.png" in names and archive.read("纪要.pdf") == pdf_bytes()


def test_removed_evidence_is_not_bundled(client, alice, lee, finding_a):
    kept = upload(alice, finding_a, "a.png", png_bytes(), title="保留")
    gone = upload(alice, finding_a, "b.png", png_bytes(), title="移除")
    services.evidence_remove(user=alice, evidence=gone)
    response = login(client, lee).get(f"/findings/{finding_a.pk}/forms/evidence.docx")
    text = docx_text(response.content)
    assert kept.title in text and "移除" not in text


def test_a_unit_contact_gets_her_finding_s_bundle_only(client, alice, una, finding_a, unit_a2):
    upload(alice, finding_a, "a.png", png_bytes())
    other = Factory.finding(alice, finding_a.county, finding_a.review, units=[unit_a2])
    upload(alice, other, "b.png", png_bytes())
    login(client, una)
    response = client.get(f"/findings/{finding_a.pk}/forms/evidence.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names == ["目录.docx", "a.png"]
    assert client.get(f"/findings/{other.pk}/forms/evidence.zip").status_code == 404


def test_the_report_bundle_holds_all_its_findings_evidence_in_pinned_queries(
    client, alice, county_a, review_a, finding_a
):
    report = Report.objects.create(county=county_a, issuer="人民政府", title="整改情况报告")
    findings = [finding_a] + [
        Factory.finding(alice, county_a, review_a, description=f"问题{i}。") for i in range(3)
    ]
    for i, f in enumerate(findings):
        upload(alice, f, f"材料{i}.png", png_bytes(), title=f"材料{i}")
    login(client, alice)

    def fetch(path):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/reports/{report.pk}/forms/{path}")
            body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body, len(queries)

    response, body, count = fetch("evidence.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert sorted(names) == sorted(["目录.docx"] + [f"材料{i}.png" for i in range(4)])
    # More findings, more evidence: the same number of queries.
    more = Factory.finding(alice, county_a, review_a, description="再一个问题。")
    upload(alice, more, "再一个.png", png_bytes())
    _, body_more, count_more = fetch("evidence.zip")
    assert count_more == count
    assert "再一个.png" in zipfile.ZipFile(io.BytesIO(body_more)).namelist()
    response, body, list_count = fetch("evidence.docx")
    assert response.status_code == 200 and "材料3" in docx_text(body)
    assert list_count == count


def test_another_county_s_report_bundle_does_not_exist(client, bob, county_a):
    report = Report.objects.create(county=county_a, issuer="人民政府", title="整改情况报告")
    login(client, bob)
    assert client.get(f"/reports/{report.pk}/forms/evidence.zip").status_code == 404
    assert client.get(f"/reports/{report.pk}/forms/evidence.docx").status_code == 404


def test_zipping_a_large_evidence_keeps_memory_bounded(alice, finding_a):
    evidence = upload(alice, finding_a, "大文件.pdf", pdf_bytes())
    # 30 MB on disk (more than an upload may be): written in chunks, never held whole.
    with open(evidence.file.path, "wb") as out:
        for _ in range(30):
            out.write(os.urandom(1024 * 1024))
    listing = finding_forms.evidence_list([evidence], subtitle="大文件", author="昭化区")
    tracemalloc.start()
    try:
        spool = finding_forms.evidence_zip([evidence], listing)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak
    with zipfile.ZipFile(spool) as archive:
        assert archive.getinfo("大文件.pdf").file_size == 30 * 1024 * 1024


def test_the_finding_page_offers_the_forms(client, alice, finding_a):
    page = login(client, alice).get(f"/findings/{finding_a.pk}/").content.decode()
    for path in ("closeout.docx", "evidence.docx", "evidence.zip"):
        assert f"/findings/{finding_a.pk}/forms/{path}" in page


def test_the_report_page_offers_the_evidence_list_and_bundle(client, alice, county_a, finding_a):
    report = Report.objects.create(county=county_a, issuer="人民政府", title="整改情况报告")
    page = login(client, alice).get(f"/reports/{report.pk}/").content.decode()
    for path in ("evidence.docx", "evidence.zip"):
        assert f"/reports/{report.pk}/forms/{path}" in page


def test_the_evidence_list_gives_a_pdf_s_pages_counted_on_upload(client, alice, finding_a):
    three = upload(alice, finding_a, "会议纪要.pdf", pdf_with_pages(3), title="会议纪要")
    broken = upload(alice, finding_a, "合同.pdf", pdf_bytes()[:40] + b"\n%%EOF\n", title="合同")
    photo = upload(alice, finding_a, "照片.png", png_bytes(), title="照片")
    assert (three.pages, broken.pages, photo.pages) == (3, None, None)
    rows = {
        row[1]: row[2]
        for row in finding_forms.finding_listing(Evidence.objects.all(), finding_a)[1].rows
    }
    assert rows["会议纪要"] == f"3页，{finding_forms.size_text(three.size)}"
    assert rows["合同"] == finding_forms.size_text(broken.size)  # unreadable: the size alone
    assert rows["照片"] == finding_forms.size_text(photo.size)
    response = login(client, alice).get(f"/findings/{finding_a.pk}/forms/evidence.docx")
    assert f"3页，{finding_forms.size_text(three.size)}" in docx_text(response.content)


def test_pdfs_uploaded_before_the_count_get_it_from_the_migration(alice, finding_a):
    import importlib

    from django.apps import apps

    evidence = upload(alice, finding_a, "方案.pdf", pdf_with_pages(2), title="方案")
    Evidence.objects.filter(pk=evidence.pk).update(pages=None)
    migration = importlib.import_module("issues.migrations.0021_evidence_pages")
    migration.count_pages(apps, None)
    evidence.refresh_from_db()
    assert evidence.pages == 2
