"""The 整改台账 as .xlsx: pure functions from ledger rows to a workbook, written by XlsxWriter in
its constant_memory mode so memory does not grow with the number of findings: each row goes to
a temporary file as soon as the next one starts, strings are written inline (no shared-strings
table held until the end), and the parts are zipped into the output at the end. One writer
per workbook (write_ledger, write_province, write_nation) writes what reports.ledgers gathered
into a binary file (the views stream a temporary file; as_bytes gives the bytes). A finding's
columns are issues.columns's, in its order.

Rows must be written in order, top to bottom, and every value is written with the method of
its type: text always as a string (never `write()`, which would turn "=…" into a formula).

Every row's height is written (row_height): LibreOffice and WPS do not fit a row to its wrapped
text when they open a file, and would print one line of it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import math
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from issues import columns
from issues.columns import Column, FindingRow

if TYPE_CHECKING:
    from reports.ledgers import CountyLedger, NationLedger, ProvinceLedger
    from reports.selectors import CountyRow, ProvinceRow

STATUSES = [
    ("open", "未整改"),
    ("in_progress", "整改中"),
    ("submitted", "已申请销号"),
    ("closed", "已销号"),
]
PAPER_A3 = 8
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
PERCENT_FORMAT = "0.0%"
FOOTER = "&C第 &P 页，共 &N 页"

# Row heights, estimated on the generous side: a row a little too tall prints whole, a line too
# short cuts the text. A column's width is in Excel's unit, the default font's (Calibri 11)
# digit, 7 pixels at 96 dpi; a font size in points is 4/3 pixels.
FONT_SIZE = 10  # the cells' (宋体 10 pt)
HEADER_FONT_SIZE = 11
TITLE_FONT_SIZE = 16
CHAR_UNIT_PX = 7
CELL_MARGIN_PX = 6  # the cell's inner margins, left and right together
# A Latin letter or digit, in ems: half-width in 宋体, wider in the fonts standing in for it
# where 宋体 is missing (DejaVu Sans's digits are 0.64 em). Anything else non-ASCII counts
# as a full em (CJK, full-width marks, and ①, ×, — which 宋体 draws full width).
NARROW_EM = 0.65
# A line, in ems: Noto Sans CJK (LibreOffice's stand-in for 宋体) 1.45; SimSun in Excel, 1.3.
LINE_EM = 1.45
ROW_PADDING_PT = 4
MAX_ROW_PT = 409  # the tallest row Excel and WPS allow
# A Latin word (moves to the next line whole), or a run of anything else.
_RUN = re.compile(r"[!-~]+|[^!-~]+")


def text_lines(text: str, width: float, font_size: float = FONT_SIZE) -> int:
    """The lines `text` wraps to in a column `width` characters wide at `font_size` points:
    each paragraph (explicit line breaks kept) filled a line at a time, a CJK character a full
    em and a Latin one NARROW_EM, and each line one em short, since a line may hand a
    character on to the next (a closing mark never starts a line, an opening one never ends
    it)."""
    em_px = font_size * 4 / 3
    line = (width * CHAR_UNIT_PX - CELL_MARGIN_PX) / em_px - 1  # in ems
    whole = max(1, math.floor(line))
    lines = 0
    for paragraph in text.split("\n"):
        narrow = len(paragraph.encode("ascii", "ignore"))
        if not narrow:  # CJK only: whole characters a line
            lines += max(1, math.ceil(len(paragraph) / whole))
            continue
        if len(paragraph) - narrow + narrow * NARROW_EM <= line:
            lines += 1
            continue
        lines += _wrapped_lines(paragraph, line, whole)
    return lines


def _wrapped_lines(paragraph: str, line: float, whole: int) -> int:
    """The lines of a paragraph with Latin words in it, `line` ems to a line (`whole`, its
    whole characters): a word placed after another, on the next line when it does not fit
    (a word longer than a line broken across lines); a run of CJK characters, each its own
    word, filled `whole` to a line at a time rather than one by one, to the same count."""
    n, x = 1, 0.0
    for run in _RUN.findall(paragraph):
        latin = run[0] in _LATIN
        if not latin and line >= 1 and not _has_ascii(run):
            k = len(run)
            while k and x > 0:  # finish the line begun, a character at a time
                if x + 1 > line:
                    n, x = n + 1, 0.0
                    break
                x, k = x + 1, k - 1
            if k:  # from a line's start: `whole` characters to each line
                full, rest = divmod(k, whole)
                n += full if rest else full - 1
                x = float(rest or whole)
            continue
        words = [run] if latin else run  # else: each character a word
        for word in words:
            w = len(word) * NARROW_EM if word.isascii() else float(len(word))
            if x + w > line and x > 0:
                n, x = n + 1, 0.0
            x += w
            while x > line:  # a word longer than a line is broken
                n, x = n + 1, x - line
    return n


_LATIN = frozenset(chr(c) for c in range(ord("!"), ord("~") + 1))


def _has_ascii(run: str) -> bool:
    return len(run.encode("ascii", "ignore")) > 0


def row_height(lines: int, font_size: float = FONT_SIZE) -> float:
    """The height in points of a row of `lines` lines, at most Excel's limit (a cell longer
    than that, about 540 characters of 问题描述, is cut: see MAX_ROW_PT)."""
    return min(MAX_ROW_PT, round(lines * font_size * LINE_EM + ROW_PADDING_PT, 1))


def _fit_row(ws: Worksheet, r: int, cells: list[tuple[str, float]], size=FONT_SIZE) -> None:
    """Set row `r`'s height to its tallest cell's, from each wrapped cell's (text, width)."""
    lines = max((text_lines(text, width, size) for text, width in cells if text), default=1)
    ws.set_row(r, row_height(lines, size))
    # XlsxWriter keeps every row's height for the sheet's life (to place images, which the
    # ledger has none of); the row above is in the file already (constant_memory), so its
    # entries go, and memory does not grow with the rows.
    ws.row_info.pop(r - 1, None)
    ws.row_sizes.pop(r - 1, None)


