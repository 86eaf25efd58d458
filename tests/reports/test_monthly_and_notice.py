"""The 月度整改进展情况表 (issue 15 item 6): the month's numbers, the month form, scoping,
the Word table read back, the query counts, and the PDF."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from issues.models import Finding, Progress, Review, Urge
from reports import selectors
from tests.conftest import PASSWORD, Factory
from tests.reports.test_report_docx import require_tool

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date):
    """The clock at 10:00 in Shanghai on `day` (created_at of what is written then)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), SHANGHAI), tick=False)


def close(finding: Finding, day: dt.date) -> None:
    Finding.objects.filter(pk=finding.pk).update(status=Finding.Status.CLOSED, closed_on=day)


def note(finding: Finding, day: dt.date, author, *, withdrawn: bool = False) -> Progress:
    return Progress.objects.create(
        finding=finding,
        date=day,
        note="已推进。",
        author=author,
        withdrawn_at=dt.datetime(2019, 9, 20, tzinfo=SHANGHAI) if withdrawn else None,
    )


def urge(finding: Finding, day: dt.date) -> None:
    with at(day):
        Urge.objects.create(finding=finding, message="请加快整改。")


@pytest.fixture
def month_data(alice, county_a, review_a):
    """September 2019 in 昭化区, hand-counted:

    项目管理问题: f1 (deadline 9-20, open: became overdue; notes 8-30, 9-03, 9-10 withdrawn;
    urged 9-12 and 10-01) and f2 (deadline 8-10, closed 9-05). 资金问题: f3 (deadline 10-30,
    closed 10-02: open at the end of September), f4 (deadline 9-30, closed 9-30: not overdue;
    note 9-15), f5 (of a later review, held from 10-03: not in September's table)."""
    with at(dt.date(2019, 8, 1)):
        f1 = Factory.finding(alice, county_a, review_a, deadline=dt.date(2019, 9, 20))
        f2 = Factory.finding(alice, county_a, review_a, deadline=dt.date(2019, 8, 10))
        f3 = Factory.finding(
            alice, county_a, review_a, category="资金问题", deadline=dt.date(2019, 10, 30)
        )
        f4 = Factory.finding(
            alice, county_a, review_a, category="资金问题", deadline=dt.date(2019, 9, 30)
        )
    later = Factory.review(
        county_a, kind=Review.Kind.PROVINCE_SUPERVISION, team="省督查组", start=dt.date(2019, 10, 3)
    )
    with at(dt.date(2019, 10, 5)):
        Factory.finding(alice, county_a, later, category="资金问题")
    close(f2, dt.date(2019, 9, 5))
    close(f3, dt.date(2019, 10, 2))
    close(f4, dt.date(2019, 9, 30))
    note(f1, dt.date(2019, 8, 30), alice)
    note(f1, dt.date(2019, 9, 3), alice)
    note(f1, dt.date(2019, 9, 10), alice, withdrawn=True)
    note(f4, dt.date(2019, 9, 15), alice)
    urge(f1, dt.date(2019, 9, 12))
    urge(f1, dt.date(2019, 10, 1))
    return {"f1": f1, "f3": f3}


SEPTEMBER = {
    # category: progress, closed, became_overdue, urged, total, closed_total, open, overdue
    "项目管理问题": (1, 1, 1, 1, 2, 1, 1, 1),
    "资金问题": (1, 1, 0, 0, 2, 1, 1, 0),
}
NUMBERS = (
    "progress",
    "closed",
    "became_overdue",
    "urged",
    "total",
    "closed_total",
    "open_total",
    "overdue_total",
)


def numbers(row) -> tuple[int, ...]:
    return tuple(getattr(row, key) for key in NUMBERS)


def test_the_month_is_counted_by_hand(month_data, county_a, django_assert_num_queries):
    findings = Finding.objects.active().filter(county=county_a)
    with django_assert_num_queries(1):
        rows = selectors.monthly_progress(findings, dt.date(2019, 9, 1))
    assert {r.category: numbers(r) for r in rows} == SEPTEMBER
    assert {r.review for r in rows} == {"商务部复核组"}


