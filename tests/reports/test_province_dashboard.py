"""The province dashboard (/provinces/<code>/): Jiangxi's seven counties of seed 001 from the
demo, the central funds each disbursed, sorting, the red line, totals, who may open it, the
charts' data and a query count that does not grow with the number of counties.

The demo is loaded once for the module inside a transaction that is rolled back at the end; each
test still runs in its own savepoint."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from decimal import Decimal

import pytest

from issues import services
from issues.models import County, Finding, Project, Province, Role, User
from reports import selectors
from reports.models import Indicator, IndicatorReading
from tests.conftest import Factory
from tests.reports.conftest import travel

TODAY = dt.date(2019, 9, 10)
URL = "/provinces/360000/"

# Seed 001: the seven counties (in code order) and the central funds disbursed of 1500万元 each.
COUNTIES = {
    "360483": "九江市庐山市",
    "360821": "吉安市吉安县",
    "360926": "宜春市铜鼓县",
    "361022": "抚州市黎川县",
    "361030": "抚州市广昌县",
    "361121": "上饶市上饶县",
    "361127": "上饶市余干县",
}
FUNDS = {
    "360483": "0.0%",
    "360821": "9.8%",
    "360926": "0.0%",
    "361022": "2.4%",
    "361030": "0.0%",
    "361121": "13.3%",
    "361127": "17.0%",
}


@pytest.fixture(autouse=True)
def demo(demo_db, db, settings):
    settings.RECTIFY_RED_LINE_PERCENT = 40
    with travel(TODAY):
        yield


@pytest.fixture
def jiangxi() -> Province:
    return Province.objects.get(code="360000")


@pytest.fixture
def reviewer() -> User:
    return User.objects.get(username="reviewer-360000")


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def county_rows(html: str) -> dict[str, str]:
    """The county rows of the table by county code, in page order."""
    return dict(re.findall(r'<tr class="state-\w+" data-county="(\d+)">(.*?)</tr>', html, re.S))


def cells(row: str) -> list[str]:
    return [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def order_on_page(client, o: str | None = None) -> list[str]:
    response = client.get(URL, {"o": o} if o is not None else {})
    assert response.status_code == 200
    return list(county_rows(response.content.decode()))


def chart(html: str, name: str) -> dict:
    found = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', html)
    assert found, f"no chart {name}"
    return json.loads(found.group(1))


def progress_indicator(county: County, key: str, plan: str, actual: str) -> Indicator:
    """An indicator of the county's project with one reading (as staff would enter it)."""
    ind = Indicator.objects.create(
        project=county.projects.get(), key=key, name=key, unit="%", plan=Decimal(plan)
    )
    IndicatorReading.objects.create(indicator=ind, date=TODAY, value=Decimal(actual))
    return ind


def close_one(code: str) -> Finding:
    staff = User.objects.get(username=f"staff-{code}")
    leader = User.objects.get(username=f"leader-{code}")
    finding = Finding.objects.filter(county__code=code).first()
    finding = services.finding_start(user=staff, finding=finding)
    finding = services.finding_submit_closeout(
        user=staff, finding=finding, result="已拨付到位。", evidence_waiver="财政拨付凭证已报省厅。"
    )
    return services.finding_close(user=leader, finding=finding)


