"""The national ledger (/nation/ledger.xlsx) and the streamed downloads: what the workbook holds,
who may download it, queries that do not grow with the number of findings, and memory that
does not grow with it either (measured with tracemalloc, never timed)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import tracemalloc
from urllib.parse import quote

import openpyxl
import pytest
from django.http import FileResponse
from django.urls import reverse

from issues.models import Category, County, Finding, FindingUnit, Measure, Review, Role, Unit
from reports import ledgers, selectors
from reports.exports import xlsx
from tests.conftest import Factory

TODAY = dt.date(2019, 10, 1)
URL = "/nation/ledger.xlsx"


def download(client, url: str = URL) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert isinstance(response, FileResponse) and response.streaming
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # Reading the stream to its end closes the response (and the file) the way the test
    # client does for a server; calling close() again would also close the test's database
    # connection (request_finished), which PostgreSQL notices and SQLite's in-memory
    # database does not.
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content)
    return content


def data_rows(ws) -> list[tuple]:
    """The rows under the header (row 3)."""
    return [row for row in ws.iter_rows(min_row=4, values_only=True) if row[0] is not None]


@pytest.fixture(autouse=True)
def today(settings):
    import time_machine

    with time_machine.travel(dt.datetime(2019, 10, 1, 4, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def nation(alice, bob, county_a, county_b, finding_a, finding_b, review_a, other_province):
    """Province P: 昭化区 (two findings, one overdue on TODAY) and 朝天区 (one); province Q:
    铜鼓县 (one, closed)."""
    Factory.finding(alice, county_a, review_a, description="昭化区的第二个问题。")
    tonggu = Factory.county(other_province, "360926", "宜春市铜鼓县")
    staff = Factory.user("staff-360926", Role.COUNTY_STAFF, county=tonggu)
    Factory.finding(
        staff,
        tonggu,
        Factory.review(tonggu, team="省督查组"),
        description="铜鼓县的问题。",
        status=Finding.Status.CLOSED,
        closed_on=dt.date(2019, 9, 1),
        result="已整改。",
        deadline=dt.date(2019, 9, 30),
    )
    return tonggu


class TestNationLedger:
    def test_sheets_and_filename(self, client, nina, nation):
        client.force_login(nina)
        response = client.get(URL)
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''" + quote("全国整改台账-2019-10-01.xlsx")
        )
        b"".join(response.streaming_content)
        wb = openpyxl.load_workbook(io.BytesIO(download(client)))
        # Provinces in code order: 江西省 (360000) before 四川省 (510000).
        assert wb.sheetnames == ["总览", "区县", "江西省", "四川省"]

    def test_the_provinces(self, client, nina, nation):
        client.force_login(nina)
        ws = openpyxl.load_workbook(io.BytesIO(download(client)))["总览"]
        assert ws["A1"].value == "全国电子商务进农村综合示范问题整改台账"
        assert ws["A2"].value == "导出时间：2019年10月1日"
        assert [c.value for c in ws[3]][:9] == [
            "省份",
            "代码",
            "示范县",
            "问题数",
            "已销号",
            "未销号",
            "逾期",
            "销号率",
            "低于红线的示范县",
        ]
        assert [r[:9] for r in data_rows(ws)] == [
            ("江西省", "360000", 1, 1, 1, 0, 0, 1, 0),
            ("四川省", "510000", 2, 3, 0, 3, 0, 0, 0),
            ("全国合计", None, 3, 4, 1, 3, 0, 0.25, 0),
        ]
        assert ws["H4"].number_format == "0.0%"

    def test_the_counties(self, client, nina, nation):
        client.force_login(nina)
        ws = openpyxl.load_workbook(io.BytesIO(download(client)))["区县"]
        assert [r[:8] for r in data_rows(ws)] == [
            ("江西省", "宜春市铜鼓县", "360926", None, 1, 1, 0, 0),
            ("四川省", "广元市昭化区", "510811", None, 2, 0, 2, 0),
            ("四川省", "广元市朝天区", "510812", None, 1, 0, 1, 0),
            ("全国合计", None, None, None, 4, 1, 3, 0),
        ]

    def test_a_sheet_per_province_county_by_county(self, client, nina, nation):
        client.force_login(nina)
        wb = openpyxl.load_workbook(io.BytesIO(download(client)))
        sichuan = wb["四川省"]
        assert sichuan["A1"].value == "四川省整改台账"
        header = [c.value for c in sichuan[3]]
        assert header[:4] == ["序号", "区县", "问题来源", "问题类别"]
        assert header[-1] == "是否逾期"
        assert sichuan.freeze_panes == "C4"
        assert sichuan.print_title_rows == "$3:$3"
        col = {name: i for i, name in enumerate(header)}
        assert [(r[0], r[1], r[col["问题描述"]]) for r in data_rows(sichuan)] == [
            (1, "广元市昭化区", "县级公共服务中心未开始建设。"),
            (2, "广元市昭化区", "昭化区的第二个问题。"),
            (3, "广元市朝天区", "朝天区的问题。"),
        ]
        (tonggu,) = data_rows(wb["江西省"])
        assert tonggu[col["区县"]] == "宜春市铜鼓县"
        assert tonggu[col["销号情况"]] == "已销号"
        assert tonggu[col["整改结果"]] == "已整改。"

    def test_archived_findings_are_left_out(self, client, nina, nation, alice, lee):
        from tests import approvals

        finding = Finding.objects.get(description="昭化区的第二个问题。")
        approvals.archive(finding, staff=alice, leader=lee)
        client.force_login(nina)
        wb = openpyxl.load_workbook(io.BytesIO(download(client)))
        assert len(data_rows(wb["四川省"])) == 2
        assert data_rows(wb["总览"])[1][3] == 2


class TestAccess:
    def test_national_users(self, client, nina, nation, factory):
        client.force_login(nina)
        assert client.get(URL).status_code == 200
        root = factory.user("root")
        root.is_superuser = True
        root.save()
        client.force_login(root)
        assert client.get(URL).status_code == 200

    @pytest.mark.parametrize("who", ["rita", "quinn", "alice", "lee", "bob"])
    def test_everyone_else_gets_403(self, client, request, nation, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(URL).status_code == 403

    def test_anonymous_to_login(self, client, db):
        response = client.get(URL)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_the_page_links_to_it(self, client, nina, nation):
        client.force_login(nina)
        assert f'href="{URL}"' in client.get("/nation/").content.decode()


# The province and county downloads stream too.


def test_province_ledger_is_streamed(client, rita, nation):
    client.force_login(rita)
    wb = openpyxl.load_workbook(
        io.BytesIO(download(client, reverse("province_ledger_xlsx", args=["510000"])))
    )
    assert wb.sheetnames == ["总览", "全部问题", "广元市昭化区", "广元市朝天区"]


def test_county_ledger_is_streamed(client, alice, nation):
    client.force_login(alice)
    wb = openpyxl.load_workbook(io.BytesIO(download(client, reverse("ledger_xlsx"))))
    assert len(data_rows(wb["整改台账"])) == 2


# Queries: constant in the number of findings.

_seq = itertools.count()


def bulk_findings(county: County, n: int) -> None:
    """n findings of one review with three measures and two units each, written in bulk
    (no history): the size matters here, not the workflow."""
    review = Review.objects.create(
        kind=Review.Kind.MOFCOM_REVIEW, team="商务部复核组", start_date=dt.date(2019, 4, 25)
    )
    review.counties.add(county)
    category = Category.objects.create(review=review, name="项目建设进度滞后问题", order=1)
    units = [Unit.objects.create(county=county, name=f"单位{next(_seq)}") for _ in range(2)]
    findings = Finding.objects.bulk_create(
        Finding(
            review=review,
            county=county,
            category=category,
            order=i + 1,
            description=f"第{i}个问题:村级站点建成且正常运行的比例偏低,培训人次未达计划。" * 3,
            deadline=dt.date(2019, 9, 30) if i % 3 else dt.date(2019, 12, 31),
            original_deadline=dt.date(2019, 9, 30) if i % 3 else dt.date(2019, 12, 31),
            result="已完成整改,建立长效机制。" * 4 if i % 2 else "",
        )
        for i in range(n)
    )
    Measure.objects.bulk_create(
        Measure(finding=f, order=k, text=f"第{k}条措施:加快推进,按期完成,逐项销号。" * 3)
        for f in findings
        for k in range(1, 4)
    )
    FindingUnit.objects.bulk_create(
        FindingUnit(finding=f, unit=u, role=FindingUnit.Role.RESPONSIBLE, order=k)
        for f in findings
        for k, u in enumerate(units, start=1)
    )


# Session, user, the user's groups (an administrator duty would hide the ledger); the counties
# with their figures, the tallies per county, the provinces; the names of the reviews
# (issues.reviews); the findings, their measures, their units (one chunk); the download's
# audit event (audit.middleware: one INSERT).
NATION_LEDGER_QUERIES = 11
# Session, user, the user's groups, the province (the user's is compared by id); the tallies
# per county, the counties, the total; the names of the reviews; the findings, their
# measures, their units (one chunk); the download's audit event (one INSERT).
PROVINCE_LEDGER_QUERIES = 12


@pytest.mark.parametrize("n", [3, 30])
def test_nation_ledger_queries_do_not_grow(client, nina, county_a, n, django_assert_num_queries):
    bulk_findings(county_a, n)
    client.force_login(nina)
    with django_assert_num_queries(NATION_LEDGER_QUERIES):
        content = download(client)
    assert len(data_rows(openpyxl.load_workbook(io.BytesIO(content))["四川省"])) == n


@pytest.mark.parametrize("n", [3, 30])
def test_province_ledger_queries_do_not_grow(client, rita, county_a, n, django_assert_num_queries):
    bulk_findings(county_a, n)
    client.force_login(rita)
    with django_assert_num_queries(PROVINCE_LEDGER_QUERIES):
        download(client, reverse("province_ledger_xlsx", args=["510000"]))


def test_findings_are_read_in_chunks(county_a, monkeypatch, django_assert_num_queries):
    """Three queries a chunk, the first one's cursor read in pieces."""
    bulk_findings(county_a, 25)
    monkeypatch.setattr(ledgers, "CHUNK_SIZE", 10)
    out = io.BytesIO()
    # The count, the reviews' names, then the findings and two prefetches for each of three
    # chunks.
    with django_assert_num_queries(1 + 1 + 1 + 2 * 3):
        ledger = ledgers.county_ledger(Finding.objects.in_ledger_order(), scope="测试", today=TODAY)
        xlsx.write_ledger(out, ledger)
    ws = openpyxl.load_workbook(out)["整改台账"]
    assert len(data_rows(ws)) == 25