class _Formats:
    """The cell formats of one workbook, made once: a format per cell would be a new style
    record for each."""

    def __init__(self, wb: Workbook) -> None:
        font = {"font_name": "宋体", "font_size": 10}
        cell = {**font, "border": 1, "border_color": "#999999", "valign": "top"}
        self.title = wb.add_format(
            {"font_name": "宋体", "font_size": 16, "bold": True}
            | {"align": "center", "valign": "vcenter"}
        )
        self.note = wb.add_format({**font, "font_color": "#555555"})
        self.header = wb.add_format(
            {**cell, "font_size": 11, "bold": True, "bg_color": "#DDE7F3"}
            | {"align": "center", "valign": "vcenter", "text_wrap": True}
        )
        self.body = wb.add_format({**cell, "text_wrap": True})
        self.center = wb.add_format({**cell, "align": "center", "text_wrap": True})
        self.percent = wb.add_format(
            {**cell, "align": "center", "text_wrap": True, "num_format": PERCENT_FORMAT}
        )
        self.date = wb.add_format({**cell, "align": "center", "num_format": DATE_FORMAT})
        self.alert = wb.add_format(
            {**cell, "align": "center", "bold": True, "font_color": "#C00000"}
        )


@contextlib.contextmanager
def _workbook(out: BinaryIO) -> Iterator[tuple[Workbook, _Formats]]:
    """A constant_memory workbook writing into `out`; its temporary files live in a directory
    of their own, removed however the export ends."""
    with tempfile.TemporaryDirectory(prefix="rectify-xlsx-") as tmpdir:
        wb = Workbook(
            out,
            {
                "constant_memory": True,
                "in_memory": False,
                "tmpdir": tmpdir,
                # Only the typed write_* methods are used; these guard write() all the same.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        yield wb, _Formats(wb)
        wb.close()


def _put(ws: Worksheet, r: int, c: int, value, fmt: Format) -> None:
    """One cell, written by the method of its value's type."""
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, str):
        # Text stays text: "=…" typed into a description must never become a formula.
        ws.write_string(r, c, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, value, fmt)
    else:
        ws.write_number(r, c, value, fmt)


def _add_sheet(wb: Workbook, name: str) -> Worksheet:
    """A worksheet under a valid name, numbered if the name is taken (as openpyxl did)."""
    name = _sheet_name(name)
    taken = {ws.get_name().lower() for ws in wb.worksheets()}
    candidate, n = name, 0
    while candidate.lower() in taken:
        n += 1
        candidate = name[: 31 - len(str(n))] + str(n)
    return wb.add_worksheet(candidate)


def _setup_sheet(
    ws: Worksheet,
    f: _Formats,
    columns: list[tuple[str, int]],
    title: str,
    note: str,
    n_rows: int,
    freeze: tuple[int, int] = (3, 1),
) -> int:
    """Title, note and header rows; frozen header (and first columns), filters, print setup.
    Returns the first data row (zero-based)."""
    last = len(columns) - 1
    for i, (_, width) in enumerate(columns):
        ws.set_column(i, i, width)
    ws.merge_range(0, 0, 0, last, title, f.title)
    ws.set_row(0, row_height(1, TITLE_FONT_SIZE))
    ws.merge_range(1, 0, 1, last, note, f.note)
    ws.set_row(1, row_height(1))
    for i, (header, _) in enumerate(columns):
        ws.write_string(2, i, header, f.header)
    _fit_row(ws, 2, columns, HEADER_FONT_SIZE)
    ws.freeze_panes(*freeze)
    ws.repeat_rows(2)
    ws.autofilter(2, 0, 2 + max(n_rows, 1), last)
    ws.set_landscape()
    ws.set_paper(PAPER_A3)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=1, bottom=1)
    ws.set_header("", margin=0.5)
    ws.set_footer(FOOTER, margin=0.5)
    return 3