def test_august_and_october_count_their_own_months(month_data, county_a):
    findings = Finding.objects.active().filter(county=county_a)
    august = {
        r.category: numbers(r) for r in selectors.monthly_progress(findings, dt.date(2019, 8, 1))
    }
    # August: the note of 8-30; f2's deadline 8-10 passed, not closed yet.
    assert august == {
        "项目管理问题": (1, 0, 1, 0, 2, 0, 2, 1),
        "资金问题": (0, 0, 0, 0, 2, 0, 2, 0),
    }
    october = {
        (r.review, r.category): numbers(r)
        for r in selectors.monthly_progress(findings, dt.date(2019, 10, 1))
    }
    # October: f3 closed 10-02, f5's review held, f1 urged again and still overdue.
    assert october == {
        ("商务部复核组", "项目管理问题"): (0, 0, 0, 1, 2, 1, 1, 1),
        ("商务部复核组", "资金问题"): (0, 1, 0, 0, 2, 2, 0, 0),
        ("省督查组", "资金问题"): (0, 0, 0, 0, 1, 0, 1, 0),
    }


def test_a_finding_counts_from_its_review_not_from_its_import(alice, county_a, review_a):
    """Entered on 10-05 (imported after the fact) but raised by the review of 2019-04-25: in
    August's table. Without a review date, the day it was entered counts."""
    with at(dt.date(2019, 10, 5)):
        Factory.finding(alice, county_a, review_a, deadline=dt.date(2019, 6, 30))
        undated = Review.objects.create(kind=Review.Kind.PROVINCE_SUPERVISION, team="市督查组")
        undated.counties.add(county_a)
        Factory.finding(alice, county_a, undated, category="资金问题")
    findings = Finding.objects.active().filter(county=county_a)
    august = selectors.monthly_progress(findings, dt.date(2019, 8, 1))
    assert [(r.review, r.category, r.total, r.overdue_total) for r in august] == [
        ("商务部复核组", "项目管理问题", 1, 1)
    ]
    october = selectors.monthly_progress(findings, dt.date(2019, 10, 1))
    assert {(r.review, r.total) for r in october} == {("商务部复核组", 1), ("市督查组", 1)}


def test_the_month_s_progress_is_the_office_s_record(alice, una, county_a, review_a, unit_a):
    """A unit's note counts once the office accepted it; waiting or returned, it does not."""
    finding = Factory.finding(alice, county_a, review_a, units=[unit_a])
    for status in Progress.ReviewStatus:
        Progress.objects.create(
            finding=finding,
            date=dt.date(2019, 9, 2),
            note=f"单位报送：{status.label}。",
            author=una,
            unit=unit_a if status else None,
            review_status=status,
        )
    findings = Finding.objects.active().filter(county=county_a)
    [row] = selectors.monthly_progress(findings, dt.date(2019, 9, 1))
    assert row.progress == 2  # the office's own note and the accepted one
    assert Progress.objects.adopted().count() == 2


def login(client, user):
    client.login(username=user.username, password=PASSWORD)


def test_the_county_table_reads_back_from_word(client, lee, county_a, month_data):
    login(client, lee)
    with at(dt.date(2019, 10, 15)):
        response = client.get(
            reverse("county_monthly_docx", args=[county_a.code]), {"month": "2019-09"}
        )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "广元市昭化区电子商务进农村综合示范问题整改月度进展情况表\n（2019年9月）"
    assert (
        texts[0].replace("\n", "")
        == "广元市昭化区电子商务进农村综合示范问题整改月度进展情况表（2019年9月）"
    )
    assert texts[1].startswith("填报单位：广元市昭化区")
    assert "填报日期：2019年10月15日" in texts[1]
    section = doc.sections[0]
    assert section.page_width > section.page_height  # landscape A4
    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][:4] == ["检查", "问题类别", "本月新增进展", "本月销号"]
    body = {row[1]: tuple(int(x) for x in row[2:]) for row in cells[1:-1]}
    assert body == SEPTEMBER
    assert cells[-1][0] == "合计"
    assert [int(x) for x in cells[-1][2:]] == [2, 2, 1, 1, 4, 2, 2, 1]


def test_last_month_is_the_default(client, lee, county_a, month_data):
    login(client, lee)
    with at(dt.date(2019, 10, 15)):
        response = client.get(reverse("county_monthly_docx", args=[county_a.code]))
    doc = Document(io.BytesIO(response.content))
    assert doc.paragraphs[0].text.endswith("（2019年9月）")


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2019-13", "月份“2019-13”无效"),
        ("九月", "月份“九月”无效"),
        ("2019-09-01", "请按“2019-09”的格式"),
        ("2020-01", "月份不能晚于本月。"),
    ],
)
def test_an_invalid_month_goes_back_with_a_chinese_message(client, lee, county_a, month, message):
    login(client, lee)
    with at(dt.date(2019, 10, 15)):
        response = client.get(
            reverse("county_monthly_docx", args=[county_a.code]), {"month": month}, follow=True
        )
    assert response.redirect_chain[0][0] == reverse("county_dashboard", args=[county_a.code])
    assert message in " ".join(str(m) for m in response.context["messages"])


