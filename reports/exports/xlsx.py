"""The 整改台账 as .xlsx: pure functions from ledger rows to a workbook, written in openpyxl's
write-only mode so memory does not grow with the number of findings. `write_*` write into a
binary file (the views stream a temporary file), `render_*` return the bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from issues.text import chinese_date, deadline_text, measures_text

if TYPE_CHECKING:
    from reports.selectors import CountyRow, LedgerRow, ProvinceRow

COLUMNS = [  # header, width in characters
    ("序号", 6),
    ("问题来源", 14),
    ("问题类别", 16),
    ("问题描述", 40),
    ("整改措施", 50),
    ("责任单位", 20),
    ("配合单位", 16),
    ("完成时限", 16),
    ("最新进展", 36),
    ("整改结果", 40),
    ("销号情况", 10),
    ("销号日期", 14),
    ("是否逾期", 9),
]
STATUSES = [
    ("open", "未整改"),
    ("in_progress", "整改中"),
    ("submitted", "已申请销号"),
    ("closed", "已销号"),
]
PAPER_A3 = "8"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'

_thin = Side(style="thin", color="999999")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


def _styles(wb: Workbook) -> None:
    font = "宋体"
    title = NamedStyle("台账标题", font=Font(name=font, size=16, bold=True))
    title.alignment = Alignment(horizontal="center", vertical="center")
    note = NamedStyle("台账说明", font=Font(name=font, size=10, color="555555"))
    header = NamedStyle(
        "台账表头",
        font=Font(name=font, size=11, bold=True),
        fill=PatternFill("solid", fgColor="DDE7F3"),
        border=BORDER,
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    body = NamedStyle(
        "台账正文",
        font=Font(name=font, size=10),
        border=BORDER,
        alignment=Alignment(vertical="top", wrap_text=True),
    )
    center = NamedStyle(
        "台账居中",
        font=Font(name=font, size=10),
        border=BORDER,
        alignment=Alignment(horizontal="center", vertical="top", wrap_text=True),
    )
    date = NamedStyle(
        "台账日期",
        font=Font(name=font, size=10),
        border=BORDER,
        alignment=Alignment(horizontal="center", vertical="top"),
        number_format=DATE_FORMAT,
    )
    alert = NamedStyle(
        "台账逾期",
        font=Font(name=font, size=10, bold=True, color="C00000"),
        border=BORDER,
        alignment=Alignment(horizontal="center", vertical="top"),
    )
    for style in (title, note, header, body, center, date, alert):
        wb.add_named_style(style)


def _cell(ws, value, style: str = "台账正文") -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # Text stays text: "=…" typed into a description must never become a formula.
        cell.data_type = "s"
    cell.style = style
    return cell


def _setup_sheet(
    ws, columns: list[tuple[str, int]], title: str, note: str, n_rows: int, freeze: str = "B4"
) -> None:
    """Title, note and header rows; frozen header (and first columns), filters, print setup.
    Call before rows: a write-only sheet writes its views with the first row."""
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last = get_column_letter(len(columns))
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.freeze_panes = freeze
    ws.print_title_rows = "3:3"
    ws.auto_filter.ref = f"A3:{last}{3 + max(n_rows, 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPER_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页,共 &N 页"
    ws.append([_cell(ws, title, "台账标题")])
    ws.append([_cell(ws, note, "台账说明")])
    ws.append([_cell(ws, header, "台账表头") for header, _ in columns])


def _ledger_cells(ws, seq: int, row: LedgerRow, today: dt.date) -> list:
    progress = row.latest_progress
    if progress and row.latest_progress_date:
        progress = f"{chinese_date(row.latest_progress_date)}:{progress}"
    return [
        _cell(ws, seq, "台账居中"),
        _cell(ws, row.review),
        _cell(ws, row.category),
        _cell(ws, row.description),
        _cell(ws, measures_text(row.measures)),
        _cell(ws, "、".join(row.units)),
        _cell(ws, "、".join(row.cooperating)),
        _cell(ws, deadline_text(row.deadline, row.is_ongoing), "台账居中"),
        _cell(ws, progress),
        _cell(ws, row.result),
        _cell(ws, "已销号" if row.status == "closed" else "未销号", "台账居中"),
        _cell(ws, row.closed_on, "台账日期"),
        _cell(ws, "是" if row.overdue else "否", "台账逾期" if row.overdue else "台账居中"),
    ]


@dataclasses.dataclass
class _Tally:
    counts: dict = dataclasses.field(default_factory=lambda: defaultdict(Counter))
    order: list = dataclasses.field(default_factory=list)

    def add(self, row: LedgerRow) -> None:
        key = (row.review, row.category)
        if key not in self.counts:
            self.order.append(key)
        self.counts[key][row.status] += 1
        self.counts[key]["overdue"] += row.overdue


def _write_tally(wb: Workbook, tally: _Tally, title: str) -> None:
    ws = wb.create_sheet("统计")
    columns = [("问题来源", 16), ("问题类别", 24), ("问题数", 9)]
    columns += [(label, 11) for _, label in STATUSES] + [("逾期", 8)]
    _setup_sheet(
        ws,
        columns,
        f"{title}(统计)",
        "按检查、问题类别和整改状态统计",
        len(tally.order) + 1,
        freeze="A4",
    )
    totals = Counter()
    for review, category in tally.order:
        counts = tally.counts[(review, category)]
        numbers = [counts[s] for s, _ in STATUSES]
        totals.update(counts)
        ws.append(
            [_cell(ws, review), _cell(ws, category), _cell(ws, sum(numbers), "台账居中")]
            + [_cell(ws, n, "台账居中") for n in numbers]
            + [_cell(ws, counts["overdue"], "台账居中")]
        )
    numbers = [totals[s] for s, _ in STATUSES]
    ws.append(
        [
            _cell(ws, "合计", "台账表头"),
            _cell(ws, "", "台账表头"),
            _cell(ws, sum(numbers), "台账表头"),
        ]
        + [_cell(ws, n, "台账表头") for n in numbers]
        + [_cell(ws, totals["overdue"], "台账表头")]
    )


def _bytes(write: Callable[..., None], *args, **kwargs) -> bytes:
    out = io.BytesIO()
    write(out, *args, **kwargs)
    return out.getvalue()


def write_ledger_xlsx(
    out: BinaryIO,
    rows: Iterable[LedgerRow],
    *,
    title: str,
    note: str,
    n_rows: int,
    today: dt.date,
) -> None:
    """One county's (or any filtered) ledger: the 台账 sheet and a 统计 sheet."""
    wb = Workbook(write_only=True)
    _styles(wb)
    ws = wb.create_sheet("整改台账")
    _setup_sheet(ws, COLUMNS, title, note, n_rows)
    tally = _Tally()
    for seq, row in enumerate(rows, start=1):
        ws.append(_ledger_cells(ws, seq, row, today))
        tally.add(row)
    _write_tally(wb, tally, title)
    wb.save(out)


