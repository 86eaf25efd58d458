"""The 整改台账 as .xlsx: the county ledger (/findings/export.xlsx), the province ledger
(/provinces/<code>/ledger.xlsx), and the selector and renderers behind them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import random
import re
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl.utils import get_column_letter

from issues import columns, services
from issues.models import Finding, Province, User
from reports import selectors
from reports.exports.xlsx import (
    CELL_MARGIN_PX,
    CHAR_UNIT_PX,
    MAX_ROW_PT,
    NARROW_EM,
    as_bytes,
    row_height,
    text_lines,
    write_ledger,
    write_nation,
    write_province,
)
from reports.ledgers import CountyLedger, NationLedger, ProvinceLedger
from tests.conftest import PASSWORD, Factory

HEADER = [
    "序号",
    "问题来源",
    "问题类别",
    "问题描述",
    "整改措施",
    "责任单位",
    "配合单位",
    "完成时限",
    "长期坚持",
    "原定完成时限",
    "最新进展",
    "整改结果",
    "销号情况",
    "销号日期",
    "是否按期销号",
    "是否逾期",
]
# Where each column is, by its header, as the registry orders them (issues.columns).
COL = {c.header: i for i, c in enumerate(columns.ledger_columns())}
LAST = get_column_letter(len(COL))  # the last column's letter
TODAY = dt.date(2019, 10, 1)  # after the 9-30 deadlines, before the 10-30 ones
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def cell(header: str, row: int) -> str:
    """The cell of a column, by its header, in a row (A1-style)."""
    return f"{get_column_letter(COL[header] + 1)}{row}"


def workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def data_rows(ws) -> list[tuple]:
    """The rows under the header (row 3)."""
    return [row for row in ws.iter_rows(min_row=4, values_only=True) if row[0] is not None]


def download(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    return response.getvalue()  # streamed: the workbook is written to a temporary file


def load_demo() -> None:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


@dataclasses.dataclass
class DemoExports:
    ledger: bytes
    closed_only: bytes


@pytest.fixture(scope="module")
def demo_exports(django_db_setup, django_db_blocker) -> DemoExports:
    """昭化区's ledger as its staff download it on TODAY, whole and filtered; the demo data
    is rolled back after."""
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        client = Client()
        client.force_login(User.objects.get(username="staff-510811"))
        with time_machine.travel(noon, tick=False):
            exports = DemoExports(
                ledger=download(client, reverse("ledger_xlsx")),
                closed_only=download(client, reverse("ledger_xlsx") + "?status=closed"),
            )
        transaction.set_rollback(True)
    return exports


# The demo county's ledger


@pytest.mark.django_db
def test_demo_ledger_has_a_row_per_finding_under_the_header(demo_exports):
    wb = workbook(demo_exports.ledger)
    assert wb.sheetnames == ["整改台账", "统计"]
    ws = wb["整改台账"]
    assert ws["A1"].value == "昭化区整改台账"
    assert ws["A2"].value.startswith("导出时间：2019年10月1日；共 25 个问题")
    assert [c.value for c in ws[3]] == HEADER
    rows = data_rows(ws)
    assert len(rows) == 25
    assert [r[COL["序号"]] for r in rows] == list(range(1, 26))
    first = rows[0]
    assert first[COL["问题来源"]] == "商务部复核组"
    assert first[COL["问题类别"]] == "项目建设进度滞后问题"
    assert first[COL["问题描述"]].startswith("县级公共服务中心因前期实施单位变更")
    measures = first[COL["整改措施"]]
    assert measures.startswith("一是加快完善建设方案") and "；二是" in measures
    assert first[COL["责任单位"]] == "区商务和经济合作局、区工业园区管委会"
    # A date cell, sorted and filtered as a date; 并长期坚持 beside it.
    assert first[COL["完成时限"]] == dt.datetime(2019, 10, 30)
    assert first[COL["长期坚持"]] is None
    assert first[COL["销号情况"]] == "未销号"
    assert first[COL["是否逾期"]] == "否"
    closed = rows[1]
    assert closed[COL["销号情况"]] == "已销号"
    assert closed[COL["销号日期"]].date() == dt.date(2019, 9, 10)
    assert [r[COL["问题来源"]] for r in rows].count("省绩效评价组") == 10
    cooperating = [r for r in rows if r[COL["配合单位"]]]
    assert [r[COL["配合单位"]] for r in cooperating] == ["区农业农村局、区文化旅游和体育局"]
    overdue = {(r[COL["完成时限"]].date(), r[COL["销号情况"]], r[COL["是否逾期"]]) for r in rows}
    assert (dt.date(2019, 9, 30), "未销号", "是") in overdue
    assert (dt.date(2019, 10, 30), "未销号", "否") in overdue
    assert {r[COL["长期坚持"]] for r in rows} == {"是", None}
    assert {o for _, closeout, o in overdue if closeout == "已销号"} == {"否"}


@pytest.mark.django_db
def test_demo_ledger_is_set_up_for_reading_and_printing(demo_exports):
    ws = workbook(demo_exports.ledger)["整改台账"]
    assert ws.freeze_panes == "B4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.auto_filter.ref == f"A3:{LAST}28"
    assert ws.page_setup.orientation == "landscape"
    # XlsxWriter leaves out fitToWidth="1": 1 is the attribute's default (ECMA-376
    # CT_PageSetup), so one page wide all the same.
    assert ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.paperSize == 8  # A3
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws["A1"].value and f"A1:{LAST}1" in {str(r) for r in ws.merged_cells.ranges}
    for name in (
        cell("问题描述", 3),
        cell("问题描述", 4),
        cell("整改措施", 4),
        cell("最新进展", 28),
    ):
        assert ws[name].alignment.wrap_text is True, name
    assert ws.column_dimensions[cell("问题描述", 1)[:-1]].width >= 30
    assert ws[cell("销号日期", 5)].number_format == 'yyyy"年"m"月"d"日"'


@pytest.mark.django_db
def test_demo_tally_sheet_adds_up(demo_exports):
    ws = workbook(demo_exports.ledger)["统计"]
    assert [c.value for c in ws[3]] == [
        "问题来源",
        "问题类别",
        "问题数",
        "未整改",
        "整改中",
        "已申请销号",
        "已销号",
        "逾期",
        "按期销号",
        "延期后销号",
        "逾期销号",
    ]
    rows = data_rows(ws)
    *categories, total = rows
    assert len(categories) == 8
    assert categories[0][:3] == ("商务部复核组", "项目建设进度滞后问题", 4)
    assert total[0] == "合计"
    assert total[2:] == (25, 0, 13, 0, 12, 8, 12, 0, 0)  # the demo closed everything on time
    for row in categories:
        assert row[2] == sum(row[3:7])
        assert row[6] == sum(row[8:11])  # every close-out is counted once by its timing
    for i in range(2, 11):
        assert total[i] == sum(row[i] for row in categories)


@pytest.mark.django_db
def test_demo_export_honours_the_ledger_filters(demo_exports):
    ws = workbook(demo_exports.closed_only)["整改台账"]
    assert ws["A2"].value.startswith(
        "导出时间：2019年10月1日；共 12 个问题；已按台账页面的筛选条件"
    )
    rows = data_rows(ws)
    assert len(rows) == 12
    assert {r[COL["销号情况"]] for r in rows} == {"已销号"}
    assert ws.auto_filter.ref == f"A3:{LAST}15"
    total = data_rows(workbook(demo_exports.closed_only)["统计"])[-1]
    assert total[2:] == (12, 0, 0, 0, 12, 0, 12, 0, 0)


@pytest.mark.django_db
def test_ledger_rows_queries_stay_constant_on_the_demo(django_assert_num_queries):
    load_demo()
    findings = Finding.objects.filter(county__code="510811").in_ledger_order()
    with django_assert_num_queries(4):  # the reviews' names, then one chunk
        rows = list(selectors.ledger_rows(findings, TODAY))
    assert len(rows) == 25
    assert sum(len(r.measures) for r in rows) > 25
    assert all(r.units for r in rows)


# The ledger on small data


def test_latest_progress_shows_the_newest_note(client, alice, finding_a):
    def add(note: str, date: dt.date) -> None:
        finding_a.refresh_from_db()  # the first note moves it from 未整改 to 整改中
        services.progress_add(user=alice, finding=finding_a, note=note, date=date)

    add("新的进展", dt.date(2019, 9, 1))
    add("旧的进展", dt.date(2019, 8, 1))
    client.force_login(alice)
    (row,) = data_rows(workbook(download(client, reverse("ledger_xlsx")))["整改台账"])
    assert row[COL["最新进展"]] == "2019年9月1日:新的进展"

    # On the same day, the note written last.
    add("同日再报", dt.date(2019, 9, 1))
    (row,) = data_rows(workbook(download(client, reverse("ledger_xlsx")))["整改台账"])
    assert row[COL["最新进展"]] == "2019年9月1日:同日再报"


def test_without_progress_the_cell_is_empty(client, alice, finding_a):
    client.force_login(alice)
    (row,) = data_rows(workbook(download(client, reverse("ledger_xlsx")))["整改台账"])
    assert row[COL["最新进展"]] is None
    assert row[COL["责任单位"]] == "区商务和经济合作局、区财政局"
    assert row[COL["整改措施"]] == "一是第一条措施；二是第二条措施。"


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", '=HYPERLINK("x")'])
def test_text_that_looks_like_a_formula_stays_text(client, alice, county_a, review_a, text):
    Factory.finding(alice, county_a, review_a, description=text, measures=[text])
    client.force_login(alice)
    ws = workbook(download(client, reverse("ledger_xlsx")))["整改台账"]
    description = ws.cell(row=4, column=COL["问题描述"] + 1)
    assert description.data_type == "s"
    assert description.value == text
    measures = ws.cell(row=4, column=COL["整改措施"] + 1)
    assert measures.data_type == "s"
    assert measures.value == text + "。"


def test_each_user_exports_only_what_they_may_see(client, alice, bob, finding_a, finding_b):
    client.force_login(bob)
    rows = data_rows(workbook(download(client, reverse("ledger_xlsx")))["整改台账"])
    assert [r[COL["问题描述"]] for r in rows] == ["朝天区的问题。"]


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("ledger_xlsx"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# The province ledger


@pytest.fixture
def province_findings(alice, bob, county_a, county_b, finding_a, finding_b, review_a):
    """Two counties of province P; created out of county order on purpose."""
    Factory.finding(alice, county_a, review_a, description="昭化区的第二个问题。")
    return [finding_a, finding_b]


def test_province_ledger_has_an_overview_and_a_sheet_per_county(client, rita, province_findings):
    client.force_login(rita)
    wb = workbook(download(client, reverse("province_ledger_xlsx", args=["510000"])))
    assert wb.sheetnames == ["总览", "全部问题", "广元市昭化区", "广元市朝天区"]
    overview = wb["总览"]
    assert overview["A1"].value == "四川省电子商务进农村综合示范问题整改台账"
    assert [c.value for c in overview[3]] == [
        "区县",
        "代码",
        "问题数",
        "已销号",
        "未销号",
        "逾期",
        "销号率",
    ]
    assert [r[:6] for r in data_rows(overview)] == [
        ("广元市昭化区", "510811", 2, 0, 2, 1),
        ("广元市朝天区", "510812", 1, 0, 1, 0),
        ("合计", None, 3, 0, 3, 1),
    ]
    assert overview.auto_filter.ref == "A3:G6"
    assert overview["G6"].value == 0 and overview["G6"].number_format == "0.0%"
    # Every county's findings on one sheet, with their county, numbered through.
    whole = wb["全部问题"]
    assert whole["A1"].value == "四川省电子商务进农村综合示范问题整改台账（全部问题）"
    header = [c.value for c in whole[3]]
    assert header == [c.header for c in columns.ledger_columns(nation=True)]
    assert (header[1], whole.freeze_panes, whole.print_title_rows) == ("区县", "C4", "$3:$3")
    assert whole.auto_filter.ref == f"A3:{get_column_letter(len(header))}6"
    at = {h: i for i, h in enumerate(header)}
    assert [(r[0], r[1], r[at["问题描述"]]) for r in data_rows(whole)] == [
        (1, "广元市昭化区", "县级公共服务中心未开始建设。"),
        (2, "广元市昭化区", "昭化区的第二个问题。"),
        (3, "广元市朝天区", "朝天区的问题。"),
    ]
    zhaohua, chaotian = wb["广元市昭化区"], wb["广元市朝天区"]
    for ws in (zhaohua, chaotian):
        assert [c.value for c in ws[3]] == HEADER
        assert ws.freeze_panes == "B4"
        assert ws.print_title_rows == "$3:$3"
    assert zhaohua["A1"].value == "广元市昭化区整改台账"
    assert [(r[0], r[COL["问题描述"]]) for r in data_rows(zhaohua)] == [
        (1, "县级公共服务中心未开始建设。"),
        (2, "昭化区的第二个问题。"),
    ]
    assert [(r[0], r[COL["问题描述"]]) for r in data_rows(chaotian)] == [(1, "朝天区的问题。")]


def test_province_ledger_is_for_that_province_and_the_nation(
    client, rita, quinn, alice, nina, province_findings
):
    url = reverse("province_ledger_xlsx", args=["510000"])
    for user, status in ((rita, 200), (nina, 200), (quinn, 404), (alice, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    client.force_login(nina)
    assert client.get(reverse("province_ledger_xlsx", args=["999999"])).status_code == 404


# The selector and the renderers


def test_ledger_rows_queries_stay_constant_on_small_data(
    alice, county_a, review_a, finding_a, django_assert_num_queries
):
    for _ in range(2):
        Factory.finding(alice, county_a, review_a)
    findings = Finding.objects.filter(county=county_a).in_ledger_order()
    with django_assert_num_queries(4):  # the reviews' names, then one chunk
        rows = list(selectors.ledger_rows(findings, TODAY))
    assert len(rows) == 3
    assert rows[0].units == ["区商务和经济合作局", "区财政局"]
    assert rows[0].measures == ["第一条措施", "第二条措施"]


def test_renderers_run_no_queries(province_findings, django_assert_num_queries):
    province = Province.objects.get(code="510000")
    findings = Finding.objects.filter(county__province=province).in_ledger_order()
    rows = list(selectors.ledger_rows(findings, TODAY))
    overview = selectors.province_overview(province, TODAY)
    with django_assert_num_queries(0):
        county = as_bytes(write_ledger, CountyLedger("台账", "说明", len(rows), rows))
        whole = as_bytes(write_province, ProvinceLedger("省台账", "说明", overview, rows))
    assert len(data_rows(workbook(county)["整改台账"])) == 3
    assert workbook(whole).sheetnames == ["总览", "全部问题", "广元市昭化区", "广元市朝天区"]


FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
]


def test_formula_like_text_stays_text_in_every_workbook(province_findings):
    """Every text column, in the county, province and nation workbooks: a string cell when
    read back, and no formula anywhere in the files."""
    province = Province.objects.get(code="510000")
    findings = Finding.objects.filter(county__province=province).in_ledger_order()
    rows = [
        dataclasses.replace(
            row,
            review=text,
            category=text,
            description=text,
            measures=[text],
            units=[text],
            result=text,
            latest_progress=text,
        )
        for row, text in zip(selectors.ledger_rows(findings, TODAY), FORMULAS, strict=False)
    ]
    nation = selectors.nation_dashboard(TODAY)
    contents = [
        as_bytes(write_ledger, CountyLedger("=台账", "=说明", len(rows), rows)),
        as_bytes(
            write_province,
            ProvinceLedger("=省", "=说明", selectors.province_overview(province, TODAY), rows),
        ),
        as_bytes(
            write_nation,
            NationLedger(
                "=全国", "=说明", nation["rows"], nation["total"], nation["counties"], rows
            ),
        ),
    ]
    for content in contents:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
            assert sheets
            for name in sheets:
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
        wb = workbook(content)
        seen = set()
        for ws in wb.worksheets:
            for line in ws.iter_rows():
                for cell in line:
                    if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                        assert cell.data_type == "s", (ws.title, cell.coordinate)
                        seen.add(cell.value.removesuffix("。"))
        assert seen >= {row.description for row in rows} | {"=说明"}


def test_strings_are_written_inline(province_findings):
    """No shared-strings table: it would be held in memory until the end of the export."""
    rows = list(selectors.ledger_rows(Finding.objects.in_ledger_order(), TODAY))
    content = as_bytes(write_ledger, CountyLedger("台账", "说明", len(rows), rows))
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert "xl/sharedStrings.xml" not in zf.namelist()
        assert b't="inlineStr"' in zf.read("xl/worksheets/sheet1.xml")


def test_overdue_findings_and_dates_are_styled(province_findings):
    findings = Finding.objects.filter(county__code="510811").in_ledger_order()
    rows = list(selectors.ledger_rows(findings, TODAY))
    rows[0] = dataclasses.replace(
        rows[0], status="closed", closed_on=dt.date(2019, 9, 10), overdue=False
    )
    rows[1] = dataclasses.replace(rows[1], overdue=True)
    content = as_bytes(write_ledger, CountyLedger("台账", "说明", len(rows), rows))
    ws = workbook(content)["整改台账"]
    header, closed = ws[cell("问题描述", 3)], ws[cell("销号日期", 4)]
    overdue, not_overdue = ws[cell("是否逾期", 5)], ws[cell("是否逾期", 4)]
    assert header.font.b and header.fill.fgColor.rgb.endswith("DDE7F3")
    assert closed.value == dt.datetime(2019, 9, 10) and closed.number_format == 'yyyy"年"m"月"d"日"'
    assert closed.border.left.style == "thin"
    assert overdue.value == "是" and overdue.font.b and overdue.font.color.rgb.endswith("C00000")
    assert not_overdue.value == "否" and not not_overdue.font.b
    assert ws["A4"].font.name == "宋体"


def test_counties_of_the_same_name_get_sheets_of_their_own(province_findings):
    province = Province.objects.get(code="510000")
    findings = Finding.objects.filter(county__province=province).in_ledger_order()
    rows = [dataclasses.replace(r, county="同名县") for r in selectors.ledger_rows(findings, TODAY)]
    overview = selectors.province_overview(province, TODAY)
    content = as_bytes(write_province, ProvinceLedger("省台账", "说明", overview, rows))
    wb = workbook(content)
    assert wb.sheetnames == ["总览", "全部问题", "同名县", "同名县1"]
    assert len(data_rows(wb["同名县"])) == 2 and len(data_rows(wb["同名县1"])) == 1


def test_a_failed_export_leaves_no_temporary_files(province_findings, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    rows = list(selectors.ledger_rows(Finding.objects.in_ledger_order(), TODAY))

    def failing():
        yield from rows
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        as_bytes(write_ledger, CountyLedger("台账", "说明", 3, failing()))
    assert list(tmp_path.iterdir()) == []
    as_bytes(write_ledger, CountyLedger("台账", "说明", 3, rows))
    assert list(tmp_path.iterdir()) == []


# Row heights (the print itself: test_ledger_print.py)


def test_text_lines_count_cjk_double_latin_words_whole_and_line_breaks():
    # Width 40 at 10 pt: (40 × 7 − 6) px / 13.3 px an em, less one em: 19 characters a line.
    assert text_lines("问" * 19, 40) == 1
    assert text_lines("问" * 20, 40) == 2
    assert text_lines("问" * 500, 40) == 27
    assert text_lines("a" * 30, 40) == 1  # Latin letters are narrower
    assert text_lines("a" * 40, 40) == 2
    assert text_lines("一\n二\n\n四", 40) == 4
    # A word does not break: it starts the next line.
    assert text_lines("问" * 15 + " abcdefgh", 40) == 2
    # Narrower columns and larger type take more lines.
    assert text_lines("问" * 40, 20) > text_lines("问" * 40, 40)
    assert text_lines("问" * 100, 40, font_size=12) > text_lines("问" * 100, 40)


def _lines_word_by_word(text: str, width: float, font_size: float = 10) -> int:
    """text_lines as first written: every character or Latin word placed one at a time."""
    line = (width * CHAR_UNIT_PX - CELL_MARGIN_PX) / (font_size * 4 / 3) - 1
    lines = 0
    for paragraph in text.split("\n"):
        n, x = 1, 0.0
        for word in re.findall(r"[!-~]+|.", paragraph, re.DOTALL):
            w = len(word) * NARROW_EM if word.isascii() else float(len(word))
            if x + w > line and x > 0:
                n, x = n + 1, 0.0
            x += w
            while x > line:
                n, x = n + 1, x - line
        lines += (
            n
            if paragraph.encode("ascii", "ignore")
            else max(1, math.ceil(len(paragraph) / max(1, math.floor(line))))
        )
    return lines


def test_text_lines_fills_cjk_runs_a_line_at_a_time_to_the_same_count():
    """The CJK runs between Latin words are counted a line at a time, not a character at a
    time: the same count as placing every character, for any mix (a fixed seed)."""
    rng = random.Random(18)
    alphabet = list("县级公共服务中心建设，。（）：、") + list("ab0123456789-/.%") + [" ", "\n"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 160)))
        width, size = rng.choice([5, 6, 8, 12, 20, 30, 45]), rng.choice([10, 11, 16])
        assert text_lines(text, width, size) == _lines_word_by_word(text, width, size), text


def test_row_height_grows_with_the_lines_up_to_excels_limit():
    assert row_height(1) == 18.5
    assert row_height(2) == 33
    assert row_height(1000) == MAX_ROW_PT == 409


def test_every_row_of_every_sheet_has_its_height(province_findings):
    province = Province.objects.get(code="510000")
    findings = Finding.objects.filter(county__province=province).in_ledger_order()
    rows = list(selectors.ledger_rows(findings, TODAY))
    rows[0] = dataclasses.replace(rows[0], description="问" * 100)
    overview = selectors.province_overview(province, TODAY)
    content = as_bytes(write_province, ProvinceLedger("省台账", "说明", overview, rows))
    wb = workbook(content)
    for ws in wb.worksheets:
        for r in range(1, ws.max_row + 1):
            assert ws.row_dimensions[r].height, (ws.title, r)

    def height(sheet: str, r: int) -> float:
        return wb[sheet].row_dimensions[r].height  # whole pixels: within a quarter point

    # 100 characters at 19 a line: 6 lines.
    assert height("全部问题", 4) == pytest.approx(row_height(6), abs=0.5)
    assert height("广元市昭化区", 4) == pytest.approx(row_height(6), abs=0.5)
    # The tallest cell is 问题来源 商务部复核组: a column 14 wide holds 5 characters a line.
    assert height("广元市昭化区", 5) == pytest.approx(row_height(2), abs=0.5)


def test_ongoing_deadlines_import_back_from_their_own_column():
    from issues.importing import ledger

    rows = [
        ["问题描述", "完成时限", "长期坚持"],
        ["甲。", dt.datetime(2019, 10, 30), "是"],
        ["乙。", dt.datetime(2019, 9, 30), ""],
        ["丙。", "", "是"],
        ["丁。", "2019年6月底前,并长期坚持", "是"],
    ]
    found = [f for r in ledger.parse_rows(rows).reviews for c in r.categories for f in c.findings]
    assert [(f.deadline, f.is_ongoing) for f in found] == [
        ("2019-10-30", True),
        ("2019-09-30", False),
        (None, True),
        ("2019-06-30", True),
    ]
