"""Documents in every format an office receives (issue 16 item 1): .doc/.wps/.rtf/.odt through
LibreOffice, PDF by its text layer, scans and pictures by OCR; each read like the .docx made
from the same seed text, each refusal in Chinese, every limit applied. The samples are made
here from seed 000 (LibreOffice writes the .doc, .odt, .rtf and PDF; poppler draws a page)."""

from __future__ import annotations

import difflib
import io
import struct
import subprocess
import time
import zlib

import docx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bench.samples import docx_of
from issues.importing import pdf, readers
from issues.importing.document import ParsedDocument, parse_document
from issues.importing.services import import_start
from issues.models import Finding, ImportBatch
from rectify.lib import ocr, office, ole
from tests.seeds import SEED_000
from tests.tools import missing, require_tool

SEED = SEED_000.read_text(encoding="utf-8")
START = reverse("import_start")


def _seed_lines() -> list[str]:
    return [ln.strip() for ln in SEED.splitlines() if ln.strip() and ln.strip() != "."]


def _sample_text() -> str:
    """The seed's first review heading, category and two findings with all their fields."""
    lines = _seed_lines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("(一)"))
    end = next(i for i, ln in enumerate(lines) if ln.startswith("(3)"))
    return "\n".join(lines[start:end])


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _descriptions(text: str) -> list[str]:
    return [f.description for f in parse_document(text).findings]


def _refusal(name: str, data: bytes) -> str:
    with pytest.raises(Exception) as e:  # noqa: B017, PT011 - the ValidationError's text
        readers.read_source(_upload(name, data))
    return " ".join(getattr(e.value, "messages", [str(e.value)]))


def _require_office():
    require_tool("soffice", "libreoffice")


def _require_ocr():
    require_tool("pdftoppm")
    require_tool("tesseract")
    if not ocr.available():
        missing("Tesseract's chi_sim data not installed (Debian: tesseract-ocr-chi-sim)")


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, bytes]:
    """The sample in every format LibreOffice writes, made once for the module."""
    if office.executable() is None:
        return {}
    source = docx_of(_sample_text().splitlines())
    made = {"docx": source}
    for to in ("doc", "odt", "rtf", "pdf"):
        made[to] = office.convert(source, suffix=".docx", to=to)
    return made


def _sample(samples, kind: str) -> bytes:
    _require_office()
    return samples[kind]


# LibreOffice: .doc, .wps, .rtf, .odt


@pytest.mark.parametrize(
    ("kind", "name"),
    [("doc", "方案.doc"), ("doc", "方案.wps"), ("odt", "方案.odt"), ("rtf", "方案.rtf")],
)
def test_office_formats_read_like_the_docx(samples, kind, name):
    data = _sample(samples, kind)
    source = readers.read_source(_upload(name, data))
    expected = _descriptions(_sample_text())
    assert len(expected) == 2
    assert _descriptions(source.text) == expected
    assert source.ocr_lines == []


def test_the_content_decides_not_the_name(samples):
    """A .doc named .docx, an .odt named .txt: converted all the same."""
    expected = _descriptions(_sample_text())
    assert (
        _descriptions(readers.read_document(_upload("a.docx", _sample(samples, "doc")))) == expected
    )
    assert (
        _descriptions(readers.read_document(_upload("a.txt", _sample(samples, "odt")))) == expected
    )


def test_without_libreoffice_the_doc_is_refused_with_what_to_do(samples, settings):
    data = _sample(samples, "doc")
    settings.RECTIFY_SOFFICE = "/nonexistent/soffice"
    message = _refusal("方案.doc", data)
    assert "服务器未安装 LibreOffice" in message and "另存为 .docx" in message


def _encrypted(doc: bytes) -> bytes:
    """The .doc with fEncrypted set in its FIB, as Word writes a password-protected file
    (the rest of the file left as it is: what matters is that no engine is asked to read it)."""
    compound = ole.Compound(doc)
    first, _size = compound.entries["WordDocument"]
    offset = (first + 1) * compound.sector_size + 0x0A
    flags = struct.unpack_from("<H", doc, offset)[0] | 0x0100
    return doc[:offset] + struct.pack("<H", flags) + doc[offset + 2 :]


