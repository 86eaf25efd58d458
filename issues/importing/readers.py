"""Uploads into text or rows. The content decides what a file is, not its name; anything that
cannot be read safely is refused with a message that says why."""

from __future__ import annotations

import dataclasses
import io
import zipfile

from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.xml.functions import iterparse  # defusedxml's, since defusedxml is installed

from issues.columns import text_columns
from rectify.lib import ocr, office, ole
from rectify.lib.files import OLE_SIGNATURE, ZIP_SIGNATURE, check_archive
from rectify.lib.text import measures_text

from . import limits, pdf
from .cells import cell_text, tab_table
from .document.labels import TABLE_LABELS
from .ledger import default_mapping, find_header, getter, row_finding, section_heading

MERGE_CELL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"


def _read(upload) -> bytes:
    limit = settings.RECTIFY_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件「%(name)s」大小为 %(size)s，超过了导入上限 %(limit)s。")
            % {
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limit),
            }
        )
    upload.seek(0)
    data = upload.read()
    if not data:
        raise ValidationError(_("文件「%(name)s」是空的。") % {"name": upload.name})
    return data


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _refuse_ole(name: str, data: bytes, what: str) -> None:
    if data.startswith(OLE_SIGNATURE):
        # Password-protected Office files are OLE containers too, whatever their extension.
        raise ValidationError(
            _(
                "文件「%(name)s」已加密，或是旧版 Office 格式（.doc/.xls）。"
                "请取消密码，另存为 %(what)s 后再上传。"
            )
            % {"name": name, "what": what}
        )


def _zip_members(name: str, data: bytes) -> set[str]:
    """The archive's member names, once its directory shows it is safe to open."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            check_archive(
                name,
                z,
                max_total=settings.RECTIFY_IMPORT_MAX_UNZIPPED_BYTES,
                max_members=settings.RECTIFY_IMPORT_MAX_MEMBERS,
                max_ratio=settings.RECTIFY_IMPORT_MAX_RATIO,
                max_xml=settings.RECTIFY_IMPORT_MAX_XML_BYTES,
            )
            return set(z.namelist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise ValidationError(_("文件「%(name)s」已损坏，无法读取。") % {"name": name}) from e


def _unreadable(name: str, e: Exception) -> ValidationError:
    """A workbook openpyxl could not read; entity definitions (refused by defusedxml, which
    openpyxl uses when it is installed) are named, whatever openpyxl wrapped them in."""
    cause: BaseException | None = e
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return ValidationError(
                _("文件「%(name)s」含有 XML 实体定义（可能是恶意构造的文件），不予读取。")
                % {"name": name}
            )
        cause = cause.__cause__ or cause.__context__
    return ValidationError(_("文件「%(name)s」已损坏，无法读取。") % {"name": name})


def decode_text(name: str, data: bytes) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(_("文件「%(name)s」不是文本文件。") % {"name": name})
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("文件「%(name)s」的文字编码无法识别，请另存为 UTF-8 文本。") % {"name": name}
    )


@dataclasses.dataclass
class DocumentText:
    """A document's text, and the numbers (from 1) of its lines recognised by OCR."""

    text: str
    ocr_lines: list[int] = dataclasses.field(default_factory=list)


# What the first bytes say a document is (the name's extension only where they cannot).
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
FORMATS = ".docx .doc .wps .rtf .odt .pdf .png .jpg .txt"
ACCEPT = ",".join(FORMATS.split()) + ",.jpeg"  # the upload field's accept=


def read_document(upload) -> str:
    """The text of an uploaded document (see read_source)."""
    return read_source(upload).text


def read_source(upload) -> DocumentText:
    """The text of a document: a .docx (paragraphs and table cells, in order), a .txt file,
    a .doc/.wps/.rtf/.odt converted by LibreOffice, a PDF (its scanned pages by OCR) or a
    picture of a page (by OCR); within the import limits (issues.importing.limits): a file
    that must be converted first is given RECTIFY_IMPORT_CONVERT_SECONDS."""
    name = upload.name
    data = _read(upload)
    kind = _sniff(name, data)
    seconds = (
        settings.RECTIFY_IMPORT_MAX_SECONDS
        if kind in ("docx", "text")
        else settings.RECTIFY_IMPORT_CONVERT_SECONDS
    )
    with limits.deadline(seconds):
        source = _read_as(kind, name, data)
        limits.check_text(name, source.text)
        return source