def _headers(cols: list[Column]) -> list[tuple[str, int]]:
    return [(column.header, column.width) for column in cols]


def _cells(f: _Formats, cols: list[Column]) -> list[tuple[str, Callable | None, Format, int]]:
    """How each column's cells are written (its kind, value, format and width), chosen once a
    sheet."""
    formats = {columns.TEXT: f.body, columns.DATE: f.date}
    return [(c.cell, c.cell_value or c.value, formats.get(c.cell, f.center), c.width) for c in cols]


def _write_finding(ws: Worksheet, f: _Formats, r: int, seq: int, row: FindingRow, cells) -> None:
    """One finding, a cell for each column, and the row as tall as its longest text (inline:
    this runs for every cell of a ledger)."""
    wrapped = []
    for c, (cell, value, fmt, width) in enumerate(cells):
        if cell == columns.NUMBER:  # the sheet's running number
            ws.write_number(r, c, seq, fmt)
        elif cell == columns.FLAG:
            if value(row):
                ws.write_string(r, c, columns.YES, f.alert)
            else:
                ws.write_string(r, c, columns.NO, fmt)
        elif cell == columns.DATE:
            _put(ws, r, c, value(row), fmt)
        else:
            text = value(row)
            _text(ws, r, c, text, fmt)
            wrapped.append((text, width))
    _fit_row(ws, r, wrapped)


def _text(ws: Worksheet, r: int, c: int, text: str, fmt: Format) -> None:
    if text:
        ws.write_string(r, c, text, fmt)
    else:
        ws.write_blank(r, c, None, fmt)


@dataclasses.dataclass
class _Tally:
    counts: dict = dataclasses.field(default_factory=lambda: defaultdict(Counter))
    order: list = dataclasses.field(default_factory=list)

    def add(self, row: FindingRow) -> None:
        key = (row.review, row.category)
        if key not in self.counts:
            self.order.append(key)
        self.counts[key][row.status] += 1
        self.counts[key]["overdue"] += row.overdue
        if row.timing:
            self.counts[key][row.timing] += 1


def _write_tally(wb: Workbook, f: _Formats, tally: _Tally, title: str) -> None:
    ws = _add_sheet(wb, "统计")
    headers = [("问题来源", 16), ("问题类别", 24), ("问题数", 9)]
    headers += [(label, 11) for _, label in STATUSES] + [("逾期", 8)]
    headers += [(label, 11) for label in columns.TIMINGS.values()]
    r = _setup_sheet(
        ws,
        f,
        headers,
        f"{title}（统计）",
        "按检查、问题类别和整改状态统计；是否按期销号按原定完成时限计",
        len(tally.order) + 1,
        freeze=(3, 0),
    )
    totals = Counter()
    for review, category in tally.order:
        counts = tally.counts[(review, category)]
        numbers = [counts[s] for s, _ in STATUSES]
        timings = [counts[t] for t in columns.TIMINGS]
        totals.update(counts)
        _put(ws, r, 0, review, f.body)
        _put(ws, r, 1, category, f.body)
        for c, n in enumerate([sum(numbers), *numbers, counts["overdue"], *timings], start=2):
            ws.write_number(r, c, n, f.center)
        _fit_row(ws, r, [(review, headers[0][1]), (category, headers[1][1])])
        r += 1
    numbers = [totals[s] for s, _ in STATUSES]
    timings = [totals[t] for t in columns.TIMINGS]
    ws.write_string(r, 0, "合计", f.header)
    ws.write_blank(r, 1, None, f.header)
    for c, n in enumerate([sum(numbers), *numbers, totals["overdue"], *timings], start=2):
        ws.write_number(r, c, n, f.header)
    _fit_row(ws, r, [], HEADER_FONT_SIZE)