def render_ledger_xlsx(rows: Iterable[LedgerRow], **kwargs) -> bytes:
    return _bytes(write_ledger_xlsx, rows, **kwargs)


@dataclasses.dataclass
class CountyOverview:
    name: str
    code: str
    total: int
    closed: int
    overdue: int

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.total if self.total else None


def write_province_xlsx(
    out: BinaryIO,
    overview: list[CountyOverview],
    rows: Iterable[LedgerRow],
    *,
    title: str,
    note: str,
    today: dt.date,
) -> None:
    """The province ledger: an overview sheet, then one sheet per county (rows come ordered
    by county)."""
    wb = Workbook(write_only=True)
    _styles(wb)
    ws = wb.create_sheet("总览")
    columns = [("区县", 18), ("代码", 9), ("问题数", 9), ("已销号", 9), ("未销号", 9)]
    columns += [("逾期", 8), ("销号率", 9)]
    _setup_sheet(ws, columns, title, note, len(overview), freeze="A4")
    for c in overview:
        rate = _cell(ws, c.closure_rate, "台账居中")
        rate.number_format = "0.0%"
        ws.append(
            [_cell(ws, c.name), _cell(ws, c.code, "台账居中")]
            + [_cell(ws, n, "台账居中") for n in (c.total, c.closed, c.open, c.overdue)]
            + [rate]
        )
    sizes = {c.code: c.total for c in overview}
    current, sheet, seq = None, None, 0
    for row in rows:
        if row.county_code != current:
            current, seq = row.county_code, 0
            sheet = wb.create_sheet(_sheet_name(row.county))
            size = sizes.get(row.county_code, 1)
            _setup_sheet(sheet, COLUMNS, f"{row.county}整改台账", note, size)
        seq += 1
        sheet.append(_ledger_cells(sheet, seq, row, today))
    wb.save(out)