class TestJiangxiFigures:
    def test_seven_counties_with_their_disbursement(self, jiangxi):
        data = selectors.province_dashboard(jiangxi, TODAY)
        assert {r.county.code: r.county.name for r in data["rows"]} == COUNTIES
        assert {r.county.code: round(r.funds, 1) for r in data["rows"]} == {
            "360483": 0.0,
            "360821": 9.8,
            "360926": 0.0,
            "361022": 2.4,
            "361030": 0.0,
            "361121": 13.3,
            "361127": 17.0,
        }
        assert {r.batch for r in data["rows"]} == {3}
        # Seed 001 gives no investment figures for these counties: nothing is below the line.
        assert all(r.investment is None and r.overall is None for r in data["rows"])
        assert not any(r.below_red_line for r in data["rows"])

    def test_findings_of_the_notice_per_county(self, jiangxi):
        data = selectors.province_dashboard(jiangxi, TODAY)
        # Nine notice items concern all seven; one (物流数据共享) only 铜鼓县, which recorded
        # six of them itself and keeps those.
        assert {r.county.code: r.tally.total for r in data["rows"]} == {
            code: 10 if code == "360926" else 9 for code in COUNTIES
        }
        # The notice wanted everything done by 2017-10-30: all overdue, all yellow (red is
        # for a county below the red line, and none is).
        assert {r.state for r in data["rows"]} == {"yellow"}
        total = data["total"]
        assert (total.total, total.closed, total.overdue) == (64, 0, 64)
        assert data["red_line"] == 40.0

    def test_page_rows(self, as_reviewer):
        html = as_reviewer.get(URL).content.decode()
        rows = county_rows(html)
        assert list(rows) == list(COUNTIES)  # by code when none is below the line
        for code, name in COUNTIES.items():
            cols = cells(rows[code])
            assert cols[0] == f"{name} {code}"
            assert cols[1] == "第3批"
            assert cols[-1] == FUNDS[code], code
            assert cols[-2] == "—"  # no investment figure
            assert f'href="/counties/{code}/"' in rows[code]
        assert cells(rows["360926"])[2:6] == ["10", "0", "0%", "10"]

    def test_totals_row(self, as_reviewer):
        html = as_reviewer.get(URL).content.decode()
        tfoot = re.search(r"<tfoot[^>]*>(.*?)</tfoot>", html, re.S).group(1)
        assert cells(tfoot) == ["全省合计", "", "64", "0", "0%", "64", "0", "0", "", ""]

    def test_totals_follow_a_close_out(self, as_reviewer, jiangxi):
        close_one("361121")
        data = selectors.province_dashboard(jiangxi, TODAY)
        assert (data["total"].total, data["total"].closed, data["total"].overdue) == (64, 1, 63)
        row = next(r for r in data["rows"] if r.county.code == "361121")
        assert (row.tally.closed, row.tally.overdue) == (1, 8)
        html = as_reviewer.get(URL).content.decode()
        assert cells(county_rows(html)["361121"])[2:6] == ["9", "1", "11%", "8"]

    def test_the_notice_is_listed(self, as_reviewer):
        html = as_reviewer.get(URL).content.decode()
        assert "关于对第三批电子商务进农村综合示范县工作督查情况的通报" in html
        assert "赣商务建设字〔2017〕193号 · 整改报告 2017年10月30日前报送" in html


class TestSorting:
    def test_by_funds(self, as_reviewer):
        order = order_on_page(as_reviewer, "funds")
        assert order[3:] == ["361022", "360821", "361121", "361127"]
        assert set(order[:3]) == {"360483", "360926", "361030"}

    def test_by_funds_descending(self, as_reviewer):
        order = order_on_page(as_reviewer, "-funds")
        assert order[:4] == ["361127", "361121", "360821", "361022"]
        assert set(order[4:]) == {"360483", "360926", "361030"}

    def test_by_overdue(self, as_reviewer):
        close_one("361121")  # 8 overdue; 铜鼓县 10; the others 9
        assert order_on_page(as_reviewer, "overdue")[0] == "361121"
        assert order_on_page(as_reviewer, "overdue")[-1] == "360926"
        assert order_on_page(as_reviewer, "-overdue")[0] == "360926"
        assert order_on_page(as_reviewer, "-overdue")[-1] == "361121"

    def test_by_county(self, as_reviewer):
        assert order_on_page(as_reviewer, "county") == sorted(COUNTIES)
        assert order_on_page(as_reviewer, "-county") == sorted(COUNTIES, reverse=True)

    def test_unknown_key_keeps_the_default_order(self, as_reviewer):
        assert order_on_page(as_reviewer, "nonsense") == list(COUNTIES)

    def test_header_links_toggle_the_direction(self, as_reviewer):
        html = as_reviewer.get(URL, {"o": "funds"}).content.decode()
        assert 'href="?o=-funds"' in html
        assert 'href="?o=overdue"' in html
        html = as_reviewer.get(URL, {"o": "-funds"}).content.decode()
        assert 'href="?o="' in html

    def test_counties_without_the_figure_go_last_either_way(self, as_reviewer, jiangxi):
        county = Factory.county(jiangxi, "360999", "测试县")
        Project.objects.create(county=county, name="测试县示范项目", year=2016, batch=3)
        assert order_on_page(as_reviewer, "funds")[-1] == "360999"
        assert order_on_page(as_reviewer, "-funds")[-1] == "360999"


