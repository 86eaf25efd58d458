"""The landing page: a county's, a province's or the country's rectification at a glance."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import call_command

from issues import services
from issues.models import Finding, Review

TODAY = dt.date(2019, 9, 10)


@pytest.fixture(autouse=True)
def frozen_today(settings):
    settings.RECTIFY_WARNING_DAYS = 14
    settings.RECTIFY_UPCOMING_DAYS = 14
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def _text(html: str) -> str:
    """The page's text without tags and with whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _cells(html: str, first_cell: str) -> list[str]:
    """The cells' text of the table row whose first cell contains `first_cell`."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells and first_cell in cells[0]:
            return cells
    raise AssertionError(f"no row for {first_cell}")


@pytest.fixture
def county_a_ledger(alice, county_a, review_a, unit_a, unit_a2, factory):
    """County A: MOFCOM review with 3 findings (1 closed, 1 overdue, 1 due soon) and a
    province evaluation with 1 finding."""
    province_review = factory.review(
        county_a,
        kind=Review.Kind.PROVINCE_EVALUATION,
        team="省绩效评价组",
        start=dt.date(2019, 5, 24),
    )
    findings = {
        "overdue": factory.finding(
            alice,
            county_a,
            review_a,
            description="村级站点运营效果欠佳。",
            deadline=dt.date(2019, 9, 1),
            units=[unit_a],
        ),
        "soon": factory.finding(
            alice,
            county_a,
            review_a,
            description="物流资源未实现整合。",
            deadline=dt.date(2019, 9, 20),
            units=[unit_a2, unit_a],
        ),
        "closed": factory.finding(
            alice,
            county_a,
            review_a,
            description="资金支付统计不全。",
            deadline=dt.date(2019, 5, 30),
            status=Finding.Status.CLOSED,
            result="已建立台账",
        ),
        "province": factory.finding(
            alice,
            county_a,
            province_review,
            description="培训完成率较低。",
            deadline=dt.date(2019, 10, 30),
        ),
    }
    services.progress_add(
        user=alice,
        finding=findings["overdue"],
        note="已完成站点标识统一。",
        date=dt.date(2019, 9, 2),
    )
    services.progress_add(
        user=alice, finding=findings["soon"], note="已与快递企业签订共配协议。", date=TODAY
    )
    return findings


class TestCountyHome:
    def test_tallies_per_review(self, client, alice, county_a_ledger):
        client.force_login(alice)
        response = client.get("/", follow=True)
        assert response.status_code == 200
        assert response.templates[0].name == "reports/county_dashboard.html"
        html = response.content.decode()
        assert "广元市昭化区" in html
        assert "截至 2019年9月10日" in html
        # 检查, 时间, 问题数, 已销号 (and how: against the original deadline), 未销号, 已逾期,
        # 即将到期, 销号率
        assert _cells(html, "商务部复核组") == [
            "商务部复核组",
            "3",
            "1 按期1 · 延期0 · 逾期0",
            "2",
            "1",
            "1",
            "33%",
        ]
        assert _cells(html, "省绩效评价组") == [
            "省绩效评价组",
            "1",
            "0",
            "1",
            "0",
            "0",
            "0%",
        ]
        assert _cells(html, "合计")[1:] == ["4", "1 按期1 · 延期0 · 逾期0", "3", "1", "1", "25%"]

    def test_summary_sentence(self, client, alice, county_a_ledger):
        client.force_login(alice)
        text = _text(client.get("/", follow=True).content.decode())
        assert (
            "截至目前，商务部复核组发现问题3个，已销号问题1个，2个问题正在加紧整改；"
            "省绩效评价组发现问题1个，已销号问题0个，1个问题正在加紧整改。"
        ) in text

    def test_upcoming_deadlines_are_open_findings_by_date(self, client, alice, county_a_ledger):
        client.force_login(alice)
        response = client.get("/", follow=True)
        upcoming = list(response.context["upcoming"])
        assert upcoming == [
            county_a_ledger["overdue"],
            county_a_ledger["soon"],
            county_a_ledger["province"],
        ]
        assert upcoming[1].lead_unit_name == "区财政局"
        html = response.content.decode()
        assert "逾期 9 天" in html
        assert "剩 10 天" in html

    def test_recent_progress(self, client, alice, county_a_ledger):
        client.force_login(alice)
        response = client.get("/", follow=True)
        notes = [p.note for p in response.context["recent"]]
        assert notes == ["已与快递企业签订共配协议。", "已完成站点标识统一。"]
        assert "已与快递企业签订共配协议。" in response.content.decode()

    def test_leader_sees_the_same_without_the_create_button(
        self, client, alice, lee, county_a_ledger
    ):
        client.force_login(lee)
        html = client.get("/", follow=True).content.decode()
        assert "商务部复核组发现问题3个" in html
        assert 'href="/findings/new/"' not in html
        client.force_login(alice)
        assert 'href="/findings/new/"' in client.get("/", follow=True).content.decode()

    def test_only_the_users_county(self, client, bob, county_a_ledger, finding_b):
        client.force_login(bob)
        response = client.get("/", follow=True)
        assert response.context["total"].total == 1
        html = response.content.decode()
        assert "广元市朝天区" in html
        assert "村级站点运营效果欠佳" not in html
        assert "商务部复核组发现问题1个，已销号问题0个，1个问题正在加紧整改。" in _text(html)

    def test_county_without_findings(self, client, alice):
        client.force_login(alice)
        html = client.get("/", follow=True).content.decode()
        assert "还没有登记问题。" in html
        assert "截至目前" not in html
        assert "没有未销号且有完成时限的问题。" in html
        assert "暂无进展记录。" in html


class TestProvinceHome:
    def test_counties_side_by_side(self, client, rita, county_a_ledger, finding_b, county_b):
        client.force_login(rita)
        response = client.get("/", follow=True)
        assert response.templates[0].name == "reports/province_dashboard.html"
        html = response.content.decode()
        assert "四川省" in html
        # 区县 (代码), 批次, 问题数, 已销号, 销号率, 已逾期, 逾期销号, 被催办, 投资完成率,
        # 中央资金拨付率
        assert _cells(html, "广元市昭化区") == [
            "广元市昭化区 510811",
            "—",
            "4",
            "1",
            "25%",
            "1",
            "0",
            "0",
            "—",
            "—",
        ]
        assert _cells(html, "广元市朝天区")[:4] == ["广元市朝天区 510812", "—", "1", "0"]
        assert _cells(html, "全省合计")[2:4] == ["5", "1"]
        assert 'href="/counties/510812/"' in html

    def test_county_without_findings_is_listed(self, client, rita, county_a_ledger, county_b):
        client.force_login(rita)
        html = client.get("/", follow=True).content.decode()
        assert _cells(html, "广元市朝天区")[2:6] == ["0", "0", "—", "0"]

    def test_other_province_sees_none_of_it(self, client, quinn, county_a_ledger):
        client.force_login(quinn)
        html = client.get("/", follow=True).content.decode()
        assert "江西省" in html
        assert "本省还没有示范县。" in html
        assert "广元市昭化区" not in html


class TestNationalHome:
    """National users land on the national overview (tested in test_nation_dashboard.py)."""

    def test_national_user_goes_to_the_nation(self, client, nina, county_a_ledger):
        client.force_login(nina)
        response = client.get("/")
        assert (response.status_code, response.url) == (302, "/nation/")
        html = client.get("/", follow=True).content.decode()
        assert _cells(html, "四川省")[:6] == ["四川省 510000", "1", "4", "1", "25%", "1"]

    def test_superuser_goes_to_the_nation(self, client, county_a_ledger, factory):
        admin = factory.user("root")
        admin.is_superuser = True
        admin.save()
        client.force_login(admin)
        response = client.get("/", follow=True)
        assert response.templates[0].name == "reports/nation_dashboard.html"


class TestUnassignedHome:
    def test_user_without_county_or_province(self, client, county_a_ledger, factory):
        client.force_login(factory.user("newcomer"))
        response = client.get("/", follow=True)
        assert response.status_code == 200
        html = response.content.decode()
        assert "您的账号还没有分配区县或省份，请联系管理员。" in html
        assert "广元市昭化区" not in html
        assert "total" not in response.context

    def test_anonymous_goes_to_login(self, client):
        response = client.get("/")
        assert (response.status_code, response.url) == (302, "/accounts/login/?next=/")


class TestDemoData:
    @pytest.fixture
    def demo(self, db):
        call_command("load_demo", password="demo-password", stdout=io.StringIO())

    def test_summary_sentence_of_seed_000(self, client, demo):
        client.login(username="staff-510811", password="demo-password")
        text = _text(client.get("/", follow=True).content.decode())
        assert (
            "截至目前，商务部复核组发现问题15个，已销号问题8个，7个问题正在加紧整改；"
            "省绩效评价组发现问题10个，已销号问题4个，6个问题正在加紧整改。"
        ) in text

    def test_tallies_on_the_day_of_the_report(self, client, demo):
        client.login(username="staff-510811", password="demo-password")
        html = client.get("/", follow=True).content.decode()
        # The demo's close-outs were recorded from the report (closed by its date): on time.
        closed = "{} 按期{} · 延期0 · 逾期0".format
        assert _cells(html, "商务部复核组")[1:] == ["15", closed(8, 8), "7", "0", "0", "53%"]
        assert _cells(html, "省绩效评价组")[1:] == ["10", closed(4, 4), "6", "0", "0", "40%"]
        assert _cells(html, "合计")[1:] == ["25", closed(12, 12), "13", "0", "0", "48%"]

    def test_deadlines_draw_near(self, client, demo):
        with time_machine.travel(dt.datetime(2019, 9, 20, 10, tzinfo=dt.UTC), tick=False):
            client.login(username="staff-510811", password="demo-password")
            html = client.get("/", follow=True).content.decode()
        # Open items due 2019-09-30: MOFCOM 1.(4), 2.(1), 3.(1), 5.(1); province 1.(2), 2.(1),
        # 3.(1), 3.(2).
        assert _cells(html, "商务部复核组")[4:6] == ["0", "4"]
        assert _cells(html, "省绩效评价组")[4:6] == ["0", "4"]

    def test_province_reviewer_of_the_demo(self, client, demo):
        client.login(username="reviewer-510000", password="demo-password")
        html = client.get("/", follow=True).content.decode()
        assert _cells(html, "广元市昭化区")[:4] == ["广元市昭化区 510811", "第4批", "25", "12"]
        assert "宜春市铜鼓县" not in html