def test_scoping(client, alice, bob, rita, quinn, una, county_a, province, month_data):
    url = reverse("county_monthly_docx", args=[county_a.code])
    province_url = reverse("province_monthly_docx", args=[province.code])
    for user, county_status, province_status in [
        (bob, 404, 403),  # another county; his own province's table is the province's
        (quinn, 404, 404),  # another province
        (una, 403, 403),  # a unit's contact: not the leaders' table
        (rita, 200, 200),
        (alice, 200, 403),
    ]:
        login(client, user)
        assert client.get(url, {"month": "2019-09"}).status_code == county_status, user
        assert client.get(province_url, {"month": "2019-09"}).status_code == province_status, user
        client.logout()


def test_the_province_table_has_a_row_per_county(
    client, rita, province, county_a, county_b, bob, month_data, django_assert_num_queries
):
    review_b = Factory.review(county_b)
    with at(dt.date(2019, 8, 1)):
        b1 = Factory.finding(bob, county_b, review_b, deadline=dt.date(2019, 9, 1))
    note(b1, dt.date(2019, 9, 2), bob)
    other = Factory.county(province, "510813", "广元市利州区")
    assert not other.findings.exists()
    findings = Finding.objects.active().filter(county__province=province)
    with django_assert_num_queries(1):
        rows = selectors.monthly_progress(findings, dt.date(2019, 9, 1))
    assert [(r.county, r.category, numbers(r)) for r in rows] == [
        ("广元市昭化区", "项目管理问题", SEPTEMBER["项目管理问题"]),
        ("广元市昭化区", "资金问题", SEPTEMBER["资金问题"]),
        ("广元市朝天区", "项目管理问题", (1, 0, 1, 0, 1, 0, 1, 1)),
    ]
    login(client, rita)
    url = reverse("province_monthly_docx", args=[province.code])
    with at(dt.date(2019, 10, 15)), django_assert_num_queries(PROVINCE_VIEW_QUERIES):
        response = client.get(url, {"month": "2019-09"})
    doc = Document(io.BytesIO(response.content))
    assert (
        doc.paragraphs[0].text.replace("\n", "")
        == "四川省电子商务进农村综合示范问题整改月度进展情况表（2019年9月）"
    )
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[0][:3] == ["示范县", "检查", "问题类别"]
    assert [row[0] for row in cells[1:-1]] == ["广元市昭化区", "广元市昭化区", "广元市朝天区"]
    assert [int(x) for x in cells[-1][3:]] == [3, 2, 2, 1, 5, 2, 3, 2]


# session, user, the user's groups (permissions), the county or province, the rows (one
# query, whatever the number of findings and counties), the download's audit event
PROVINCE_VIEW_QUERIES = 6
COUNTY_VIEW_QUERIES = 6


def test_the_county_view_query_count(client, lee, county_a, month_data, django_assert_num_queries):
    login(client, lee)
    url = reverse("county_monthly_docx", args=[county_a.code])
    with at(dt.date(2019, 10, 15)), django_assert_num_queries(COUNTY_VIEW_QUERIES):
        assert client.get(url, {"month": "2019-09"}).status_code == 200


def test_the_dashboards_offer_the_table(client, lee, rita, county_a, province):
    login(client, lee)
    page = client.get(reverse("county_dashboard", args=[county_a.code])).content.decode()
    assert reverse("county_monthly_docx", args=[county_a.code]) in page
    client.logout()
    login(client, rita)
    page = client.get(reverse("province_dashboard", args=[province.code])).content.decode()
    assert reverse("province_monthly_docx", args=[province.code]) in page


def test_the_table_converts_to_pdf(client, lee, county_a, month_data, tmp_path):
    require_tool("soffice", "libreoffice")
    pdftotext = require_tool("pdftotext")
    import subprocess

    login(client, lee)
    with at(dt.date(2019, 10, 15)):
        response = client.get(
            reverse("county_monthly_pdf", args=[county_a.code]), {"month": "2019-09"}
        )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    pdf = tmp_path / "monthly.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "月度进展情况表" in text
    assert "项目管理问题" in text