def test_a_password_protected_doc_is_named_as_such(samples, monkeypatch):
    data = _encrypted(_sample(samples, "doc"))
    assert ole.is_encrypted(data) and not ole.is_encrypted(_sample(samples, "doc"))
    monkeypatch.setattr(office, "convert", lambda *a, **k: pytest.fail("must not convert"))
    assert "已加密" in _refusal("方案.doc", data)


def _encrypted_package(doc: bytes) -> bytes:
    """An OLE container holding EncryptedPackage, as Word and Excel save a .docx or .xlsx with
    an opening password ([MS-OFFCRYPTO] 2.3.4): the .doc's WordDocument entry renamed."""
    old = "WordDocument".encode("utf-16-le") + b"\0\0"
    new = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    at = doc.index(old)
    entry = doc[:at] + new + doc[at + len(new) :]
    return entry[: at + 64] + struct.pack("<H", len(new)) + entry[at + 66 :]


@pytest.mark.parametrize("name", ["方案.docx", "台账.xlsx"])
def test_a_password_protected_docx_or_xlsx_is_named_as_such(samples, monkeypatch, name):
    data = _encrypted_package(_sample(samples, "doc"))
    assert "EncryptedPackage" in ole.stream_names(data) and ole.is_encrypted(data)
    monkeypatch.setattr(office, "convert", lambda *a, **k: pytest.fail("must not convert"))
    assert "已加密" in _refusal(name, data)


def test_broken_files_are_refused(samples):
    doc = _sample(samples, "doc")
    assert "已损坏" in _refusal("方案.doc", doc[:700])  # the OLE directory is gone
    # A well-formed container whose Word stream is rubbish: LibreOffice cannot read it.
    compound = ole.Compound(doc)
    first, _size = compound.entries["WordDocument"]
    start = (first + 1) * compound.sector_size
    rubbish = doc[:start] + b"\0" * compound.sector_size + doc[start + compound.sector_size :]
    message = _refusal("方案.doc", rubbish)
    assert "LibreOffice" in message or "已损坏" in message
    assert "已损坏" in _refusal("方案.pdf", _sample(samples, "pdf")[:300])
    assert "已损坏" in _refusal("方案.odt", b"PK\x03\x04broken")
    assert "内容不是该格式" in _refusal("方案.rtf", b"plain words")


def test_huge_files_are_refused_before_any_engine(samples, settings, monkeypatch):
    monkeypatch.setattr(office, "convert", lambda *a, **k: pytest.fail("must not convert"))
    settings.RECTIFY_IMPORT_MAX_BYTES = 1000
    for name, kind in (("方案.doc", "doc"), ("方案.pdf", "pdf")):
        assert "超过了导入上限" in _refusal(name, _sample(samples, kind))


# PDF with a text layer


def test_pdf_reads_like_the_docx(samples):
    source = readers.read_source(_upload("方案.pdf", _sample(samples, "pdf")))
    assert _descriptions(source.text) == _descriptions(_sample_text())
    assert source.ocr_lines == []


def _line(text, x1=500.0, *, page=1, top=100.0, x0=90.0, ocr=False):
    return pdf._Line(text, x0, x1, top, top + 15, page, ocr)


def test_pdf_furniture_dropped_and_broken_lines_joined():
    pages = []
    for page, word in ((1, "甲"), (2, "乙"), (3, "丙")):
        pages.append(
            [
                _line("某县商务局文件", 300, page=page, top=20, x0=200),
                _line(
                    f"{word}整改措施:一是加快完善建设方案,厘清公共服务中心具体职能,并",
                    page=page,
                    top=100,
                ),
                _line(f"落实责任。第{page}页内容", 250, page=page, top=115),
                _line(
                    f"（一）下一个编号的问题{word},写满了一整行的文字,没有句末的标点",
                    page=page,
                    top=130,
                ),
                _line(f"（二）编号开头的下一行不接上一行{word}。", 300, page=page, top=145),
                _line(
                    f"  缩进的新段落{word}也不接上一行的文字,写到了右边的页边",
                    page=page,
                    top=160,
                    x0=122,
                ),
                _line(["— 1 —", "第2页", "3/10"][page - 1], 290, page=page, top=760, x0=280),
            ]
        )
    lines = [item.text for item in pdf._assemble(pages)]
    assert lines.count("某县商务局文件") == 0  # on every page's top
    assert not any(t in lines for t in ("— 1 —", "第2页", "3/10"))
    assert "甲整改措施:一是加快完善建设方案,厘清公共服务中心具体职能,并落实责任。第1页内容" in lines
    assert f"（二）编号开头的下一行不接上一行{word}。" in lines
    assert any(t.startswith("  缩进的新段落") or t.startswith("缩进的新段落") for t in lines)


