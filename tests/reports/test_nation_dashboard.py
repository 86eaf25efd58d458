"""The national overview (/nation/): a row per province from the demo's two provinces, sorting,
the red line, totals, the charts' data, who may open it, the landing page and nav entry of
national users, and a query count that does not grow with provinces, counties or findings.

The demo is loaded once for the module inside a transaction that is rolled back at the end; each
test still runs in its own savepoint."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from issues.models import County, Project, Province, Role, User
from reports import selectors
from reports.models import Indicator, IndicatorReading
from tests.conftest import Factory
from tests.reports.conftest import travel
from tests.reports.test_province_dashboard import (
    TODAY,
    cells,
    chart,
    close_one,
    progress_indicator,
)

URL = "/nation/"
# Seed 001: central funds disbursed of 1,500万元 each; 638.4 of 10,500万元 in all (6.08%).
JIANGXI_FUNDS = [0.0, 147.0 / 15, 0.0, 36.0 / 15, 0.0, 200.0 / 15, 255.4 / 15]


@pytest.fixture(autouse=True)
def demo(demo_db, db, settings):
    settings.RECTIFY_RED_LINE_PERCENT = 40
    with travel(TODAY):
        yield


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.get(username="admin"))
    return client


def province_rows(html: str) -> dict[str, str]:
    """The province rows of the table by province code, in page order."""
    return dict(re.findall(r'<tr class="state-\w+" data-province="(\d+)">(.*?)</tr>', html, re.S))


def order_on_page(client, o: str | None = None) -> list[str]:
    response = client.get(URL, {"o": o} if o is not None else {})
    assert response.status_code == 200
    return list(province_rows(response.content.decode()))


class TestFigures:
    def test_a_row_per_province_from_its_counties(self):
        data = selectors.nation_dashboard(TODAY)
        rows = {r.province.code: r for r in data["rows"]}
        assert list(rows) == ["360000", "510000"]
        jiangxi, sichuan = rows["360000"], rows["510000"]
        assert (jiangxi.n_counties, jiangxi.tally.total, jiangxi.tally.overdue) == (7, 64, 64)
        assert sichuan.n_counties == 1
        assert (sichuan.tally.total, sichuan.tally.closed) == (25, 12)
        # The mean of the seven counties' disbursement: seed 001's 6.08% of the whole.
        assert jiangxi.funds == pytest.approx(sum(JIANGXI_FUNDS) / 7)
        assert round(jiangxi.funds, 2) == 6.08
        assert jiangxi.investment is None
        assert (jiangxi.below_red_line, sichuan.below_red_line) == (0, 0)

    def test_the_provinces_add_up_to_the_nation(self):
        data = selectors.nation_dashboard(TODAY)
        total = data["total"]
        assert total.province is None
        assert total.n_counties == 8 == len(data["counties"])
        assert total.tally.total == sum(r.tally.total for r in data["rows"]) == 89
        assert total.tally.closed == 12
        # Each province's figures are its own dashboard's.
        for row in data["rows"]:
            province = selectors.province_dashboard(row.province, TODAY)
            assert row.tally == province["total"]
            assert {c.county.code for c in row.counties} == {
                c.county.code for c in province["rows"]
            }

    def test_page_rows_link_to_the_province(self, admin_client):
        html = admin_client.get(URL).content.decode()
        rows = province_rows(html)
        assert list(rows) == ["360000", "510000"]
        # 省份, 示范县, 问题数, 已销号, 销号率, 已逾期, 低于红线, 投资完成率, 中央资金拨付率
        assert cells(rows["360000"]) == [
            "江西省 360000",
            "7",
            "64",
            "0",
            "0%",
            "64",
            "0",
            "—",  # no county reports its investment
            "6.1%",
        ]
        assert cells(rows["510000"])[:5] == ["四川省 510000", "1", "25", "12", "48%"]
        assert 'href="/provinces/360000/"' in rows["360000"]
        assert 'href="/provinces/510000/"' in rows["510000"]

    def test_totals_row(self, admin_client):
        html = admin_client.get(URL).content.decode()
        tfoot = re.search(r"<tfoot[^>]*>(.*?)</tfoot>", html, re.S).group(1)
        data = selectors.nation_dashboard(TODAY)
        overdue = str(data["total"].tally.overdue)
        # 昭化区 is the one county with an investment figure.
        investment = f"{data['total'].investment:.1f}%"
        assert investment == cells(province_rows(html)["510000"])[7] == "49.7%"
        assert cells(tfoot) == [
            "全国合计",
            "8",
            "89",
            "12",
            "13%",
            overdue,
            "0",
            investment,
            "6.1%",
        ]

    def test_totals_follow_a_close_out(self):
        before = selectors.nation_dashboard(TODAY)["total"].tally
        close_one("361121")
        after = selectors.nation_dashboard(TODAY)["total"].tally
        assert (after.total, after.closed, after.overdue) == (
            before.total,
            before.closed + 1,
            before.overdue - 1,
        )


class TestSorting:
    def test_by_code_by_default(self, admin_client):
        assert order_on_page(admin_client) == ["360000", "510000"]

    def test_by_findings(self, admin_client):
        assert order_on_page(admin_client, "findings") == ["510000", "360000"]
        assert order_on_page(admin_client, "-findings") == ["360000", "510000"]

    def test_by_closure_rate(self, admin_client):
        assert order_on_page(admin_client, "-rate") == ["510000", "360000"]

    def test_provinces_without_the_figure_go_last(self, admin_client):
        assert order_on_page(admin_client, "funds")[-1] == "510000"
        assert order_on_page(admin_client, "-funds")[-1] == "510000"

    def test_unknown_key_keeps_the_default_order(self, admin_client):
        assert order_on_page(admin_client, "nonsense") == ["360000", "510000"]

    def test_header_links_toggle_the_direction(self, admin_client):
        html = admin_client.get(URL, {"o": "below"}).content.decode()
        assert 'href="?o=-below"' in html
        assert 'href="?o=province"' in html


class TestRedLine:
    def test_counties_below_the_line_are_counted(self, admin_client):
        progress_indicator(County.objects.get(code="361022"), Indicator.Key.OVERALL, "100", "30")
        progress_indicator(
            County.objects.get(code="361127"), Indicator.Key.INVESTMENT, "3000", "1050"
        )  # 35%
        rows = province_rows(admin_client.get(URL).content.decode())
        assert cells(rows["360000"])[6] == "2"
        assert cells(rows["360000"])[7] == "35.0%"  # the one county reporting investment
        assert (
            '<tr class="state-red" data-province="360000">'
            in admin_client.get(URL).content.decode()
        )
        assert order_on_page(admin_client, "-below") == ["360000", "510000"]

    def test_overdue_without_red_line_is_yellow(self):
        rows = {r.province.code: r for r in selectors.nation_dashboard(TODAY)["rows"]}
        assert rows["360000"].state == "yellow"


class TestCharts:
    def test_the_charts_carry_the_tables_numbers(self, admin_client):
        close_one("361121")
        html = admin_client.get(URL, {"o": "-findings"}).content.decode()
        rows = [cells(r) for r in province_rows(html).values()]
        findings = chart(html, "findings")
        assert findings["yAxis"]["data"] == ["江西省", "四川省"]
        series = {s["name"]: s["data"] for s in findings["series"]}
        assert series["已销号"] == [int(r[3]) for r in rows]
        assert series["逾期"] == [int(r[5]) for r in rows]
        assert [sum(col) for col in zip(*series.values(), strict=True)] == [int(r[2]) for r in rows]
        progress = {s["name"]: s["data"] for s in chart(html, "progress")["series"]}
        assert progress["平均中央资金拨付率"] == [6.1, None]
        assert chart(html, "progress")["series"][0]["markLine"]["data"] == [{"xAxis": 40.0}]


class TestAccess:
    def test_national_user(self, client, nina):
        client.force_login(nina)
        response = client.get(URL)
        assert response.status_code == 200
        assert response.templates[0].name == "reports/nation_dashboard.html"

    @pytest.mark.parametrize(
        "username", ["reviewer-510000", "reviewer-360000", "staff-510811", "leader-510811"]
    )
    def test_province_and_county_users_get_403(self, client, username):
        client.force_login(User.objects.get(username=username))
        assert client.get(URL).status_code == 403

    def test_user_without_scope_gets_403(self, client):
        client.force_login(Factory.user("newcomer"))
        assert client.get(URL).status_code == 403

    def test_anonymous_to_login(self, client):
        response = client.get(URL)
        assert (response.status_code, response.url) == (302, f"/accounts/login/?next={URL}")

    def test_read_only(self, admin_client):
        assert admin_client.post(URL).status_code == 405
        assert admin_client.post("/nation/ledger.xlsx").status_code == 405

    @pytest.mark.parametrize("username", ["admin", "nina"])
    def test_national_users_land_here(self, client, nina, username):
        client.force_login(User.objects.get(username=username))
        response = client.get("/")
        assert (response.status_code, response.url) == (302, URL)

    def test_nav_entry_for_national_users_only(self, client, nina):
        client.force_login(nina)
        html = client.get(URL).content.decode()
        assert '<a class="nav-link active" aria-current="page" href="/nation/">全国</a>' in html
        client.force_login(User.objects.get(username="reviewer-510000"))
        assert 'href="/nation/"' not in client.get("/provinces/510000/").content.decode()

    def test_english(self, client, nina):
        client.force_login(nina)
        client.post("/i18n/setlang/", {"language": "en", "next": URL})
        html = client.get(URL).content.decode()
        assert "Rectification and project progress by province" in html
        assert "导出全国台账" not in html


# Session and user; the counties with their province, batch and latest figures (subqueries),
# the tallies per county, the provinces; then while rendering: the user's groups.
NATION_DASHBOARD_QUERIES = 6


class TestQueryCounts:
    @pytest.fixture
    def fill(self):
        """n provinces of three counties, each with a project, figures and two findings."""

        def fill(n: int) -> None:
            for p in range(n):
                province = Factory.province(f"{41 + p}0000", f"测试省{p}")
                for i in range(3):
                    code = f"{41 + p}{i:04d}"
                    county = Factory.county(province, code, f"示范县{p}-{i}")
                    staff = Factory.user(f"staff-{code}", Role.COUNTY_STAFF, county=county)
                    project = Project.objects.create(
                        county=county, name=f"示范县{code}项目", year=2018, batch=1 + i
                    )
                    for key, actual in (
                        (Indicator.Key.INVESTMENT, 10 + i),
                        (Indicator.Key.FUNDS, 20 + i),
                        (Indicator.Key.OVERALL, 30 + 10 * i),
                    ):
                        ind = Indicator.objects.create(
                            project=project, key=key, name=key, unit="%", plan=Decimal(100)
                        )
                        IndicatorReading.objects.create(indicator=ind, date=TODAY, value=actual)
                    review = Factory.review(county)
                    for j in range(2):
                        Factory.finding(staff, county, review, deadline=TODAY + dt.timedelta(j - 1))

        return fill

    @pytest.mark.parametrize("n", [1, 4])
    def test_same_for_1_and_4_more_provinces(
        self, client, nina, fill, n, django_assert_num_queries
    ):
        fill(n)
        client.force_login(nina)
        with django_assert_num_queries(NATION_DASHBOARD_QUERIES):
            response = client.get(URL)
        assert response.status_code == 200
        rows = response.context["rows"]
        assert len(rows) == 2 + n
        new = [r for r in rows if r.province.name.startswith("测试省")]
        assert [(r.n_counties, r.tally.total, r.tally.overdue) for r in new] == [(3, 6, 3)] * n
        assert [r.below_red_line for r in new] == [1] * n  # overall 30%, 40%, 50%
        assert [round(r.investment, 1) for r in new] == [11.0] * n
        assert Province.objects.count() == 2 + n
