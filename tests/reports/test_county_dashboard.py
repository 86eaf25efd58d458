"""The county dashboard (/counties/<code>/): the selector's figures against the demo's 昭化区
(seed 000, hand-counted), its performance indicators and the red line, reading entry, who may
open the page, the links into the ledger, the charts' data, and pinned query counts.

The demo is loaded once for the module inside a transaction that is rolled back at the end; each
test still runs in its own savepoint. Today is fixed at the date of seed 000's report."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError

from issues import services
from issues.models import Category, County, Finding, Review, Role, Unit, User
from reports import selectors
from reports.models import Indicator, IndicatorReading
from reports.services import reading_add
from tests import approvals
from tests.conftest import Factory
from tests.reports.conftest import travel

TODAY = dt.date(2019, 9, 10)  # the date of seed 000's report: its closed findings closed then
URL = "/counties/510811/"

# Seed 000, hand-counted: (review, category order, category, findings, closed).
CATEGORIES = [
    ("商务部复核组", 1, "项目建设进度滞后问题", 4, 1),
    ("商务部复核组", 2, "建设与运行问题", 3, 1),
    ("商务部复核组", 3, "项目管理问题", 3, 2),
    ("商务部复核组", 4, "资金管理问题", 2, 2),
    ("商务部复核组", 5, "精准扶贫方面问题", 3, 2),
    ("省绩效评价组", 1, "资金管理及项目管理方面问题", 3, 2),
    ("省绩效评价组", 2, "项目完成方面问题", 5, 2),
    ("省绩效评价组", 3, "项目效果方面问题", 2, 0),
]


@pytest.fixture(autouse=True)
def demo(demo_db, db, settings):
    settings.RECTIFY_WARNING_DAYS = 7
    settings.RECTIFY_RED_LINE_PERCENT = 40
    with travel(TODAY):
        yield


@pytest.fixture
def zhaohua() -> County:
    return County.objects.get(code="510811")


@pytest.fixture
def staff() -> User:
    return User.objects.get(username="staff-510811")


@pytest.fixture
def leader() -> User:
    return User.objects.get(username="leader-510811")


@pytest.fixture
def outsider() -> User:
    """Staff of 铜鼓县 (Jiangxi): another county of another province."""
    return User.objects.get(username="staff-360926")


@pytest.fixture
def reviewer() -> User:
    return User.objects.get(username="reviewer-510000")


def indicator(county: County, key: str) -> Indicator:
    return Indicator.objects.get(project__county=county, key=key)


def row_of(data: dict, key: str) -> selectors.IndicatorRow:
    return next(r for r in data["indicators"] if r.indicator.key == key)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def table_after(html: str, heading: str) -> str:
    """The first <table> after `heading`."""
    start = html.index(heading)
    return html[html.index("<table", start) : html.index("</table>", start)]


def body_rows(table: str) -> list[str]:
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)


def cells(row: str) -> list[str]:
    return [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def links(fragment: str) -> list[tuple[str, str]]:
    """(href, text) of each link in the fragment."""
    return [
        (html_lib.unescape(href), text_of(text))
        for href, text in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>(.*?)</a>', fragment, re.S)
    ]


def chart(html: str, name: str) -> dict:
    found = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', html)
    assert found, f"no chart {name}"
    return json.loads(found.group(1))


def series(options: dict) -> dict[str, list]:
    return {s["name"]: s["data"] for s in options["series"]}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def close_out(finding: Finding, staff: User, leader: User) -> Finding:
    """Through the workflow: staff ask for close-out, the leader agrees (closed today)."""
    finding.refresh_from_db()  # a progress note may have started it
    if finding.status == Finding.Status.OPEN:
        finding = services.finding_start(user=staff, finding=finding)
    finding = services.finding_submit_closeout(
        user=staff, finding=finding, result="已整改到位。", evidence_waiver="现场核实,无书面材料。"
    )
    return services.finding_close(user=leader, finding=finding)


class TestFigures:
    def test_per_review_and_in_total(self, zhaohua):
        data = selectors.county_dashboard(zhaohua, TODAY)
        assert [
            (r.obj.team, r.tally.total, r.tally.closed, r.tally.in_progress, r.tally.open)
            for r in data["rows"]
        ] == [("商务部复核组", 15, 8, 7, 7), ("省绩效评价组", 10, 4, 6, 6)]
        total = data["total"]
        assert (total.total, total.closed, total.open, total.submitted) == (25, 12, 13, 0)
        assert total.closure_rate == pytest.approx(0.48)
        assert (total.overdue, total.due_soon) == (0, 0)

    def test_by_category(self, zhaohua):
        data = selectors.county_dashboard(zhaohua, TODAY)
        assert [
            (
                c["review__team"],
                c["category__order"],
                c["category__name"],
                c["tally"].total,
                c["tally"].closed,
            )
            for c in data["by_category"]
        ] == CATEGORIES

    def test_by_lead_unit_the_commerce_bureau_leads_most(self, zhaohua):
        data = selectors.county_dashboard(zhaohua, TODAY)
        assert [
            (u["lead_name"], u["tally"].total, u["tally"].closed, u["tally"].open)
            for u in data["by_unit"]
        ] == [("区商务和经济合作局", 21, 11, 10), ("各乡镇人民政府", 4, 1, 3)]

    def test_after_the_deadlines_every_open_finding_is_overdue(self, zhaohua):
        # Deadlines of the open findings: 2019-09-30 and 2019-10-30.
        data = selectors.county_dashboard(zhaohua, dt.date(2019, 11, 1))
        assert [(r.tally.overdue, r.tally.due_soon) for r in data["rows"]] == [(7, 0), (6, 0)]
        assert [(u["lead_name"], u["tally"].overdue) for u in data["by_unit"]] == [
            ("区商务和经济合作局", 10),
            ("各乡镇人民政府", 3),
        ]

    def test_due_soon_within_the_configured_days(self, zhaohua, settings):
        # Eight open findings are due on 2019-09-30: four of each review.
        assert selectors.county_dashboard(zhaohua, dt.date(2019, 9, 20))["total"].due_soon == 0
        settings.RECTIFY_WARNING_DAYS = 14
        data = selectors.county_dashboard(zhaohua, dt.date(2019, 9, 20))
        assert [r.tally.due_soon for r in data["rows"]] == [4, 4]

    def test_archived_findings_are_left_out(self, zhaohua, staff):
        finding = Finding.objects.filter(county=zhaohua, status=Finding.Status.CLOSED).first()
        leader = User.objects.get(username="leader-510811")
        approvals.archive(finding, staff=staff, leader=leader)
        data = selectors.county_dashboard(zhaohua, TODAY)
        assert (data["total"].total, data["total"].closed) == (24, 11)


class TestBurndown:
    def test_open_findings_at_each_month_end(self, zhaohua):
        # MOFCOM found 15 on 2019-04-25, the province 10 more on 2019-05-24; the 12 closed ones
        # are dated on the report, 2019-09-10, the last point (today).
        assert selectors.county_dashboard(zhaohua, TODAY)["burndown"] == [
            (dt.date(2019, 4, 30), 15),
            (dt.date(2019, 5, 31), 25),
            (dt.date(2019, 6, 30), 25),
            (dt.date(2019, 7, 31), 25),
            (dt.date(2019, 8, 31), 25),
            (dt.date(2019, 9, 10), 13),
        ]

    def test_a_later_close_out_lowers_its_month(self, zhaohua, staff, leader):
        finding = Finding.objects.get(
            county=zhaohua, review__team="商务部复核组", category__order=1, order=1
        )
        with travel(dt.date(2019, 10, 5)):
            finding = close_out(finding, staff, leader)
        assert finding.closed_on == dt.date(2019, 10, 5)
        with travel(dt.date(2019, 11, 15)):
            points = selectors.county_dashboard(zhaohua, dt.date(2019, 11, 15))["burndown"]
        assert points[-3:] == [
            (dt.date(2019, 9, 30), 13),
            (dt.date(2019, 10, 31), 12),
            (dt.date(2019, 11, 15), 12),
        ]
        assert len(points) == 8

    def test_the_page_shows_the_same_points(self, client, staff):
        client.force_login(staff)
        html = client.get(URL).content.decode()
        table = table_after(html, "未销号问题变化")
        # The table lists the months where the number changes, and the last one.
        assert [cells(r) for r in body_rows(table)] == [
            ["2019年4月30日", "15"],
            ["2019年5月31日", "25"],
            ["2019年9月10日", "13"],
        ]

    def test_no_findings_no_points(self, county_b):
        assert selectors.county_dashboard(county_b, TODAY)["burndown"] == []


class TestIndicators:
    def test_investment(self, zhaohua):
        row = row_of(selectors.county_dashboard(zhaohua, TODAY), Indicator.Key.INVESTMENT)
        assert (row.indicator.name, row.indicator.unit) == ("完成投资", "万元")
        assert row.indicator.plan == Decimal("4029.50")
        # Seed 000 says 2002.814 万元; the field keeps two decimals.
        assert [(r.date, r.value) for r in row.readings] == [
            (dt.date(2019, 5, 27), Decimal("1478.36")),
            (dt.date(2019, 9, 10), Decimal("2002.81")),
        ]
        assert round(row.percent, 2) == 49.70
        assert row.red_line == 40.0
        assert not row.below_red_line

    def test_training(self, zhaohua):
        row = row_of(selectors.county_dashboard(zhaohua, TODAY), Indicator.Key.TRAINING)
        assert (row.indicator.name, row.indicator.unit) == ("基础性培训", "人次")
        assert (row.latest.value, row.indicator.plan) == (Decimal("1149"), Decimal("3500"))
        assert round(row.percent, 2) == 32.83
        assert row.red_line is None
        assert not row.below_red_line

    def test_all_six_of_seed_000(self, zhaohua):
        data = selectors.county_dashboard(zhaohua, TODAY)
        assert [
            (r.indicator.name, r.indicator.unit, r.indicator.plan, r.latest.value)
            for r in data["indicators"]
        ] == [
            ("完成投资", "万元", Decimal("4029.50"), Decimal("2002.81")),
            ("基础性培训", "人次", Decimal("3500"), Decimal("1149")),
            ("村级站点建成", "个", Decimal("54"), Decimal("54")),
            ("村级站点正常运营", "个", Decimal("54"), Decimal("13")),
            ("贫困村覆盖", "个", Decimal("63"), Decimal("7")),
            ("贫困户满意度", "%", Decimal("100"), Decimal("96")),
        ]
        assert data["project"].name == "昭化区2017年电子商务进农村综合示范(第四批)"

    def test_the_red_line_is_a_setting(self, zhaohua, settings):
        settings.RECTIFY_RED_LINE_PERCENT = 55
        row = row_of(selectors.county_dashboard(zhaohua, TODAY), Indicator.Key.INVESTMENT)
        assert (row.red_line, row.below_red_line) == (55.0, True)

    def test_overall_progress_below_the_line(self, zhaohua, staff):
        overall = Indicator.objects.create(
            project=zhaohua.projects.get(),
            key=Indicator.Key.OVERALL,
            name="项目建设总体进度",
            unit="%",
            plan=Decimal("100"),
        )
        reading_add(user=staff, indicator=overall, date=TODAY, value=Decimal("39.9"))
        row = row_of(selectors.county_dashboard(zhaohua, TODAY), Indicator.Key.OVERALL)
        assert (row.red_line, row.below_red_line) == (40.0, True)
        reading_add(user=staff, indicator=overall, date=TODAY, value=Decimal("40"))
        row = row_of(selectors.county_dashboard(zhaohua, TODAY), Indicator.Key.OVERALL)
        assert not row.below_red_line

    def test_an_indicator_may_carry_its_own_red_line(self, zhaohua):
        training = indicator(zhaohua, Indicator.Key.TRAINING)
        training.red_line = Decimal("50")
        training.save()
        row = row_of(selectors.county_dashboard(zhaohua, TODAY), Indicator.Key.TRAINING)
        assert (row.red_line, row.below_red_line) == (50.0, True)

    def test_page_shows_the_figures(self, client, staff):
        client.force_login(staff)
        html = client.get(URL).content.decode()
        rows = {cells(r)[0]: cells(r) for r in body_rows(table_after(html, "绩效指标"))}
        assert rows["完成投资 红线 40%"][1:4] == [
            "4029.50 万元",
            "2002.81 万元 2019年9月10日 · 昭化区工作人员",
            "49.70%",
        ]
        assert rows["基础性培训"][1:4] == [
            "3500 人次",
            "1149 人次 2019年5月27日 · 昭化区工作人员",
            "32.83%",
        ]
        assert "一票否决" not in html
        assert "table-danger" not in html

    def test_a_reading_whose_author_left_still_shows(self, client, staff, zhaohua):
        sam = Factory.user("sam", Role.COUNTY_STAFF, county=zhaohua)
        training = indicator(zhaohua, Indicator.Key.TRAINING)
        reading_add(user=sam, indicator=training, date=TODAY, value=Decimal("1500"))
        sam.delete()
        client.force_login(staff)
        response = client.get(URL)
        assert response.status_code == 200
        rows = {
            cells(r)[0]: cells(r)
            for r in body_rows(table_after(response.content.decode(), "绩效指标"))
        }
        assert rows["基础性培训"][2] == "1500 人次 2019年9月10日"

    def test_a_reading_below_the_line_shows_the_veto_alert_in_red(self, client, staff, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        client.force_login(staff)
        response = client.post(
            f"/indicators/{investment.pk}/readings/",
            {"date": "2019-09-10", "value": "1000", "note": "核减后"},
            follow=True,
        )
        html = response.content.decode()
        alert = re.search(r'<div class="alert alert-danger">(.*?)</div>', html, re.S)
        assert alert, "no red alert"
        assert text_of(alert.group(1)) == "完成投资完成 24.8%，低于 40% 红线：有一票否决风险。"
        row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if "完成投资" in r)
        assert row.startswith('<tr class="table-danger">')
        assert '<span class="text-danger fw-semibold">24.82%</span>' in row
        assert "bg-danger" in row


class TestReadingEntry:
    def post(self, client, ind: Indicator, **data):
        payload = {"date": "2019-09-10", "value": "2100.5", "note": "月度统计"} | data
        return client.post(f"/indicators/{ind.pk}/readings/", payload)

    def test_staff_enter_a_reading_that_keeps_who(self, client, staff, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        client.force_login(staff)
        response = self.post(client, investment)
        assert (response.status_code, response.url) == (302, f"{URL}#indicators")
        assert messages_of(response) == ["“完成投资”的读数已记录。"]
        reading = investment.readings.latest("id")
        assert (reading.date, reading.value, reading.note) == (
            TODAY,
            Decimal("2100.50"),
            "月度统计",
        )
        assert (reading.created_by, reading.updated_by) == (staff, staff)
        assert [h.history_user for h in reading.history.all()] == [staff]
        assert investment.readings.count() == 3  # the earlier readings stay
        row = row_of(selectors.county_dashboard(zhaohua, TODAY), Indicator.Key.INVESTMENT)
        assert row.latest == reading

    def test_leader_may_not(self, client, leader, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        client.force_login(leader)
        assert self.post(client, investment).status_code == 403
        with pytest.raises(PermissionDenied):
            reading_add(user=leader, indicator=investment, date=TODAY, value=Decimal("1"))
        assert investment.readings.count() == 2

    def test_the_provinces_reviewer_may_not(self, client, reviewer, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        client.force_login(reviewer)
        assert self.post(client, investment).status_code == 403
        assert investment.readings.count() == 2

    def test_other_county_gets_404(self, client, outsider, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        client.force_login(outsider)
        assert self.post(client, investment).status_code == 404
        assert investment.readings.count() == 2

    def test_negative_value_refused_with_a_message(self, client, staff, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        client.force_login(staff)
        response = self.post(client, investment, value="-5")
        assert response.status_code == 302
        [message] = messages_of(response)
        assert message.startswith("读数未保存：实际值：")
        assert investment.readings.count() == 2
        # The service refuses it too, whatever the form.
        with pytest.raises(ValidationError):
            reading_add(user=staff, indicator=investment, date=TODAY, value=Decimal("-5"))

    def test_future_date_refused(self, client, staff, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        client.force_login(staff)
        response = self.post(client, investment, date="2019-09-11")
        assert response.status_code == 302
        assert messages_of(response) == ["日期不能晚于今天。"]
        assert investment.readings.count() == 2

    def test_anonymous_to_login_and_get_not_allowed(self, client, staff, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        url = f"/indicators/{investment.pk}/readings/"
        response = self.post(client, investment)
        assert (response.status_code, response.url) == (302, f"/accounts/login/?next={url}")
        client.force_login(staff)
        assert client.get(url).status_code == 405

    def test_only_staff_see_the_entry_form(self, client, staff, leader):
        client.force_login(staff)
        assert client.get(URL).content.decode().count('class="d-flex gap-1 reading-form"') == 6
        client.force_login(leader)
        assert "reading-form" not in client.get(URL).content.decode()


class TestAccess:
    def test_staff(self, client, staff):
        client.force_login(staff)
        response = client.get(URL)
        assert response.status_code == 200
        assert response.templates[0].name == "reports/county_dashboard.html"
        assert response.context["total"].total == 25

    @pytest.mark.parametrize("username", ["leader-510811", "reviewer-510000"])
    def test_leader_and_the_provinces_reviewer_read_it(self, client, username):
        client.force_login(User.objects.get(username=username))
        assert client.get(URL).status_code == 200

    def test_national_user(self, client, nina):
        client.force_login(nina)
        assert client.get(URL).status_code == 200

    @pytest.mark.parametrize("username", ["staff-360926", "reviewer-360000"])
    def test_other_county_or_province_gets_404(self, client, username):
        client.force_login(User.objects.get(username=username))
        assert client.get(URL).status_code == 404

    def test_unknown_county(self, client, staff):
        client.force_login(staff)
        assert client.get("/counties/999999/").status_code == 404

    def test_anonymous_to_login(self, client):
        response = client.get(URL)
        assert (response.status_code, response.url) == (302, f"/accounts/login/?next={URL}")

    @pytest.mark.parametrize(
        "username, target",
        [
            ("staff-510811", URL),
            ("leader-510811", URL),
            ("staff-360926", "/counties/360926/"),
            ("reviewer-510000", "/provinces/510000/"),
        ],
    )
    def test_home_redirects_to_the_users_dashboard(self, client, username, target):
        client.force_login(User.objects.get(username=username))
        response = client.get("/")
        assert (response.status_code, response.url) == (302, target)


class TestLinks:
    """Every figure leads to the ledger filtered to exactly those findings."""

    @pytest.fixture
    def page(self, client, staff):
        with travel(dt.date(2019, 11, 1)):  # after the deadlines: overdue figures and links
            client.force_login(staff)
            yield client.get(URL).content.decode()

    def ledger_count(self, client, href: str) -> int:
        with travel(dt.date(2019, 11, 1)):
            response = client.get(href)
        assert response.status_code == 200
        return response.context["tally"].total

    def test_reviews(self, client, page, zhaohua):
        mofcom = Review.objects.get(counties=zhaohua, team="商务部复核组")
        table = table_after(page, "各次检查发现问题整改情况")
        first = body_rows(table)[0]
        assert links(first) == [(f"/findings/?review={mofcom.pk}", "商务部复核组")]
        assert cells(first)[1] == "15"
        assert self.ledger_count(client, f"/findings/?review={mofcom.pk}") == 15

    def test_categories(self, client, page, zhaohua):
        category = Category.objects.get(
            review__counties=zhaohua, review__team="商务部复核组", order=1
        )
        rows = body_rows(table_after(page, "各问题类别"))
        first = rows[0]
        assert cells(first) == ["商务部复核组", "1. 项目建设进度滞后问题", "4", "1", "3"]
        assert links(first) == [
            (f"/findings/?category={category.pk}", "1. 项目建设进度滞后问题"),
            (f"/findings/?category={category.pk}", "4"),
            (f"/findings/?category={category.pk}&status=closed", "1"),
            (f"/findings/?category={category.pk}&overdue=on", "3"),
        ]
        assert self.ledger_count(client, f"/findings/?category={category.pk}") == 4
        assert self.ledger_count(client, f"/findings/?category={category.pk}&overdue=on") == 3

    def test_unit_overdue_link(self, page, zhaohua):
        unit = Unit.objects.get(county=zhaohua, name="区商务和经济合作局")
        first = body_rows(table_after(page, "各牵头单位"))[0]
        assert cells(first) == ["区商务和经济合作局", "21", "10", "10"]
        assert (f"/findings/?lead_unit={unit.pk}&overdue=on", "10") in links(first)

    def test_summary_cards(self, client, page):
        cards = page[page.index('class="row g-2 mb-3 tally"') :]
        cards = cards[: cards.index("各次检查发现问题整改情况")]
        found = {
            href: int(re.search(r'data-count="\w+">(\d+)<', text).group(1))
            for href, text in re.findall(r'href="([^"]*)">(.*?)</a>', cards, re.S)
        }
        assert found == {
            "/findings/": 25,
            "/findings/?status=closed": 12,
            "/findings/?status=in_progress": 13,
            "/findings/?status=submitted": 0,
            "/findings/?overdue=on": 13,
            "/findings/?due_within=7": 0,
            # Close-outs against the original deadline: the demo's were recorded from the
            # report (closed by its date), none approved late here.
            "/findings/?timing=on_time": 12,
            "/findings/?timing=extended": 0,
            "/findings/?timing=late": 0,
            "/findings/?urged=yes": 0,  # 被催办
        }
        for href, n in found.items():
            assert self.ledger_count(client, href) == n, href

    def test_unit_links_lead_to_the_same_number(self, client, page):
        rows = body_rows(table_after(page, "各牵头单位"))
        for row in rows:
            for href, text in links(row)[1:]:
                assert self.ledger_count(client, href) == int(text), href

    def test_every_number_of_the_category_and_unit_tables_is_a_link(self, page):
        for heading in ("各牵头单位", "各问题类别"):
            for row in body_rows(table_after(page, heading)):
                numbers = [c for c in cells(row) if c.isdigit()]
                linked = [text for _, text in links(row) if text.isdigit()]
                assert linked == numbers, (heading, cells(row))

    def test_due_soon_card_follows_the_setting(self, client, staff, settings):
        settings.RECTIFY_WARNING_DAYS = 14
        with travel(dt.date(2019, 9, 20)):
            client.force_login(staff)
            html = client.get(URL).content.decode()
            assert re.search(r'data-count="due_soon">8<', html)
            assert 'href="/findings/?due_within=14"' in html


class TestCharts:
    """The charts carry the numbers of the tables beside them."""

    @pytest.fixture
    def page(self, client, staff):
        with travel(dt.date(2019, 11, 1)):
            client.force_login(staff)
            yield client.get(URL).content.decode()

    def test_reviews(self, page):
        options = chart(page, "reviews")
        rows = [cells(r) for r in body_rows(table_after(page, "各次检查发现问题整改情况"))]
        assert options["yAxis"]["data"] == [r[0] for r in rows] == ["商务部复核组", "省绩效评价组"]
        data = series(options)
        # The 已销号 cell: the number, then 按期/延期/逾期 under it.
        assert [" ".join(r[2].split()[1:]) for r in rows] == [
            "按期8 · 延期0 · 逾期0",
            "按期4 · 延期0 · 逾期0",
        ]
        assert data["已销号"] == [int(r[2].split()[0]) for r in rows] == [8, 4]
        assert data["整改中"] == [7, 6]
        assert [sum(col) for col in zip(*data.values(), strict=True)] == [int(r[1]) for r in rows]

    def test_lead_units(self, page):
        options = chart(page, "units")
        rows = [cells(r) for r in body_rows(table_after(page, "各牵头单位"))]
        assert options["yAxis"]["data"] == [r[0] for r in rows]
        data = series(options)
        assert data["其中逾期"] == [int(r[3]) for r in rows] == [10, 3]
        assert [a + b for a, b in zip(data["未销号"], data["其中逾期"], strict=True)] == [
            int(r[2]) for r in rows
        ]

    def test_burndown(self, page):
        options = chart(page, "burndown")
        rows = [cells(r) for r in body_rows(table_after(page, "未销号问题变化"))]
        assert options["xAxis"]["data"] == [
            "2019-04",
            "2019-05",
            "2019-06",
            "2019-07",
            "2019-08",
            "2019-09",
            "2019-10",
            "2019-11",
        ]
        assert options["series"][0]["data"] == [15, 25, 25, 25, 25, 13, 13, 13]
        # The table keeps the months where the number changes, and the last one.
        changes = [
            n
            for i, n in enumerate(options["series"][0]["data"])
            if i == 0 or n != options["series"][0]["data"][i - 1] or i == 7
        ]
        assert [int(n) for _, n in rows] == changes

    def test_indicator_trends(self, page, zhaohua):
        investment = indicator(zhaohua, Indicator.Key.INVESTMENT)
        stations = indicator(zhaohua, Indicator.Key.STATIONS_BUILT)
        options = chart(page, f"indicator-{investment.pk}")
        assert options["series"][0]["data"] == [1478.36, 2002.81]
        assert options["xAxis"]["data"] == ["2019-05-27", "2019-09-10"]
        assert options["yAxis"]["max"] == 4029.5
        assert "2019.5: 1478.36; 2019.9: 2002.81" in page
        assert chart(page, f"indicator-{stations.pk}")["series"][0]["data"] == [33, 54]
        # One reading, no trend to draw.
        training = indicator(zhaohua, Indicator.Key.TRAINING)
        assert f'id="chart-indicator-{training.pk}"' not in page


# Session, user, the county; every tally of the page (in total, per review, per category,
# per lead unit) from one GROUP BY (reports.selectors._county_tallies), the reviews, the
# close-outs, the project, the burn-down's dates, indicators, their readings; then while
# rendering: the user's groups, next deadlines, recent progress (the menu's county is the
# page's); and the urges of its findings (one aggregate: 被催办, 待回复); the ranking of its
# responsible units (reports.selectors.unit_ranking: two, the units' tallies and their urges).
# The leader's 待您审批 adds one (the pending requests) for the leader only.
COUNTY_DASHBOARD_QUERIES = 16
# A unit's contact: the same page, limited to her unit's findings.
COUNTY_DASHBOARD_QUERIES_UNIT = 16


class TestQueryCounts:
    @pytest.fixture
    def fill(self, bob, county_b, review_b):
        """County B with n findings: units, deadlines, progress notes, one closed through the
        workflow, and two indicators with readings."""
        leader = Factory.user("lee-b", Role.COUNTY_LEADER, county=county_b)
        units = [
            Factory.unit(county_b, name) for name in ("区商务局", "区财政局", "各乡镇人民政府")
        ]
        project = county_b.projects.create(name="朝天区示范项目", year=2018, batch=4)
        for key, plan in ((Indicator.Key.INVESTMENT, 3000), (Indicator.Key.TRAINING, 2000)):
            ind = Indicator.objects.create(
                project=project, key=key, name=str(key.label), unit="万元", plan=plan
            )
            for day, value in ((dt.date(2019, 5, 1), 100), (dt.date(2019, 8, 1), 900)):
                IndicatorReading.objects.create(indicator=ind, date=day, value=value)

        def fill(n: int) -> None:
            for i in range(n):
                finding = Factory.finding(
                    bob,
                    county_b,
                    review_b,
                    category=f"类别{i % 4}",
                    units=[units[i % 3], units[(i + 1) % 3]],
                    deadline=dt.date(2019, 8, 1) + dt.timedelta(days=i % 60),
                )
                if i < 3:
                    services.progress_add(user=bob, finding=finding, note=f"进展{i}", date=TODAY)
                if i == 0:
                    close_out(finding, bob, leader)

        return fill

    @pytest.mark.parametrize("n", [10, 100])
    def test_same_for_10_and_100_findings(self, client, bob, fill, n, django_assert_num_queries):
        fill(n)
        client.force_login(bob)
        with django_assert_num_queries(COUNTY_DASHBOARD_QUERIES):
            response = client.get("/counties/510812/")
        assert response.status_code == 200
        assert response.context["total"].total == n
        assert response.context["total"].closed == 1
        assert len(response.context["closeouts"]) == 1
        assert len(response.context["indicators"]) == 2

    @pytest.mark.parametrize("n", [10, 100])
    def test_same_for_a_unit_contact(self, client, county_b, fill, n, django_assert_num_queries):
        fill(n)
        unit = Unit.objects.get(county=county_b, name="区商务局")
        contact = Factory.user("ub", Role.UNIT_STAFF, county=county_b, unit=unit)
        client.force_login(contact)
        with django_assert_num_queries(COUNTY_DASHBOARD_QUERIES_UNIT):
            response = client.get("/counties/510812/")
        assert response.status_code == 200
        # Hers: the findings her unit is on (two in three of them).
        own = Finding.objects.filter(unit_links__unit=unit).distinct().count()
        assert 0 < own < n
        assert response.context["total"].total == own


class TestAwaitingTheLeader:
    """待您审批 N 项 at the top of the leader's landing page: close-outs and extension and
    archive requests waiting, linking to 我的待办; one query, for the leader only."""

    URL = "/counties/510812/"

    @pytest.fixture
    def leader(self, county_b):
        return Factory.user("lee-b", Role.COUNTY_LEADER, county=county_b)

    @pytest.fixture
    def waiting(self, bob, county_b, review_b):
        first = Factory.finding(bob, county_b, review_b, deadline=dt.date(2019, 10, 30))
        second = Factory.finding(bob, county_b, review_b)
        services.progress_add(user=bob, finding=second, note="已完成", date=TODAY)
        services.finding_submit_closeout(
            user=bob, finding=second, result="已建成", evidence_waiver="现场核实"
        )
        services.extension_request(
            user=bob, finding=first, new_deadline=dt.date(2019, 12, 31), reason="汛期"
        )
        services.archive_request(user=bob, finding=first, reason="重复登记")

    def test_the_leader_sees_the_count(
        self, client, bob, leader, waiting, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(bob)
        with CaptureQueriesContext(connection) as staff:
            client.get(self.URL)
        client.force_login(leader)
        # The staff's count plus one: the pending requests.
        with django_assert_num_queries(len(staff.captured_queries) + 1):
            response = client.get(self.URL)
        assert response.context["awaiting"] == 3
        page = response.content.decode()
        assert "待您审批 3 项" in page and 'href="/my/"' in page

    def test_staff_do_not(self, client, bob, waiting):
        client.force_login(bob)
        response = client.get(self.URL)
        assert response.context["awaiting"] is None
        assert "待您审批" not in response.content.decode()