def _sniff(name: str, data: bytes) -> str:
    """docx, text, pdf, image, or the suffix LibreOffice is given (.doc, .wps, .rtf, .odt)."""
    ext = _extension(name)
    if data.startswith(OLE_SIGNATURE):
        return _ole_kind(name, data, ext)
    if data.startswith(ZIP_SIGNATURE):
        members = _zip_members(name, data)
        if "word/document.xml" in members:
            return "docx"
        if _zip_mimetype(data, members) == ODT_MIMETYPE:
            return ".odt"
        raise ValidationError(_("文件「%(name)s」不是 Word 文档（.docx）。") % {"name": name})
    if data.startswith(b"%PDF-"):
        return "pdf"
    if ocr.is_image(data):
        return "image"
    if data.lstrip()[:5] == b"{\\rtf":
        return ".rtf"
    if ext == "docx":
        raise ValidationError(
            _("文件「%(name)s」的扩展名是 .docx，但内容不是 Word 文档。") % {"name": name}
        )
    if ext in ("doc", "wps", "rtf", "odt", "pdf", "png", "jpg", "jpeg"):
        raise ValidationError(
            _("文件「%(name)s」的扩展名是 .%(ext)s，但内容不是该格式，可能已损坏。")
            % {"name": name, "ext": ext}
        )
    if ext not in ("txt", "text", ""):
        raise ValidationError(
            _("不支持的文件类型「%(name)s」：请上传 %(formats)s 文件，或直接粘贴文字。")
            % {"name": name, "formats": FORMATS.replace(" ", "、")}
        )
    return "text"


def _ole_kind(name: str, data: bytes, ext: str) -> str:
    """An OLE file: a Word 97–2003 document (.doc, and the .wps of WPS Office), a Works .wps,
    or a password-protected Office file, which no engine can read."""
    try:
        streams = ole.stream_names(data)
        encrypted = ole.is_encrypted(data)
    except ole.OleError as e:
        raise ValidationError(_("文件「%(name)s」已损坏，无法读取。") % {"name": name}) from e
    if encrypted:
        raise ValidationError(
            _("文件「%(name)s」已加密（设有打开密码），请取消密码后再上传。") % {"name": name}
        )
    if "WordDocument" in streams:
        return ".doc"
    if ext == "wps":
        return ".wps"
    raise ValidationError(
        _("文件「%(name)s」是旧版 Office 文件，但不是 Word 文档。") % {"name": name}
    )


def _zip_mimetype(data: bytes, members: set[str]) -> bytes:
    if "mimetype" not in members:
        return b""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if z.getinfo("mimetype").file_size > 100:
            return b""
        return z.read("mimetype").strip()


def _read_as(kind: str, name: str, data: bytes) -> DocumentText:
    if kind == "docx":
        return DocumentText(docx_text(name, data))
    if kind == "text":
        return DocumentText(text_tables(decode_text(name, data)))
    if kind == "pdf":
        return _from_items(pdf.read_pdf(name, data))
    if kind == "image":
        return _from_items(pdf.read_image(name, data))
    return DocumentText(docx_text(name, _converted(name, data, kind)))


def _converted(name: str, data: bytes, suffix: str) -> bytes:
    """A .doc/.wps/.rtf/.odt as a .docx, by LibreOffice; checked as an upload would be."""
    what = {"name": name, "ext": suffix}
    try:
        result = office.convert(data, suffix=suffix, to="docx", timeout=limits.remaining())
    except office.OfficeUnavailable as e:
        raise ValidationError(
            _(
                "服务器未安装 LibreOffice，无法读取 %(ext)s 文件「%(name)s」；"
                "请另存为 .docx 后上传，或直接粘贴文字。"
            )
            % what
        ) from e
    except office.OfficeBusy as e:
        raise ValidationError(_("服务器正在转换其他文件，请稍后再试。")) from e
    except office.OfficeTimeout as e:
        raise ValidationError(
            _("LibreOffice 未能在规定时间内读完文件「%(name)s」，已中止。请另存为 .docx 后上传。")
            % what
        ) from e
    except office.OfficeError as e:
        raise ValidationError(
            _(
                "LibreOffice 无法读取文件「%(name)s」（可能已损坏、加密或格式不受支持）。"
                "请用 Word 或 WPS 打开后另存为 .docx 再上传。"
            )
            % what
        ) from e
    _zip_members(name, result)
    return result


def _from_items(items: list[pdf.TextLine | pdf.Table]) -> DocumentText:
    lines: list[str] = []
    recognised: list[int] = []
    count = 0
    for item in items:
        if isinstance(item, pdf.Table):
            block = table_lines(item.rows)
        else:
            block = [item.text]
        for line in block:
            lines.append(line)
            count += line.count("\n") + 1
            if isinstance(item, pdf.TextLine) and item.ocr:
                recognised.append(count)
    return DocumentText("\n".join(lines), recognised)