Contents = TypeVar("Contents")


def as_bytes(write: Callable[[BinaryIO, Contents], None], contents: Contents) -> bytes:
    """The workbook a writer below writes, as bytes (the command line, tests)."""
    out = io.BytesIO()
    write(out, contents)
    return out.getvalue()


def write_ledger(out: BinaryIO, ledger: CountyLedger) -> None:
    """One county's (or any filtered) ledger: the 台账 sheet and a 统计 sheet."""
    cols = columns.ledger_columns()
    with _workbook(out) as (wb, f):
        ws = _add_sheet(wb, "整改台账")
        r = _setup_sheet(ws, f, _headers(cols), ledger.title, ledger.note, ledger.n_rows)
        cells = _cells(f, cols)
        tally = _Tally()
        for seq, row in enumerate(ledger.rows, start=1):
            _write_finding(ws, f, r, seq, row, cells)
            r += 1
            tally.add(row)
        _write_tally(wb, f, tally, ledger.title)


def write_province(out: BinaryIO, ledger: ProvinceLedger) -> None:
    """The province ledger: an overview sheet with its totals, every county's findings on one
    sheet (to sort and filter the whole province), then one sheet per county (rows come
    ordered by county)."""
    with _workbook(out) as (wb, f):
        ws = _add_sheet(wb, "总览")
        headers = [("区县", 18), ("代码", 9), ("问题数", 9), ("已销号", 9), ("未销号", 9)]
        headers += [("逾期", 8), ("销号率", 9)]
        note, overview = ledger.note, ledger.overview
        r = _setup_sheet(ws, f, headers, ledger.title, note, len(overview) + 1, freeze=(3, 0))
        for c in [*overview, ledger.total]:
            fmt = f.center if c.code else f.header
            _put(ws, r, 0, c.name, f.body if c.code else fmt)
            _put(ws, r, 1, c.code, fmt)
            for col, n in enumerate((c.total, c.closed, c.open, c.overdue), start=2):
                _put(ws, r, col, n, fmt)
            _put(ws, r, 6, c.closure_rate, f.percent)
            _fit_row(ws, r, [(c.name, headers[0][1])])
            r += 1
        everywhere = columns.ledger_columns(nation=True)
        whole = _add_sheet(wb, "全部问题")
        size = sum(c.total for c in overview)
        title = f"{ledger.title}（全部问题）"
        r_whole = _setup_sheet(whole, f, _headers(everywhere), title, note, size, freeze=(3, 2))
        whole_cells = _cells(f, everywhere)
        cols = columns.ledger_columns()
        sizes = {c.code: c.total for c in overview}
        cells = _cells(f, cols)
        current, sheet, seq = None, None, 0
        for n, row in enumerate(ledger.rows, start=1):
            # Each row on the province's sheet and on its county's: XlsxWriter writes the
            # sheets side by side, each to a temporary file of its own.
            _write_finding(whole, f, r_whole, n, row, whole_cells)
            r_whole += 1
            if row.county_code != current:
                current, seq = row.county_code, 0
                sheet = _add_sheet(wb, row.county)
                size = sizes.get(row.county_code, 1)
                title = f"{row.county}整改台账"
                r = _setup_sheet(sheet, f, _headers(cols), title, note, size)
            seq += 1
            _write_finding(sheet, f, r, seq, row, cells)
            r += 1


def _progress(percent: float | None) -> float | None:
    return None if percent is None else percent / 100