def render_province_xlsx(
    overview: list[CountyOverview], rows: Iterable[LedgerRow], **kwargs
) -> bytes:
    return _bytes(write_province_xlsx, overview, rows, **kwargs)


NATION_COLUMNS = [COLUMNS[0], ("区县", 16), *COLUMNS[1:]]


def _percent(ws, fraction: float | None) -> WriteOnlyCell:
    cell = _cell(ws, fraction, "台账居中")
    cell.number_format = "0.0%"
    return cell


def _progress(ws, percent: float | None) -> WriteOnlyCell:
    return _percent(ws, None if percent is None else percent / 100)


def _write_provinces(
    wb: Workbook, provinces: list[ProvinceRow], total: ProvinceRow, title: str, note: str
) -> None:
    ws = wb.create_sheet("总览")
    columns = [("省份", 14), ("代码", 9), ("示范县", 9), ("问题数", 9), ("已销号", 9)]
    columns += [("未销号", 9), ("逾期", 8), ("销号率", 9), ("低于红线的示范县", 12)]
    columns += [("平均投资完成率", 12), ("平均中央资金拨付率", 12)]
    _setup_sheet(ws, columns, title, note, len(provinces) + 1, freeze="A4")
    for p in [*provinces, total]:
        t = p.tally
        style = "台账居中" if p.province else "台账表头"
        numbers = (p.n_counties, t.total, t.closed, t.open, t.overdue)
        ws.append(
            [
                _cell(ws, p.province.name if p.province else "全国合计", style),
                _cell(ws, p.province.code if p.province else "", style),
            ]
            + [_cell(ws, n, style) for n in numbers]
            + [_percent(ws, t.closure_rate), _cell(ws, p.below_red_line, style)]
            + [_progress(ws, p.investment), _progress(ws, p.funds)]
        )


def _write_counties(wb: Workbook, counties: list[CountyRow], note: str) -> None:
    ws = wb.create_sheet("区县")
    columns = [("省份", 14), ("区县", 18), ("代码", 9), ("批次", 7), ("问题数", 9)]
    columns += [("已销号", 9), ("未销号", 9), ("逾期", 8), ("销号率", 9)]
    columns += [("项目总体进度", 12), ("投资完成率", 11), ("中央资金拨付率", 12)]
    columns += [("低于红线", 9)]
    _setup_sheet(ws, columns, "各示范县整改与项目进度", note, len(counties), freeze="C4")
    for r in counties:
        t = r.tally
        ws.append(
            [
                _cell(ws, r.county.province.name),
                _cell(ws, r.county.name),
                _cell(ws, r.county.code, "台账居中"),
                _cell(ws, r.batch, "台账居中"),
            ]
            + [_cell(ws, n, "台账居中") for n in (t.total, t.closed, t.open, t.overdue)]
            + [_percent(ws, t.closure_rate), _progress(ws, r.progress)]
            + [_progress(ws, r.investment), _progress(ws, r.funds)]
            + [
                _cell(
                    ws,
                    "是" if r.below_red_line else "否",
                    "台账逾期" if r.below_red_line else "台账居中",
                )
            ]
        )


def write_nation_xlsx(
    out: BinaryIO,
    provinces: list[ProvinceRow],
    total: ProvinceRow,
    counties: list[CountyRow],
    rows: Iterable[LedgerRow],
    *,
    title: str,
    note: str,
    today: dt.date,
) -> None:
    """The nation's ledger: the provinces (总览), every county (区县), then one sheet per
    province with its findings, county by county (rows come ordered by province)."""
    wb = Workbook(write_only=True)
    _styles(wb)
    _write_provinces(wb, provinces, total, title, note)
    _write_counties(wb, counties, note)
    sizes = {p.province.name: p.tally.total for p in provinces}
    current, sheet, seq = None, None, 0
    for row in rows:
        if row.province != current:
            current, seq = row.province, 0
            sheet = wb.create_sheet(_sheet_name(row.province))
            size = sizes.get(row.province, 1)
            heading = f"{row.province}整改台账"
            _setup_sheet(sheet, NATION_COLUMNS, heading, note, size, freeze="C4")
        seq += 1
        cells = _ledger_cells(sheet, seq, row, today)
        cells.insert(1, _cell(sheet, row.county))
        sheet.append(cells)
    wb.save(out)


def render_nation_xlsx(provinces, total, counties, rows, **kwargs) -> bytes:
    return _bytes(write_nation_xlsx, provinces, total, counties, rows, **kwargs)


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "")
    return name[:31] or "区县"