class TestRedLine:
    def test_overall_progress_below_the_line_comes_first(self, as_reviewer):
        progress_indicator(County.objects.get(code="361022"), Indicator.Key.OVERALL, "100", "30")
        html = as_reviewer.get(URL).content.decode()
        rows = county_rows(html)
        assert list(rows)[0] == "361022"
        assert list(rows)[1:] == [c for c in COUNTIES if c != "361022"]
        assert '<span class="badge text-bg-danger">低于红线</span>' in rows["361022"]
        assert not any("低于红线" in row for code, row in rows.items() if code != "361022")
        assert re.search(r'<tr class="state-red" data-county="361022">', html)

    def test_investment_counts_when_there_is_no_overall_figure(self, as_reviewer, jiangxi):
        progress_indicator(
            County.objects.get(code="361127"), Indicator.Key.INVESTMENT, "3000", "1050"
        )  # 35%
        progress_indicator(County.objects.get(code="361022"), Indicator.Key.OVERALL, "100", "30")
        # 上饶县's investment is behind, but its overall progress is not.
        progress_indicator(
            County.objects.get(code="361121"), Indicator.Key.INVESTMENT, "3000", "300"
        )
        progress_indicator(County.objects.get(code="361121"), Indicator.Key.OVERALL, "100", "60")
        rows = county_rows(as_reviewer.get(URL).content.decode())
        assert list(rows)[:2] == ["361022", "361127"]
        assert cells(rows["361127"])[-2] == "35.0%"
        assert "低于红线" in rows["361127"]
        assert "低于红线" not in rows["361121"]
        assert cells(rows["361121"])[-2] == "10.0%"
        below = [r.county.code for r in selectors.province_dashboard(jiangxi, TODAY)["rows"]]
        assert below[:2] == ["361022", "361127"]

    def test_at_the_line_is_not_below(self, jiangxi):
        progress_indicator(County.objects.get(code="361022"), Indicator.Key.OVERALL, "100", "40")
        row = selectors.province_dashboard(jiangxi, TODAY)["rows"][0]
        assert (row.county.code, row.below_red_line) == ("360483", False)

    def test_the_line_is_a_setting(self, jiangxi, settings):
        progress_indicator(County.objects.get(code="361022"), Indicator.Key.OVERALL, "100", "30")
        settings.RECTIFY_RED_LINE_PERCENT = 25
        data = selectors.province_dashboard(jiangxi, TODAY)
        assert not any(r.below_red_line for r in data["rows"])
        assert data["red_line"] == 25.0

    def test_the_latest_reading_counts(self, jiangxi):
        county = County.objects.get(code="361022")
        ind = progress_indicator(county, Indicator.Key.OVERALL, "100", "30")
        IndicatorReading.objects.create(indicator=ind, date=TODAY, value=Decimal("45"))
        IndicatorReading.objects.create(
            indicator=ind, date=TODAY - dt.timedelta(days=30), value=Decimal("10")
        )
        row = next(
            r for r in selectors.province_dashboard(jiangxi, TODAY)["rows"] if r.county == county
        )
        assert (row.overall, row.below_red_line) == (45.0, False)


class TestCharts:
    def test_the_charts_carry_the_tables_numbers(self, as_reviewer):
        close_one("361121")
        html = as_reviewer.get(URL).content.decode()
        rows = [cells(r) for r in county_rows(html).values()]
        progress = chart(html, "progress")
        assert progress["xAxis"]["data"] == [
            "庐山市",
            "吉安县",
            "铜鼓县",
            "黎川县",
            "广昌县",
            "上饶县",
            "余干县",
        ]
        funds = {s["name"]: s["data"] for s in progress["series"]}["中央资金拨付率"]
        assert [f"{v:.1f}%" for v in funds] == [r[-1] for r in rows]
        assert funds == [0.0, 9.8, 0.0, 2.4, 0.0, 13.3, 17.0]
        assert progress["series"][0]["markLine"]["data"] == [{"yAxis": 40.0}]
        findings = {s["name"]: s["data"] for s in chart(html, "findings")["series"]}
        assert findings["已销号"] == [int(r[3]) for r in rows]
        assert findings["逾期"] == [int(r[5]) for r in rows]
        assert [sum(col) for col in zip(*findings.values(), strict=True)] == [
            int(r[2]) for r in rows
        ]

    def test_the_charts_follow_the_sort(self, as_reviewer):
        html = as_reviewer.get(URL, {"o": "-funds"}).content.decode()
        funds = {s["name"]: s["data"] for s in chart(html, "progress")["series"]}
        assert funds["中央资金拨付率"][:4] == [17.0, 13.3, 9.8, 2.4]