def _write_provinces(
    wb: Workbook,
    f: _Formats,
    provinces: list[ProvinceRow],
    total: ProvinceRow,
    title: str,
    note: str,
) -> None:
    ws = _add_sheet(wb, "总览")
    columns = [("省份", 14), ("代码", 9), ("示范县", 9), ("问题数", 9), ("已销号", 9)]
    columns += [("未销号", 9), ("逾期", 8), ("销号率", 9), ("低于红线的示范县", 12)]
    columns += [("平均投资完成率", 12), ("平均中央资金拨付率", 12)]
    r = _setup_sheet(ws, f, columns, title, note, len(provinces) + 1, freeze=(3, 0))
    for p in [*provinces, total]:
        t = p.tally
        fmt = f.center if p.province else f.header
        _put(ws, r, 0, p.province.name if p.province else "全国合计", fmt)
        _put(ws, r, 1, p.province.code if p.province else "", fmt)
        for c, n in enumerate((p.n_counties, t.total, t.closed, t.open, t.overdue), start=2):
            _put(ws, r, c, n, fmt)
        _put(ws, r, 7, t.closure_rate, f.percent)
        _put(ws, r, 8, p.below_red_line, fmt)
        _put(ws, r, 9, _progress(p.investment), f.percent)
        _put(ws, r, 10, _progress(p.funds), f.percent)
        _fit_row(ws, r, [])
        r += 1


def _write_counties(
    wb: Workbook, f: _Formats, counties: list[CountyRow], total: ProvinceRow, note: str
) -> None:
    """Every county, then the nation's totals (the counties added up, the means of their
    rates, how many are under the red line)."""
    ws = _add_sheet(wb, "区县")
    columns = [("省份", 14), ("区县", 18), ("代码", 9), ("批次", 7), ("问题数", 9)]
    columns += [("已销号", 9), ("未销号", 9), ("逾期", 8), ("销号率", 9)]
    columns += [("项目总体进度", 12), ("投资完成率", 11), ("中央资金拨付率", 12)]
    columns += [("低于红线", 9)]
    n = len(counties) + 1
    r = _setup_sheet(ws, f, columns, "各示范县整改与项目进度", note, n, freeze=(3, 2))
    for row in counties:
        t = row.tally
        _put(ws, r, 0, row.county.province.name, f.body)
        _put(ws, r, 1, row.county.name, f.body)
        _put(ws, r, 2, row.county.code, f.center)
        _put(ws, r, 3, row.batch, f.center)
        for c, n in enumerate((t.total, t.closed, t.open, t.overdue), start=4):
            _put(ws, r, c, n, f.center)
        _put(ws, r, 8, t.closure_rate, f.percent)
        _put(ws, r, 9, _progress(row.progress), f.percent)
        _put(ws, r, 10, _progress(row.investment), f.percent)
        _put(ws, r, 11, _progress(row.funds), f.percent)
        if row.below_red_line:  # under the 40% red line (一票否决)
            ws.write_string(r, 12, "是", f.alert)
        else:
            ws.write_string(r, 12, "否", f.center)
        _fit_row(ws, r, [(row.county.province.name, 14), (row.county.name, 18)])
        r += 1
    t = total.tally
    ws.write_string(r, 0, "全国合计", f.header)
    for c in (1, 2, 3, 9):
        ws.write_blank(r, c, None, f.header)
    for c, n in enumerate((t.total, t.closed, t.open, t.overdue), start=4):
        _put(ws, r, c, n, f.header)
    _put(ws, r, 8, t.closure_rate, f.percent)
    _put(ws, r, 10, _progress(total.investment), f.percent)
    _put(ws, r, 11, _progress(total.funds), f.percent)
    _put(ws, r, 12, total.below_red_line, f.header)
    _fit_row(ws, r, [], HEADER_FONT_SIZE)


def write_nation(out: BinaryIO, ledger: NationLedger) -> None:
    """The nation's ledger: the provinces (总览), every county (区县), then one sheet per
    province with its findings, county by county (rows come ordered by province)."""
    cols = columns.ledger_columns(nation=True)
    note = ledger.note
    with _workbook(out) as (wb, f):
        _write_provinces(wb, f, ledger.provinces, ledger.total, ledger.title, note)
        _write_counties(wb, f, ledger.counties, ledger.total, note)
        sizes = {p.province.name: p.tally.total for p in ledger.provinces}
        cells = _cells(f, cols)
        current, sheet, seq, r = None, None, 0, 0
        for row in ledger.rows:
            if row.province != current:
                current, seq = row.province, 0
                sheet = _add_sheet(wb, row.province)
                size = sizes.get(row.province, 1)
                title = f"{row.province}整改台账"
                r = _setup_sheet(sheet, f, _headers(cols), title, note, size, freeze=(3, 2))
            seq += 1
            _write_finding(sheet, f, r, seq, row, cells)
            r += 1


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "")
    return name[:31].strip("'") or "区县"
