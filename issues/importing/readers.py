"""Uploads into text or rows. The content decides what a file is, not its name; anything that
cannot be read safely is refused with a message that says why."""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from rectify.lib.files import OLE_SIGNATURE, ZIP_SIGNATURE

from .cells import cell_text
from .document.labels import TABLE_LABELS
from .ledger import default_mapping, find_header


def _read(upload) -> bytes:
    limit = settings.RECTIFY_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件「%(name)s」大小为 %(size)s,超过了导入上限 %(limit)s。")
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
                "文件「%(name)s」已加密,或是旧版 Office 格式(.doc/.xls)。"
                "请取消密码,另存为 %(what)s 后再上传。"
            )
            % {"name": name, "what": what}
        )


def _zip_members(name: str, data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return set(z.namelist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise ValidationError(_("文件「%(name)s」已损坏,无法读取。") % {"name": name}) from e


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
        _("文件「%(name)s」的文字编码无法识别,请另存为 UTF-8 文本。") % {"name": name}
    )


def read_document(upload) -> str:
    """The text of a .docx (paragraphs and table cells, in order) or of a .txt file."""
    name = upload.name
    data = _read(upload)
    ext = _extension(name)
    _refuse_ole(name, data, ".docx")
    if data.startswith(ZIP_SIGNATURE):
        members = _zip_members(name, data)
        if "word/document.xml" not in members:
            raise ValidationError(_("文件「%(name)s」不是 Word 文档(.docx)。") % {"name": name})
        return docx_text(name, data)
    if ext == "docx":
        raise ValidationError(
            _("文件「%(name)s」的扩展名是 .docx,但内容不是 Word 文档。") % {"name": name}
        )
    if ext not in ("txt", "text", ""):
        raise ValidationError(
            _("不支持的文件类型「%(name)s」:请上传 .docx 或 .txt 文件,或直接粘贴文字。")
            % {"name": name}
        )
    if data.startswith(b"%PDF"):
        raise ValidationError(_("文件「%(name)s」是 PDF,不是文本文件。") % {"name": name})
    return decode_text(name, data)


def docx_text(name: str, data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds on a broken package
        raise ValidationError(_("文件「%(name)s」已损坏,无法读取。") % {"name": name}) from e
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            rows = []
            for row in Table(child, document).rows:
                seen, cells = [], []
                for cell in row.cells:
                    if cell._tc not in seen:  # a merged cell is listed once per grid column
                        seen.append(cell._tc)
                        cells.append(cell.text)
                rows.append(cells)
            lines.extend(table_lines(rows))
    return "\n".join(lines)


def table_lines(rows: list[list[str]]) -> list[str]:
    """A table of findings (a header row with 问题描述, 整改措施, …, as plans and reports often
    are laid out) written as the numbered, labelled text the parser reads; any other table
    cell by cell."""
    header = find_header(rows)
    if header is None:
        return [line for row in rows for cell in row for line in cell.split("\n")]
    cols = {field: int(i) for i, field in default_mapping(rows).items()}

    def get(row, field):
        i = cols.get(field)
        return row[i].strip() if i is not None and i < len(row) else ""

    lines = [c for row in rows[:header] for c in row if c.strip()]
    review = category = None
    n_category = n_finding = 0
    for row in rows[header + 1 :]:
        description = get(row, "description")
        if not description:
            lines.extend(c for c in row if c.strip())
            continue
        if get(row, "review") and get(row, "review") != review:
            review, category, n_category = get(row, "review"), None, 0
            lines.append(review)
        if get(row, "category") and get(row, "category") != category:
            category, n_finding = get(row, "category"), 0
            n_category += 1
            lines.append(f"{n_category}.{category}")
        n_finding += 1
        lines.append(f"({n_finding}){description}")
        for field, label in TABLE_LABELS.items():
            value = get(row, field)
            if value:
                lines.append(f"{label}:{value}")
    return lines


def read_workbook(upload) -> list[list[str]]:
    """The first sheet's cells as text, merged cells filled in; formulas are never evaluated
    (the values Excel saved are read) and no cell type is trusted."""
    name = upload.name
    data = _read(upload)
    _refuse_ole(name, data, ".xlsx")
    if not data.startswith(ZIP_SIGNATURE):
        raise ValidationError(_("文件「%(name)s」不是 Excel 工作簿(.xlsx)。") % {"name": name})
    members = _zip_members(name, data)
    if "xl/workbook.xml" not in members:
        raise ValidationError(_("文件「%(name)s」不是 Excel 工作簿(.xlsx)。") % {"name": name})
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as e:
        raise ValidationError(_("文件「%(name)s」已损坏,无法读取。") % {"name": name}) from e
    limit = settings.RECTIFY_IMPORT_MAX_ROWS
    sheets = []
    for ws in wb.worksheets:
        if ws.max_row > limit + 10:
            raise ValidationError(
                _("工作表「%(sheet)s」有 %(rows)d 行,超过了导入上限 %(limit)d 行。")
                % {"sheet": ws.title, "rows": ws.max_row, "limit": limit}
            )
        sheets.append((ws.title, sheet_rows(ws)))
    return _pick_sheet(sheets)


def sheet_rows(ws) -> list[list[str]]:
    merged = {}
    for rng in ws.merged_cells.ranges:
        value = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = value
    rows = []
    for r, row in enumerate(ws.iter_rows(), start=1):
        rows.append([cell_text(merged.get((r, c), cell.value)) for c, cell in enumerate(row, 1)])
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _pick_sheet(sheets: list[tuple[str, list[list[str]]]]) -> list[list[str]]:
    for _title, rows in sheets:
        if find_header(rows) is not None:
            return rows
    return sheets[0][1] if sheets else []