class TestAccess:
    SICHUAN = "/provinces/510000/"

    def test_reviewer_of_the_province(self, client, rita):
        client.force_login(rita)
        response = client.get(self.SICHUAN)
        assert response.status_code == 200
        assert response.templates[0].name == "reports/province_dashboard.html"
        assert "广元市昭化区" in response.content.decode()

    def test_reviewer_of_another_province_gets_404(self, client, quinn):
        client.force_login(quinn)  # 江西省's reviewer
        assert client.get(self.SICHUAN).status_code == 404
        assert client.get(URL).status_code == 200

    def test_county_user_of_the_province_gets_403(self, client, bob):
        client.force_login(bob)
        assert client.get(self.SICHUAN).status_code == 403

    @pytest.mark.parametrize("username", ["staff-510811", "leader-510811"])
    def test_demo_county_users_of_the_province_get_403(self, client, username):
        client.force_login(User.objects.get(username=username))
        assert client.get(self.SICHUAN).status_code == 403

    def test_county_user_of_another_province_gets_404(self, client):
        client.force_login(User.objects.get(username="staff-360926"))
        assert client.get(self.SICHUAN).status_code == 404

    def test_national_user(self, client, nina):
        client.force_login(nina)
        assert client.get(self.SICHUAN).status_code == 200
        assert client.get(URL).status_code == 200

    def test_anonymous_to_login(self, client):
        response = client.get(URL)
        assert (response.status_code, response.url) == (302, f"/accounts/login/?next={URL}")

    def test_unknown_province(self, client, nina):
        client.force_login(nina)
        assert client.get("/provinces/990000/").status_code == 404

    def test_reviewer_lands_on_the_province(self, client, reviewer):
        client.force_login(reviewer)
        response = client.get("/")
        assert (response.status_code, response.url) == (302, URL)


# Session, user, the province; the tallies per county, the counties with their batch and
# latest figures (subqueries), the urges per county (one aggregate); then while rendering: the
# user's province (menu), the user's groups, the notices.
PROVINCE_DASHBOARD_QUERIES = 9


class TestQueryCounts:
    @pytest.fixture
    def fill(self):
        """A province of n counties, each with a project, figures and two findings."""
        province = Factory.province("530000", "云南省")
        reviewer = Factory.user("yun", Role.PROVINCE_REVIEWER, province=province)

        def fill(n: int) -> None:
            for i in range(n):
                county = Factory.county(province, f"53{i:04d}", f"示范县{i}")
                staff = Factory.user(f"staff-53{i:04d}", Role.COUNTY_STAFF, county=county)
                project = Project.objects.create(
                    county=county, name=f"示范县{i}项目", year=2018, batch=1 + i % 3
                )
                for key, actual in (
                    (Indicator.Key.INVESTMENT, 10 + i),
                    (Indicator.Key.FUNDS, 20 + i),
                    (Indicator.Key.OVERALL, 30 + i),
                ):
                    ind = Indicator.objects.create(
                        project=project, key=key, name=key, unit="%", plan=100
                    )
                    IndicatorReading.objects.create(indicator=ind, date=TODAY, value=actual)
                review = Factory.review(county)
                for j in range(2):
                    Factory.finding(staff, county, review, deadline=TODAY + dt.timedelta(j - 1))

        return province, reviewer, fill

    @pytest.mark.parametrize("n", [3, 30])
    def test_same_for_3_and_30_counties(self, client, fill, n, django_assert_num_queries):
        province, reviewer, fill = fill
        fill(n)
        client.force_login(reviewer)
        with django_assert_num_queries(PROVINCE_DASHBOARD_QUERIES):
            response = client.get(f"/provinces/{province.code}/")
        assert response.status_code == 200
        rows = response.context["rows"]
        assert len(rows) == n
        assert response.context["total"].total == 2 * n
        assert response.context["total"].overdue == n
        assert sum(r.below_red_line for r in rows) == min(n, 10)  # overall 30..39%