def test_pdf_line_joined_across_a_page_break():
    pages = [
        [_line("第一页最后一行写到了页边,没有句末标点", page=1, top=700)],
        [_line("第二页接着写完。", 200, page=2, top=80)],
    ]
    assert [i.text for i in pdf._assemble(pages)] == [
        "第一页最后一行写到了页边,没有句末标点第二页接着写完。"
    ]


def test_pdf_table_read_by_the_table_column_logic():
    _require_office()
    rows = [["序号", "问题描述", "整改措施", "责任单位", "完成时限"]]
    lines = _seed_lines()
    rows.append(
        [
            "1",
            lines[lines.index(next(ln for ln in lines if ln.startswith("(1)")))][3:],
            "一是补齐月报;二是对接日报。",
            "区商务和经济合作局",
            "2019年9月30日前",
        ]
    )
    document = docx.Document()
    document.add_paragraph("(一)商务部复核组反馈问题")
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    from_docx = readers.read_document(_upload("表.docx", buf.getvalue()))
    from_pdf = readers.read_document(
        _upload("表.pdf", office.convert(buf.getvalue(), suffix=".docx", to="pdf"))
    )
    parsed_docx, parsed_pdf = parse_document(from_docx), parse_document(from_pdf)
    assert len(parsed_pdf.findings) == 1
    assert parsed_pdf.findings[0].units == parsed_docx.findings[0].units == ["区商务和经济合作局"]
    assert parsed_pdf.findings[0].measures == parsed_docx.findings[0].measures


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    """Seed 000 laid out on at least 60 pages."""
    if office.executable() is None:
        return b""
    lines = _seed_lines()
    return office.convert(docx_of(lines, breaks_every=len(lines) // 60), suffix=".docx", to="pdf")


def test_too_many_pages(long_pdf, settings):
    _require_office()
    settings.RECTIFY_IMPORT_MAX_PAGES = 59
    message = _refusal("长.pdf", long_pdf)
    assert "页，超过了导入上限 59 页" in message


def test_a_60_page_pdf_previewed_in_bounded_time(client, alice, long_pdf):
    _require_office()
    import pdfplumber

    with pdfplumber.open(io.BytesIO(long_pdf)) as document:
        assert len(document.pages) >= 60
    client.force_login(alice)
    began = time.monotonic()
    response = client.post(
        START,
        {
            "kind": "document",
            "doc-file": _upload("长.pdf", long_pdf),
            "doc-default_kind": "mofcom_review",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.get()
    assert client.get(batch.get_absolute_url()).status_code == 200
    elapsed = time.monotonic() - began
    assert elapsed < settings.RECTIFY_IMPORT_CONVERT_SECONDS + settings.RECTIFY_IMPORT_MAX_SECONDS
    assert len(ParsedDocument.from_dict(batch.data).findings) == len(parse_document(SEED).findings)


def test_the_reading_time_is_bounded(samples, settings, monkeypatch):
    data = _sample(samples, "pdf")
    settings.RECTIFY_IMPORT_CONVERT_SECONDS = 0
    assert "秒内未能读完" in _refusal("方案.pdf", data)


# OCR: pictures and scanned PDFs


@pytest.fixture(scope="module")
def scan(samples, tmp_path_factory) -> bytes:
    """The sample PDF's first page drawn at 300 dpi, as a scanner would."""
    if not samples or ocr.renderer() is None:
        return b""
    tmp = tmp_path_factory.mktemp("scan")
    (tmp / "a.pdf").write_bytes(samples["pdf"])
    subprocess.run(
        [ocr.renderer(), "-r", "300", "-gray", "-png", "-singlefile", "-f", "1", "-l", "1"]
        + [str(tmp / "a.pdf"), str(tmp / "page")],
        check=True,
        timeout=60,
    )
    return (tmp / "page.png").read_bytes()


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.replace("\n", ""), b.replace("\n", "")).ratio()


def _scan(scan) -> bytes:
    _require_office()
    _require_ocr()
    return scan


def test_a_picture_is_read_by_ocr_every_line_marked(scan):
    source = readers.read_source(_upload("反馈.png", _scan(scan)))
    lines = source.text.split("\n")
    assert source.ocr_lines == list(range(1, len(lines) + 1))
    expected = readers.read_document(_upload("a.txt", _sample_text().encode()))
    assert _similar(source.text, expected[: len(source.text)]) > 0.8


def test_a_scanned_pdf_is_read_by_ocr(scan):
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(_scan(scan))).save(buf, format="PDF", resolution=300)
    source = readers.read_source(_upload("扫描.pdf", buf.getvalue()))
    assert source.ocr_lines and len(source.ocr_lines) == len(source.text.split("\n"))
    assert parse_document(source.text).findings


def test_without_ocr_scans_and_pictures_are_refused(scan, monkeypatch):
    from PIL import Image

    data = _scan(scan)
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).save(buf, format="PDF", resolution=300)
    monkeypatch.setattr(ocr, "available", lambda: False)
    message = _refusal("扫描.pdf", buf.getvalue())
    assert "没有文字层" in message and "未安装文字识别" in message
    assert "未安装文字识别" in _refusal("反馈.jpg", data)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width × height pixels (and holds almost none): a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        ocr.PNG_SIGNATURE
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 10))
        + chunk(b"IEND", b"")
    )