# Memory: the peak Python allocation while producing the download, for ten times the rows.


def peak_bytes(produce) -> int:
    """The most memory Python held while `produce` ran, above what it held before."""
    tracing = tracemalloc.is_tracing()  # pytest may have started it already
    if not tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        produce()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        if not tracing:
            tracemalloc.stop()


def test_download_memory_does_not_grow_with_the_findings(client, nina, county_a, monkeypatch):
    """The nation's download of 200 and of 2,000 findings, read 100 at a time: the peak
    stays within a small bound of each other (the file on disk is what grows)."""
    monkeypatch.setattr(ledgers, "CHUNK_SIZE", 100)
    client.force_login(nina)

    def produce():
        response = client.get(URL)
        size = sum(len(chunk) for chunk in response.streaming_content)
        assert size > 0

    bulk_findings(county_a, 200)
    produce()  # imports, templates, translations: once
    small = peak_bytes(produce)
    bulk_findings(county_a, 1800)
    large = peak_bytes(produce)
    assert large < small + 1_000_000, (small, large)


def test_renderer_runs_no_queries(nation, django_assert_num_queries):
    data = selectors.nation_dashboard(TODAY)
    findings = Finding.objects.order_by("county__province__code", "county__code", "id")
    rows = list(selectors.ledger_rows(findings, TODAY))
    with django_assert_num_queries(0):
        ledger = ledgers.NationLedger("t", "n", data["rows"], data["total"], data["counties"], rows)
        content = xlsx.as_bytes(xlsx.write_nation, ledger)
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[:2] == ["总览", "区县"]
