"""Importers cannot be used to take a worker down: each attack file (generated here, tiny on
disk) is refused through the upload page with a Chinese message that names the limit, nothing
is stored, and the memory the request allocates stays far below 200 MB. Time is bounded by a
deadline the parser loops consult (tested by setting it to zero); the wall-clock bound below
is only a safety net, and `pytest --durations` shows the real times."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import tracemalloc
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from issues.importing import limits
from issues.models import ImportBatch

START = reverse("import_start")
MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TEXT = """(一)商务部复核组反馈问题
1.项目管理问题
(1)月报填报不完整。
整改措施:一是补齐月报;二是对接日报。
责任单位:区商务和经济合作局
完成时限:2019年9月30日前
"""


def _write(z: zipfile.ZipFile, name: str, text: str) -> None:
    z.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)


def _stream(z: zipfile.ZipFile, name: str, head: bytes, fill: bytes, size: int, tail: bytes):
    """A member of `size` bytes of `fill`, deflated as it is written (never held whole)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 9
    chunk = fill * (MB // len(fill))
    with z.open(info, "w", force_zip64=True) as f:
        f.write(head)
        for _ in range(size // len(chunk)):
            f.write(chunk)
        f.write(tail)


def xlsx(sheet: str, *, shared_strings: str | None = None, big_shared: int = 0) -> bytes:
    """A workbook written by hand: one sheet with the given XML, optionally shared strings."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        _write(
            z,
            "[Content_Types].xml",
            f'<Types xmlns="{CT}">' + '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + (
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                if shared_strings is not None or big_shared
                else ""
            )
            + "</Types>",
        )
        _write(
            z,
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        _write(
            z,
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        rels = f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
        if shared_strings is not None or big_shared:
            rels += (
                f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" '
                'Target="sharedStrings.xml"/>'
            )
        _write(
            z, "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}</Relationships>'
        )
        _write(z, "xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            _write(z, "xl/sharedStrings.xml", shared_strings)
        if big_shared:
            _stream(
                z,
                "xl/sharedStrings.xml",
                f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode(),
                b"a",
                big_shared,
                b"</t></si></sst>",
            )
    return buf.getvalue()


def sheet(rows: str, *, dimension: str | None = "A1:B2", merged: str = "", dtd: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merge = f'<mergeCells count="1"><mergeCell ref="{merged}"/></mergeCells>' if merged else ""
    return f'{dtd}<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData>{merge}</worksheet>'


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = (
    '<row r="1">'
    + cell("A1", "问题描述")
    + cell("B1", "整改措施")
    + cell("C1", "责任单位")
    + "</row>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def docx_bomb(size: int = 200 * MB, member: str = "word/document.xml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        _write(z, "[Content_Types].xml", f'<Types xmlns="{CT}"/>')
        if member != "word/document.xml":
            _write(z, "word/document.xml", "<w:document/>")
        _stream(z, member, b"", b"\0", size, b"")
    return buf.getvalue()


def _upload(client, kind: str, name: str, data: bytes):
    upload = SimpleUploadedFile(name, data)
    if kind == "ledger":
        return client.post(START, {"kind": "ledger", "xlsx-file": upload})
    return client.post(
        START, {"kind": "document", "doc-file": upload, "doc-default_kind": "mofcom_review"}
    )


def refused(client, kind: str, name: str, data: bytes, message: str) -> None:
    """Refused through the real upload path, with `message`, nothing kept, memory flat."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        response = _upload(client, kind, name, data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    print(f"{name}: {len(data)} bytes, refused in {elapsed:.2f} s, peak {peak / MB:.1f} MB")
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html, re.findall(r"[^<>]*(?:超过|不予|无法|不是)[^<>]*", html)
    assert not ImportBatch.objects.exists()
    assert peak < 200 * MB
    assert elapsed < 30  # safety net only; the deadline tests below bound the time


@pytest.fixture
def staff(client, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Each test checks one limit; the clock's is checked by the deadline tests (which set 0).
    # A loaded machine (tracemalloc on, the suite in parallel) could otherwise reach the
    # 5-second deadline before the size limit a test is about.
    settings.RECTIFY_IMPORT_MAX_SECONDS = 120
    client.force_login(alice)
    yield client
    assert not any(tmp_path.iterdir())  # no upload left behind


def test_xlsx_one_cell_at_xfd5000_is_refused_from_its_dimension(staff):
    data = xlsx(
        sheet(HEADER + '<row r="5000">' + cell("XFD5000", "x") + "</row>", dimension="A1:XFD5000")
    )
    assert len(data) < 5000
    refused(staff, "ledger", "xfd.xlsx", data, "有 16384 列，超过了导入上限 200 列")


@pytest.mark.parametrize(
    "ref, message",
    [
        ("XFD5000", "有 16384 列，超过了导入上限 200 列"),
        ("A1048576", "超过了导入上限 5000 行"),
    ],
)
def test_xlsx_cell_far_away_without_dimension_is_refused_when_read(staff, ref, message):
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    data = xlsx(sheet(HEADER + f'<row r="{row}">' + cell(ref, "x") + "</row>", dimension=None))
    refused(staff, "ledger", "far.xlsx", data, message)


def test_xlsx_huge_merged_range_is_refused_unexpanded(staff):
    data = xlsx(sheet(HEADER, dimension="A1:C1", merged="A1:XFD5000"))
    refused(staff, "ledger", "merged.xlsx", data, "有 16384 列，超过了导入上限 200 列")


def test_xlsx_billion_laughs_is_refused(staff):
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    data = xlsx(sheet(rows, dtd=LAUGHS))
    refused(staff, "ledger", "laughs.xlsx", data, "含有 XML 实体定义")


def test_xlsx_shared_strings_bomb_is_refused_before_opening(staff):
    data = xlsx(sheet(HEADER), big_shared=200 * MB)
    assert len(data) < 1 * MB
    refused(staff, "ledger", "strings.xlsx", data, "解压后共 200.0")


def test_docx_zip_bomb_is_refused_before_opening(staff):
    data = docx_bomb()
    assert len(data) < 1 * MB
    refused(staff, "document", "bomb.docx", data, "解压后共 200.0")


def test_zip_bomb_within_total_is_refused_by_its_ratio(staff):
    data = docx_bomb(20 * MB, member="word/media/image1.png")
    refused(staff, "document", "ratio.docx", data, "「word/media/image1.png」压缩比超过 100:1")


def test_xml_member_too_large_to_parse_is_refused(staff):
    data = docx_bomb(12 * MB, member="word/styles.xml")
    refused(staff, "document", "xml.docx", data, "「word/styles.xml」解压后有 12.0")


def test_docx_text_over_the_limit_stops_reading(staff):
    document = docx.Document()
    for _ in range(2100):
        document.add_paragraph("问" * 99)
    buf = io.BytesIO()
    document.save(buf)
    refused(staff, "document", "long.docx", buf.getvalue(), "超过了导入上限 200000 个字符")


def test_zip_with_too_many_members_is_refused(staff, settings):
    settings.RECTIFY_IMPORT_MAX_MEMBERS = 10
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(11):
            z.writestr(f"word/{i}.xml", "")
    refused(staff, "document", "many.docx", buf.getvalue(), "包含 11 个部件，超过了上限 10 个")


def test_big_text_file_is_refused_before_parsing(staff):
    data = "".join(f"({i})月报填报不完整。\n" for i in range(300_000)).encode()
    assert 8 * MB < len(data) < 10 * MB
    refused(staff, "document", "big.txt", data, "超过了导入上限 200000 个字符")


def test_text_with_too_many_lines_is_refused(staff):
    data = ("一\n" * 20_001).encode()
    refused(staff, "document", "lines.txt", data, "共 20001 行，超过了导入上限 20000 行")


def test_pasted_text_over_the_limit_is_refused(staff):
    response = staff.post(
        START, {"kind": "document", "doc-text": "问" * 200_001, "doc-default_kind": "mofcom_review"}
    )
    assert response.status_code == 400
    assert "超过了导入上限 200000 个字符" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_parsing_past_the_deadline_is_refused(staff, settings, review_a, unit_a):
    settings.RECTIFY_IMPORT_MAX_SECONDS = 0
    response = staff.post(
        START, {"kind": "document", "doc-text": TEXT * 20, "doc-default_kind": "mofcom_review"}
    )
    assert response.status_code == 400
    assert "0 秒内未能读完，不予导入" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_reading_a_workbook_past_the_deadline_is_refused(staff, settings):
    settings.RECTIFY_IMPORT_MAX_SECONDS = 0
    rows = "".join(
        f'<row r="{r}">{cell(f"A{r}", "月报")}{cell(f"B{r}", "补齐")}</row>' for r in range(2, 200)
    )
    data = xlsx(sheet(HEADER + rows, dimension="A1:C199"))
    refused(staff, "ledger", "slow.xlsx", data, "0 秒内未能读完，不予导入")


def test_the_deadline_is_shared_and_only_inside():
    limits.tick()  # no deadline: nothing to refuse
    with limits.deadline(0) as outer, limits.deadline(100) as inner:
        assert inner is outer
        with pytest.raises(Exception, match="秒内未能读完"):
            for _ in range(limits.Deadline.EVERY):
                limits.tick()
    limits.tick()


def test_the_limits_leave_an_ordinary_import_alone(staff, review_a, unit_a):
    response = staff.post(
        START, {"kind": "document", "doc-text": TEXT, "doc-default_kind": "mofcom_review"}
    )
    assert response.status_code == 302
    assert ImportBatch.objects.count() == 1


def test_parsed_data_over_the_stored_limit_is_refused(staff, settings, review_a, unit_a):
    settings.RECTIFY_IMPORT_MAX_STORED_BYTES = 200
    response = staff.post(
        START, {"kind": "document", "doc-text": TEXT, "doc-default_kind": "mofcom_review"}
    )
    assert response.status_code == 400
    assert "超过了保存上限" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_purge_import_data_keeps_summary_and_decisions(staff, settings, review_a, unit_a):
    settings.RECTIFY_IMPORT_KEEP_DAYS = 90
    for _ in range(3):
        staff.post(
            START, {"kind": "document", "doc-text": TEXT, "doc-default_kind": "mofcom_review"}
        )
    old_applied, old_pending, recent = ImportBatch.objects.order_by("pk")
    ImportBatch.objects.filter(pk=old_applied.pk).update(
        status=ImportBatch.Status.APPLIED, summary={"new": 1}, options={"decisions": {"units": {}}}
    )
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=91)
    ImportBatch.objects.filter(pk__in=[old_applied.pk, old_pending.pk]).update(created_at=long_ago)

    out = io.StringIO()
    call_command("purge_import_data", stdout=out)
    assert "2 import batches older than 90 days purged" in out.getvalue()

    old_applied.refresh_from_db()
    old_pending.refresh_from_db()
    recent.refresh_from_db()
    assert old_applied.data == {} and old_applied.source_text == ""
    assert old_applied.summary == {"new": 1}
    assert old_applied.options == {"decisions": {"units": {}}}
    assert old_applied.status == ImportBatch.Status.APPLIED
    assert old_pending.data == {} and old_pending.status == ImportBatch.Status.CANCELLED
    assert recent.data and recent.source_text and recent.is_pending
    assert staff.get(old_applied.get_absolute_url()).status_code == 200  # still shown

    call_command("purge_import_data", stdout=out)
    assert "0 import batches" in out.getvalue().splitlines()[-1]