def docx_text(name: str, data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds on a broken package
        raise ValidationError(_("文件「%(name)s」已损坏，无法读取。") % {"name": name}) from e
    lines: list[str] = []
    body = document.element.body
    chars = 0  # the text so far: over a limit, refused at once, without reading the rest
    for child in body.iterchildren():
        limits.tick()
        before = len(lines)
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            rows = []
            for row in Table(child, document).rows:
                limits.tick()
                seen, cells = [], []
                for cell in row.cells:
                    # A cell merged across columns is listed once per grid column: its text in
                    # the first, so that every row's cells stay under their header.
                    cells.append("" if cell._tc in seen else cell.text)
                    seen.append(cell._tc)
                rows.append(cells)
            lines.extend(table_lines(rows))
        chars += sum(len(line) + 1 for line in lines[before:])
        if (
            chars > settings.RECTIFY_IMPORT_MAX_CHARS
            or len(lines) > settings.RECTIFY_IMPORT_MAX_LINES
        ):
            limits.check_text(name, "\n".join(lines))
    return "\n".join(lines)


def table_lines(rows: list[list[str]]) -> list[str]:
    """A table of findings (a header row with 问题描述, 整改措施, …, as feedback lists, plans and
    reports are often laid out) read row by row as the Excel 台账 is (ledger.row_finding), and
    written as the numbered, labelled text the parser reads, in the words of our own
    documents (一是…；二是…。, units joined by 、); any other table cell by cell."""
    header = find_header(rows)
    if header is None:
        return [line for row in rows for cell in row for line in cell.split("\n")]
    cols = {field: int(i) for i, field in default_mapping(rows).items()}
    width = len(rows[header])
    lines = [_flat(c) for row in rows[:header] for c in row if c.strip()]
    review = category = None
    n_category = n_finding = 0
    for row in rows[header + 1 :]:
        limits.tick()
        get = getter(row, cols)
        description = get("description")
        cells = [_flat(c) for c in row if c.strip()]
        if not description or section_heading(row) or (width >= 3 and len(cells) == 1):
            lines.extend(cells)  # a heading row, or a note under the table
            continue
        if get("review") and get("review") != review:
            review, category, n_category = get("review"), None, 0
            lines.append(_flat(review))
        if get("category") and get("category") != category:
            category, n_finding = get("category"), 0
            n_category += 1
            lines.append(f"{n_category}.{_flat(category)}")
        n_finding += 1
        # Deadlines are read by the parser (with the document's year), so no error here.
        f = row_finding(get, line=0, year=None, errors=[])
        values = {c.key: c.text_of(f) for c in text_columns()} | {
            "measures": measures_text(f.measures),
            "units": "、".join(f.units),
            "cooperating": "、".join(f.cooperating),
            "deadline": f.deadline_text,
            "progress": f.progress,
            "closeout": f.closeout,
        }
        lines.append(f"({n_finding}){_flat(f.description)}")
        for field, label in TABLE_LABELS.items():
            if values.get(field):
                lines.append(f"{label}:{_flat(values[field])}")
    return lines


def _flat(cell: str) -> str:
    """A cell's lines as one line: a line break in a cell never starts a line of its own."""
    return "".join(line.strip() for line in cell.split("\n"))


def text_tables(text: str) -> str:
    """Pasted or .txt text with a tab-separated table of findings in it (copied from Word or
    Excel: cells.tab_table) written as a .docx table is (table_lines); else as it is."""
    table = tab_table(text)
    if table is None or find_header(table.rows) is None:
        return text
    _check_width(table.rows)
    return "\n".join([*table.before, *table_lines(table.rows), *table.after])


def unknown_table(text: str) -> list[list[str]] | None:
    """The rows of text that is mostly a tab-separated table whose header is not one we know
    (its columns are then mapped in the ledger preview), the lines around it as rows of one
    cell; None for any other text."""
    table = tab_table(text)
    if table is None or find_header(table.rows) is not None:
        return None
    wide = [row for row in table.rows if sum(1 for c in row if c) >= 2]
    if len(wide) < 3 or len(wide) * 3 < len(table.rows) * 2:
        return None
    _check_width(table.rows)
    around = [[line.strip()] for line in table.before if line.strip()]
    return [*around, *table.rows, *([line.strip()] for line in table.after if line.strip())]


def _check_width(rows: list[list[str]]) -> None:
    width = max((len(row) for row in rows), default=0)
    if width > settings.RECTIFY_IMPORT_MAX_COLUMNS:
        raise _too_many_columns(_("粘贴的表格"), width)


def read_workbook(upload) -> list[list[str]]:
    """The first sheet's cells as text, merged cells filled in; formulas are never evaluated
    (the values Excel saved are read) and no cell type is trusted. The sheets are streamed
    (openpyxl's read-only mode): a sheet larger than the row or column limit is refused from
    its declared dimension, or else as soon as a cell beyond them is read."""
    name = upload.name
    data = _read(upload)
    _refuse_ole(name, data, ".xlsx")
    if not data.startswith(ZIP_SIGNATURE):
        raise ValidationError(_("文件「%(name)s」不是 Excel 工作簿（.xlsx）。") % {"name": name})
    members = _zip_members(name, data)
    if "xl/workbook.xml" not in members:
        raise ValidationError(_("文件「%(name)s」不是 Excel 工作簿（.xlsx）。") % {"name": name})
    import openpyxl

    with limits.deadline():
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:
            raise _unreadable(name, e) from e
        try:
            sheets = [(ws.title, sheet_rows(ws, data)) for ws in wb.worksheets]
        except DefusedXmlException as e:
            raise _unreadable(name, e) from e
        finally:
            wb.close()
    return _pick_sheet(sheets)


def _too_many_rows(sheet: str, rows: int) -> ValidationError:
    return ValidationError(
        _("工作表「%(sheet)s」有 %(rows)d 行，超过了导入上限 %(limit)d 行。")
        % {"sheet": sheet, "rows": rows, "limit": settings.RECTIFY_IMPORT_MAX_ROWS}
    )


def _too_many_columns(sheet: str, columns: int) -> ValidationError:
    return ValidationError(
        _("工作表「%(sheet)s」有 %(columns)d 列，超过了导入上限 %(limit)d 列。")
        % {"sheet": sheet, "columns": columns, "limit": settings.RECTIFY_IMPORT_MAX_COLUMNS}
    )


def sheet_rows(ws, data: bytes) -> list[list[str]]:
    """A read-only sheet's rows, never more than the limits allow: the declared dimension and
    every merged range are checked before a cell is read, and each row as it is read."""
    max_rows = settings.RECTIFY_IMPORT_MAX_ROWS + 10  # a title and a header above the rows
    max_columns = settings.RECTIFY_IMPORT_MAX_COLUMNS
    if ws.max_row is not None and ws.max_row > max_rows:
        raise _too_many_rows(ws.title, ws.max_row)
    if ws.max_column is not None and ws.max_column > max_columns:
        raise _too_many_columns(ws.title, ws.max_column)
    merged = _merged_ranges(ws, data)
    for rng in merged:
        if rng.max_row > max_rows:
            raise _too_many_rows(ws.title, rng.max_row)
        if rng.max_col > max_columns:
            raise _too_many_columns(ws.title, rng.max_col)
    # The dimension may be missing or wrong: read each row as wide as its cells go, and
    # refuse the first value past a limit.
    ws.reset_dimensions()
    rows: list[list[str]] = []
    for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
        limits.tick()
        texts = [cell_text(v) for v in values]
        if any(texts[max_columns:]):
            raise _too_many_columns(ws.title, len(texts))
        if r > max_rows:  # even empty: like Excel's own count, a formatted row is a row
            raise ValidationError(
                _("工作表「%(sheet)s」超过了导入上限 %(limit)d 行。")
                % {"sheet": ws.title, "limit": settings.RECTIFY_IMPORT_MAX_ROWS}
            )
        rows.append(texts[:max_columns])
    width = max((len(row) for row in rows), default=0)
    for row in rows:
        row.extend([""] * (width - len(row)))
    for rng in merged:
        if rng.min_row > len(rows) or rng.min_col > width:
            continue
        value = rows[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row, min(rng.max_row, len(rows)) + 1):
            limits.tick()
            for c in range(rng.min_col, min(rng.max_col, width) + 1):
                rows[r - 1][c - 1] = value
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _merged_ranges(ws, data: bytes) -> list[CellRange]:
    """The sheet's merged ranges, read from its XML as a stream (read-only mode does not keep
    them); never expanded here."""
    ranges = []
    with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(ws._worksheet_path) as src:
        for _event, element in iterparse(src):
            if element.tag == MERGE_CELL:
                limits.tick()
                ranges.append(CellRange(element.get("ref")))
            element.clear()
    return ranges


def _pick_sheet(sheets: list[tuple[str, list[list[str]]]]) -> list[list[str]]:
    for _title, rows in sheets:
        if find_header(rows) is not None:
            return rows
    return sheets[0][1] if sheets else []