def test_a_picture_too_large_or_broken_is_refused_before_tesseract(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "_recognise", lambda *a, **k: pytest.fail("must not recognise"))
    assert "超过了识别的上限" in _refusal("大.png", _png_header(30000, 30000))
    assert "已损坏" in _refusal("坏.png", _png_header(100, 100))  # its data ends too soon
    assert "已损坏" in _refusal("坏.jpg", b"\xff\xd8\xff\xe0broken")


# The preview of recognised text


OCR_TEXT = _sample_text()


@pytest.fixture
def ocr_batch(alice) -> ImportBatch:
    """A batch read by OCR (as the upload of a scan makes it), without running Tesseract."""
    document = parse_document(OCR_TEXT)
    document.ocr_lines = list(range(1, len(OCR_TEXT.split("\n")) + 1))
    return import_start(
        user=alice,
        county=alice.county,
        kind=ImportBatch.Kind.DOCUMENT,
        source_name="反馈.png",
        source_text=OCR_TEXT,
        data=document.to_dict(),
    )


def test_recognised_lines_are_marked_and_saved_only_once_checked(client, alice, ocr_batch):
    client.force_login(alice)
    html = client.get(ocr_batch.get_absolute_url()).content.decode()
    findings = len(parse_document(OCR_TEXT).findings)
    assert html.count("识别文字，请核对") >= findings
    assert 'name="ocr_checked"' in html and "我已逐条核对识别文字" in html
    form = {
        "action": "apply",
        "review_0_team": "复核组（已改名）",
        "review_0_kind": "mofcom_review",
    }
    form["review_0_start_date"] = "2019-04-25"
    form.update({f"unit_{k}": "new" for k in range(10)})
    response = client.post(ocr_batch.get_absolute_url(), form)
    assert response.status_code == 400
    assert "勾选“我已逐条核对识别文字”" in response.content.decode()
    assert not Finding.objects.exists()
    ocr_batch.refresh_from_db()
    assert ocr_batch.is_pending
    assert "复核组（已改名）" in response.content.decode()  # the other decisions kept
    response = client.post(ocr_batch.get_absolute_url(), {**form, "ocr_checked": "1"})
    assert response.status_code == 302
    assert Finding.objects.count() == findings


def test_a_typed_or_read_document_needs_no_tick(alice):
    document = parse_document(OCR_TEXT)
    assert document.ocr_lines == []
    old = document.to_dict()
    del old["ocr_lines"]  # a batch kept before OCR existed
    assert ParsedDocument.from_dict(old).ocr_lines == []


def test_the_form_lists_the_formats(client, alice):
    client.force_login(alice)
    html = client.get(START).content.decode()
    assert f'accept="{readers.ACCEPT}"' in html
    for ext in (".doc", ".wps", ".rtf", ".odt", ".pdf", ".png", ".jpg", ".docx", ".txt"):
        assert ext in readers.ACCEPT.split(",")
    assert "扫描件" in html
