"""The import pages: upload or paste, preview, decisions, confirm or cancel; scoping and roles;
bad files answered in Chinese with nothing lost."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues.models import Finding, ImportBatch, Unit

TEXT = """(一)商务部复核组反馈问题
1.项目管理问题
(1)月报填报不完整。
整改措施:一是补齐月报;二是对接日报。
责任单位:区商务和经济合作局、区交通运输局
完成时限:2019年9月30日前,并长期坚持
"""
START = reverse("import_start")


def _paste(client, text=TEXT, kind="mofcom_review"):
    return client.post(START, {"kind": "document", "doc-text": text, "doc-default_kind": kind})


@pytest.fixture
def batch(client, alice, review_a, unit_a):
    client.force_login(alice)
    response = _paste(client)
    assert response.status_code == 302
    return ImportBatch.objects.get()


def test_start_page(client, alice):
    client.force_login(alice)
    html = client.get(START).content.decode()
    assert "导入台账" in html
    assert 'name="doc-text"' in html and 'name="xlsx-file"' in html


@pytest.mark.parametrize("who", ["lee", "rita", "nina"])
def test_only_county_staff_import(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(START).status_code == 403
    assert _paste(client).status_code == 403


def test_anonymous_goes_to_login(client):
    assert client.get(START).status_code == 302


def test_wrong_method(client, alice, batch):
    assert client.put(START).status_code == 405
    assert client.get(reverse("import_cancel", args=[batch.pk])).status_code == 405


def test_paste_then_preview(client, alice, batch):
    assert batch.county == alice.county
    assert batch.created_by == alice
    html = client.get(batch.get_absolute_url()).content.decode()
    assert "月报填报不完整。" in html
    assert "新增" in html
    assert "区交通运输局" in html  # unknown unit, needs a decision
    assert "请选择" in html
    assert not Finding.objects.exists()


def test_confirm_needs_unit_decisions_then_saves(client, alice, batch, unit_a):
    url = batch.get_absolute_url()
    response = client.post(url, {"action": "apply", "review_0": str(batch.county.reviews.get().pk)})
    assert response.status_code == 400
    assert "区交通运输局" in response.content.decode()
    assert not Finding.objects.exists()

    response = client.post(
        url, {"action": "apply", "review_0": str(batch.county.reviews.get().pk), "unit_1": "new"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("finding_list")
    finding = Finding.objects.get()
    assert finding.measures.count() == 2
    assert Unit.objects.filter(name="区交通运输局", county=alice.county).exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.applied_by == alice
    assert batch.summary["new"] == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "导入完成：新增 1 个问题，更新 0 个，0 个未变。" in messages
    # Saving twice is refused; the preview now reads as done.
    assert client.post(url, {"action": "apply"}).status_code == 302
    assert Finding.objects.count() == 1
    assert "已于" in client.get(url).content.decode()


def test_create_all_units_button(client, alice, batch):
    client.post(batch.get_absolute_url(), {"action": "create_units"})
    batch.refresh_from_db()
    assert batch.options["decisions"]["units"] == {"区交通运输局": "new"}
    assert not Unit.objects.filter(name="区交通运输局").exists()  # only decided, not saved


def test_cancel(client, alice, batch):
    response = client.post(reverse("import_cancel", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert ImportBatch.objects.count() == 1  # kept, not deleted
    assert not Finding.objects.exists()


def test_another_countys_import_is_not_found(client, bob, batch):
    client.force_login(bob)
    assert client.get(batch.get_absolute_url()).status_code == 404
    assert client.post(batch.get_absolute_url(), {"action": "apply"}).status_code == 404
    assert client.post(reverse("import_cancel", args=[batch.pk])).status_code == 404


def test_leader_reads_the_preview_but_cannot_save(client, lee, batch):
    client.force_login(lee)
    html = client.get(batch.get_absolute_url()).content.decode()
    assert "月报填报不完整。" in html
    assert "确认导入" not in html
    assert client.post(batch.get_absolute_url(), {"action": "apply"}).status_code == 403


def test_docx_upload(client, alice, review_a, unit_a):
    document = docx.Document()
    for line in TEXT.splitlines():
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "(2)表格中的问题。"
    buf = io.BytesIO()
    document.save(buf)
    client.force_login(alice)
    upload = SimpleUploadedFile("方案.docx", buf.getvalue())
    response = client.post(
        START, {"kind": "document", "doc-file": upload, "doc-default_kind": "mofcom_review"}
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.source_name == "方案.docx"
    assert [f["description"] for f in batch.data["reviews"][0]["categories"][0]["findings"]] == [
        "月报填报不完整。",
        "表格中的问题。",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("方案.docx", b"just text", "扩展名是 .docx，但内容不是 Word 文档"),
        # An OLE file is converted by LibreOffice once its directory has been read.
        ("方案.docx", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 100, "已损坏"),
        ("方案.docx", b"PK\x03\x04broken", "已损坏"),
        ("方案.pdf", b"%PDF-1.4", "已损坏"),
        ("方案.xls", b"a,b", "不支持的文件类型"),
        ("方案.txt", b"\x00\x01\x02binary", "不是文本文件"),
        ("方案.txt", b"", "所提交的是空文件"),
    ],
)
def test_bad_files_are_refused_in_chinese(client, alice, name, content, message):
    client.force_login(alice)
    upload = SimpleUploadedFile(name, content)
    response = client.post(
        START, {"kind": "document", "doc-file": upload, "doc-default_kind": "mofcom_review"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_too_large_document(client, alice, settings):
    settings.RECTIFY_IMPORT_MAX_BYTES = 10
    client.force_login(alice)
    upload = SimpleUploadedFile("方案.txt", "一二三四五六七八九十".encode())
    response = client.post(
        START, {"kind": "document", "doc-file": upload, "doc-default_kind": "mofcom_review"}
    )
    assert response.status_code == 400
    assert "超过了导入上限" in response.content.decode()


def test_both_or_neither_is_an_error_and_the_text_is_kept(client, alice):
    client.force_login(alice)
    response = _paste(client, text="")
    assert response.status_code == 400
    assert "请上传文件，或粘贴文件的文字。" in response.content.decode()
    upload = SimpleUploadedFile("a.txt", TEXT.encode())
    response = client.post(
        START,
        {
            "kind": "document",
            "doc-file": upload,
            "doc-text": "我粘贴的文字",
            "doc-default_kind": "audit",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "二者选其一" in html
    assert "我粘贴的文字" in html


def test_unreadable_deadline_shows_the_line_and_disables_saving(client, alice, review_a):
    client.force_login(alice)
    _paste(client, TEXT.replace("2019年9月30日前,并长期坚持", "尽快完成"))
    batch = ImportBatch.objects.get()
    html = client.get(batch.get_absolute_url()).content.decode()
    assert "第6行" in html and "尽快完成" in html
    assert "不能导入" in html
    response = client.post(batch.get_absolute_url(), {"action": "apply", "unit_1": "new"})
    assert response.status_code == 400
    assert not Finding.objects.exists()


def test_preview_query_count_does_not_grow_with_findings(
    client, alice, review_a, unit_a, django_assert_max_num_queries
):
    client.force_login(alice)
    many = "\n".join(
        f"({i})问题{i}。\n整改措施:措施{i}。\n责任单位:区商务和经济合作局" for i in range(1, 41)
    )
    _paste(client, "商务部复核组反馈问题\n1.项目管理问题\n" + many)
    batch = ImportBatch.objects.get()
    client.post(batch.get_absolute_url(), {"action": "apply"})
    assert Finding.objects.count() == 40
    with django_assert_max_num_queries(20):
        response = client.get(batch.get_absolute_url())
    assert response.status_code == 200
    # The re-import preview against 40 existing findings.
    _paste(client, "商务部复核组反馈问题\n1.项目管理问题\n" + many)
    second = ImportBatch.objects.filter(status="pending").get()
    with django_assert_max_num_queries(20):
        html = client.get(second.get_absolute_url()).content.decode()
    assert "不变" in html


def test_docx_with_the_findings_in_a_table(client, alice, review_a, unit_a):
    """Another county's style: the plan as a table, one row per finding."""
    document = docx.Document()
    document.add_paragraph("某县电子商务进农村综合示范复核反馈问题整改方案")
    document.add_paragraph("商务部复核组反馈问题")
    rows = [
        ["序号", "问题类别", "存在问题", "整改措施", "牵头单位", "整改时限"],
        [
            "1",
            "项目管理问题",
            "月报填报不完整。",
            "1.补齐月报\n2.对接日报",
            "区商务和经济合作局",
            "2019年9月30日前",
        ],
        ["2", "项目管理问题", "经验总结不足。", "总结经验。", "区商务和经济合作局", "长期坚持"],
        [
            "3",
            "资金管理问题",
            "资金统计不全。",
            "建立统计表。",
            "区商务和经济合作局",
            "2019年6月底前",
        ],
    ]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    client.force_login(alice)
    response = client.post(
        START,
        {
            "kind": "document",
            "doc-file": SimpleUploadedFile("方案.docx", buf.getvalue()),
            "doc-default_kind": "mofcom_review",
        },
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    client.post(batch.get_absolute_url(), {"action": "apply"})
    findings = Finding.objects.filter(county=alice.county).order_by("category__order", "order")
    assert [(f.category.name, f.order, f.description) for f in findings] == [
        ("项目管理问题", 1, "月报填报不完整。"),
        ("项目管理问题", 2, "经验总结不足。"),
        ("资金管理问题", 1, "资金统计不全。"),
    ]
    first = findings[0]
    assert list(first.measures.values_list("text", flat=True)) == ["补齐月报", "对接日报"]
    assert first.deadline.isoformat() == "2019-09-30"
    assert findings[1].is_ongoing and findings[1].deadline is None
    assert findings[2].deadline.isoformat() == "2019-06-30"
    assert first.review == review_a


def test_document_date_reads_the_chinese_way(client, alice, review_a, unit_a):
    client.force_login(alice)
    _paste(client, TEXT + "\n广元市昭化区人民政府\n2019年9月10日\n")
    html = client.get(ImportBatch.objects.get().get_absolute_url()).content.decode()
    assert "成文日期 2019年9月10日" in html
