"""A PDF or a picture of a page into the lines the parser reads.

A PDF's text layer is read by pdfplumber, line by line in reading order; a page without one
(a scan) and a .png/.jpg picture are read by OCR (rectify.lib.ocr), their lines marked as
such. The page furniture goes: running headers and footers (the same line at the top or the
bottom of most pages) and page numbers (— 3 —, 第3页, 3/10). Lines broken by the width of the
page are joined again: a line that runs to the right margin and does not end a sentence goes
on into the next, unless the next starts a paragraph (indented) or a numbered item. A ruled
table comes out as its rows, for the same column logic as a Word table."""

from __future__ import annotations

import dataclasses
import io
import math
import re
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rectify.lib import ocr

from . import limits

SENTENCE_END = tuple("。；：！？;:!?")
NUMBERED = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十百\d]{1,4}\s*[）)]"
    r"|[一二三四五六七八九十百]{1,3}\s*[、.．]"
    r"|\d{1,3}\s*[、.．](?!\d)"
    r"|[一二三四五六七八九十]{1,2}是"
    r"|第[一二三四五六七八九十百\d]{1,4}[条章节部分]"
    r"|[①-⑳])"
)
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－─\s]*\d{1,4}[-—–－─\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
ASCII_WORD = re.compile(r"[A-Za-z0-9]")
LATIN_START = re.compile(r"[A-Za-z0-9.,%:/+-]+")
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be its furniture
SCAN_MAX_CHARS = 10  # a page with fewer characters over an image is a scan (a stamped number)


@dataclasses.dataclass
class TextLine:
    """A line of the document, and whether its text was recognised (OCR) rather than read."""

    text: str
    ocr: bool = False


@dataclasses.dataclass
class Table:
    rows: list[list[str]]


@dataclasses.dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int
    ocr: bool


Item = _Line | Table


def _unreadable(name: str) -> ValidationError:
    return ValidationError(_("文件「%(name)s」已损坏，无法读取。") % {"name": name})


def _ocr_refused(name: str, e: ocr.OcrError) -> ValidationError:
    return ValidationError(_("文件「%(name)s」：%(error)s") % {"name": name, "error": e})


def _timeout() -> float:
    left = limits.remaining()
    return min(settings.RECTIFY_OCR_TIMEOUT, left if left is not None else math.inf)


def read_pdf(name: str, data: bytes) -> list[TextLine | Table]:
    """The lines and tables of a PDF, its scanned pages recognised by OCR."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect as e:
        raise ValidationError(
            _("文件「%(name)s」已加密（设有打开密码），请取消密码后再上传。") % {"name": name}
        ) from e
    except Exception as e:  # pdfminer raises many kinds on a broken file
        raise _unreadable(name) from e
    with pdf, tempfile.TemporaryDirectory(prefix="rectify-pdf-") as tmp:
        try:
            count = len(pdf.pages)
        except Exception as e:
            raise _unreadable(name) from e
        if count > settings.RECTIFY_IMPORT_MAX_PAGES:
            raise ValidationError(
                _("文件「%(name)s」共 %(count)d 页，超过了导入上限 %(limit)d 页。请拆分后再导入。")
                % {"name": name, "count": count, "limit": settings.RECTIFY_IMPORT_MAX_PAGES}
            )
        path = Path(tmp) / "source.pdf"
        pages: list[list[Item]] = []
        scanned = 0
        for number, page in enumerate(pdf.pages, start=1):
            limits.remaining()  # refused at once past the deadline, not some pages later
            try:
                chars = page.chars
                if len(chars) < SCAN_MAX_CHARS and page.images:
                    scanned += 1
                    if scanned == 1:
                        _can_recognise(name, number)
                        path.write_bytes(data)
                    if scanned > settings.RECTIFY_OCR_MAX_PAGES:
                        raise _too_many_scans(name)
                    items = _scanned_page(name, path, number, page.width, page.height)
                else:
                    items = _text_page(page, number)
            except ValidationError:
                raise
            except Exception as e:
                raise _unreadable(name) from e
            finally:
                page.close()  # pdfplumber keeps each page's objects otherwise
            pages.append(items)
            _check_size(name, pages)
    return _assemble(pages)


def read_image(name: str, data: bytes) -> list[TextLine | Table]:
    """The lines of a picture of a page (.png, .jpg), by OCR."""
    if not ocr.available():
        raise ValidationError(
            _("文件「%(name)s」是图片：%(error)s")
            % {"name": name, "error": ocr.unavailable_message()}
        )
    try:
        page = ocr.read_image(data, timeout=_timeout())
    except ocr.OcrError as e:
        raise _ocr_refused(name, e) from e
    return _assemble([_ocr_items(page, 1)])


def _can_recognise(name: str, number: int) -> None:
    if not ocr.pdf_available():
        raise ValidationError(
            _(
                "文件「%(name)s」第%(page)d页没有文字层（可能是扫描件），需要文字识别才能读取。"
                "%(error)s"
            )
            % {"name": name, "page": number, "error": ocr.unavailable_message()}
        )


def _too_many_scans(name: str) -> ValidationError:
    return ValidationError(
        _(
            "文件「%(name)s」中需要文字识别的扫描页超过了上限 %(limit)d 页。"
            "请拆分后再导入，或上传含文字的文件。"
        )
        % {"name": name, "limit": settings.RECTIFY_OCR_MAX_PAGES}
    )


def _scanned_page(name: str, path: Path, number: int, width: float, height: float) -> list[Item]:
    try:
        page = ocr.read_pdf_page(path, number, width=width, height=height, timeout=_timeout())
    except ocr.OcrError as e:
        raise _ocr_refused(name, e) from e
    return _ocr_items(page, number)


def _ocr_items(page: ocr.OcrPage, number: int) -> list[Item]:
    return [
        _Line(line.text, line.x0, line.x1, line.top, line.bottom, number, ocr=True)
        for line in page.lines
        if line.text.strip()
    ]


def _text_page(page, number: int) -> list[Item]:
    """A page's lines and ruled tables, top to bottom; the text inside a table only once."""
    tables = page.find_tables() if (page.rects or page.lines) else []
    boxes = [t.bbox for t in tables]
    items: list[tuple[float, Item]] = []
    for t, box in zip(tables, boxes, strict=True):
        limits.tick()
        rows = [[_cell(cell or "") for cell in row] for row in t.extract()]
        items.append((box[1], Table(rows)))
    for line in page.extract_text_lines(return_chars=False):
        limits.tick()
        middle_x, middle_y = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
        if any(x0 <= middle_x <= x1 and top <= middle_y <= bottom for x0, top, x1, bottom in boxes):
            continue
        text = line["text"].strip()
        if text:
            box = (line["x0"], line["x1"], line["top"], line["bottom"])
            items.append((line["top"], _Line(text, *box, number, ocr=False)))
    items.sort(key=lambda pair: pair[0])
    return [item for _top, item in items]


def _cell(text: str) -> str:
    """A table cell's text: its lines broken by the width of the column joined again, those
    that end a sentence or start a numbered item kept apart."""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    result: list[str] = []
    for part in parts:
        if result and not result[-1].endswith(SENTENCE_END) and not NUMBERED.match(part):
            result[-1] += part
        else:
            result.append(part)
    return "\n".join(result)


def _check_size(name: str, pages: list[list[Item]]) -> None:
    """Refuse as soon as the text read so far is over the limits, without reading on."""
    chars = lines = 0
    for items in pages:
        for item in items:
            if isinstance(item, _Line):
                chars, lines = chars + len(item.text) + 1, lines + 1
            else:
                lines += len(item.rows)
                chars += sum(len(c) + 1 for row in item.rows for c in row)
    if chars > settings.RECTIFY_IMPORT_MAX_CHARS or lines > settings.RECTIFY_IMPORT_MAX_LINES:
        limits.check_text(name, "\n" * lines + "x" * chars)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _edges(items: list[Item]) -> tuple[list[_Line], list[_Line]]:
    lines = [i for i in items if isinstance(i, _Line)]
    return lines[:EDGE_LINES], lines[-EDGE_LINES:]


def _drop_furniture(pages: list[list[Item]]) -> list[list[Item]]:
    """Without page numbers, and without the lines repeated at the top or the bottom of most
    pages (numbers in them aside: 第3页 and 第4页 are the same footer)."""
    with_text = [p for p in pages if any(isinstance(i, _Line) for i in p)]
    heads, feet = Counter(), Counter()
    for items in with_text:
        top, bottom = _edges(items)
        heads.update({_key(line.text) for line in top})
        feet.update({_key(line.text) for line in bottom})
    most = max(2, len(with_text) // 2 + 1)
    result = []
    for items in pages:
        top, bottom = _edges(items)
        drop = set()
        for line in top:
            if heads[_key(line.text)] >= most or PAGE_NUMBER.match(line.text.strip()):
                drop.add(id(line))
        for line in bottom:
            if feet[_key(line.text)] >= most or PAGE_NUMBER.match(line.text.strip()):
                drop.add(id(line))
        result.append([i for i in items if id(i) not in drop])
    return result


def _margins(lines: list[_Line]) -> tuple[float, float, float]:
    """The left and right margins of body text and the size of a character, from the lines
    themselves: most full lines reach the right margin, most lines start at the left one, and
    a line is about as high as its characters are wide."""
    if not lines:
        return 0.0, 0.0, 0.0
    char = statistics.median(ln.bottom - ln.top for ln in lines)
    rights = sorted(ln.x1 for ln in lines)
    lefts = sorted(ln.x0 for ln in lines)
    return lefts[len(lefts) // 10], rights[(len(rights) * 9) // 10], char


def _assemble(pages: list[list[Item]]) -> list[TextLine | Table]:
    """The pages as one run of lines: furniture dropped, lines broken by the page width joined
    (also across a page break); tables as they are."""
    pages = _drop_furniture(pages)
    # Margins of the text layer for the whole document; a scanned page is measured alone
    # (its size in pixels is its own).
    text_lines = [i for p in pages for i in p if isinstance(i, _Line) and not i.ocr]
    shared = _margins(text_lines)
    measure = {}
    for number, items in enumerate(pages, start=1):
        scanned = [i for i in items if isinstance(i, _Line) and i.ocr]
        measure[number] = _margins(scanned) if scanned else shared
    result: list[TextLine | Table] = []
    previous: _Line | None = None
    for items in pages:
        for item in items:
            limits.tick()
            if isinstance(item, Table):
                result.append(item)
                previous = None
                continue
            if previous is not None and _continues(previous, item, measure):
                last = result[-1]
                space = ASCII_WORD.match(last.text[-1]) and ASCII_WORD.match(item.text[0])
                last.text += (" " if space else "") + item.text
                last.ocr = last.ocr or item.ocr
            else:
                result.append(TextLine(item.text, item.ocr))
            previous = item
    return result


def _continues(line: _Line, after: _Line, measure: dict) -> bool:
    _left, right, char = measure[line.page]
    left_after, _right, char_after = measure[after.page]
    # Within two characters of the margin (the next character did not fit), or short of it
    # by no more than the Latin word or number that starts the next line (never broken).
    word = LATIN_START.match(after.text)
    room = 2 * char + (len(word.group()) * 0.6 * char if word else 0)
    return (
        line.x1 >= right - room
        and not line.text.endswith(SENTENCE_END)
        and after.x0 <= left_after + char_after  # an indented line starts a paragraph
        and (after.page != line.page or after.top - line.top < 2 * char)  # no blank between
        and not NUMBERED.match(after.text)
    )
