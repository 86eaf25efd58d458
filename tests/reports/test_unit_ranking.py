"""责任单位排名: the county dashboard ranks its responsible units (tasks, on time, late, overdue
now, urged, average days to 签收 and to the close-out), and the province dashboard counts the
urges per county. A small ledger with its figures written out by hand."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from issues import services
from issues.models import Finding
from issues.permissions import Role
from reports import selectors
from tests.conftest import Factory
from tests.reports.conftest import travel

TODAY = dt.date(2019, 10, 8)
ASSIGNED = dt.date(2019, 9, 2)  # every task given on this day, 10:00 UTC (18:00 in Shanghai)


def at(day: int, hour: int):
    """September 2019, `day` at `hour`:00 UTC."""
    return time_machine.travel(dt.datetime(2019, 9, day, hour, tzinfo=dt.UTC), tick=False)


def close_out(finding: Finding, staff, leader) -> None:
    finding.refresh_from_db()
    if finding.status == Finding.Status.OPEN:
        finding = services.finding_start(user=staff, finding=finding)
    finding = services.finding_submit_closeout(
        user=staff, finding=finding, result="已整改到位。", evidence_waiver="现场核实。"
    )
    services.finding_close(user=leader, finding=finding)


@pytest.fixture
def ledger(alice, lee, rita, una, county_a, review_a, unit_a, unit_a2):
    """County A (区商务和经济合作局 = unit_a, 区财政局 = unit_a2, 各乡镇人民政府, and
    区农业农村局 only cooperating):

    F1 [unit_a, unit_a2] deadline 9-30, closed 9-20 (on time; 18 days after assignment)
    F2 [unit_a]          deadline 9-10, closed 9-25 (late; 23 days)
    F3 [unit_a2]         deadline 9-15, open: overdue
    F4 [各乡镇]           deadline 9-20, open: overdue
    F5 [各乡镇, 农业农村局 cooperating] deadline 12-31, open
    F6 [unit_a]          deadline 9-10, open, handed back by unit_a: not counted

    签收: unit_a F1 after 1 day, F2 after 3 days (mean 2); unit_a2 F1 after 1.5 days.
    催办: unit_a on F2 (answered by its note), unit_a2 twice on F3, 各乡镇 on F4, 农业农村局 on
    F5 (not ranked), and the province's to the county on F4 (no unit)."""
    towns = Factory.unit(county_a, "各乡镇人民政府")
    farming = Factory.unit(county_a, "区农业农村局")
    finance_contact = Factory.user("ufin", Role.UNIT_STAFF, county=county_a, unit=unit_a2)
    with travel(ASSIGNED):

        def finding(units, deadline, cooperating=()):
            data = services.FindingData(
                review=review_a,
                category=None,
                new_category_name="项目管理问题",
                description=f"问题 {deadline}",
                measures=["措施"],
                units=[services.UnitEntry(u) for u in units]
                + [services.UnitEntry(u, "cooperating") for u in cooperating],
                deadline=deadline,
            )
            return services.finding_create(user=alice, county=county_a, data=data)

        f1 = finding([unit_a, unit_a2], dt.date(2019, 9, 30))
        f2 = finding([unit_a], dt.date(2019, 9, 10))
        f3 = finding([unit_a2], dt.date(2019, 9, 15))
        f4 = finding([towns], dt.date(2019, 9, 20))
        f5 = finding([towns], dt.date(2019, 12, 31), cooperating=[farming])
        f6 = finding([unit_a], dt.date(2019, 9, 10))
    with at(3, 10):
        services.finding_acknowledge(user=una, finding=f1)
    with at(3, 22):
        services.finding_acknowledge(user=finance_contact, finding=f1)
    with at(5, 10):
        services.finding_acknowledge(user=una, finding=f2)
        services.finding_hand_back(user=una, finding=f6, reason="不属于本单位职责")
    with at(12, 2):
        services.finding_urge(user=alice, finding=f2, message="请尽快整改", unit=unit_a)
        services.finding_urge(user=alice, finding=f3, message="请尽快整改", unit=unit_a2)
        services.finding_urge(user=lee, finding=f3, message="再次催办", unit=unit_a2)
        services.finding_urge(user=lee, finding=f4, message="请尽快整改", unit=towns)
        services.finding_urge(user=alice, finding=f5, message="请配合", unit=farming)
        services.finding_urge(user=rita, finding=f4, message="省级催办")
    with at(13, 2):
        note = services.progress_add(user=una, finding=f2, note="正在整改")
        services.progress_accept(user=alice, progress=note)
    with at(20, 2):
        close_out(f1, alice, lee)
    with at(25, 2):
        close_out(f2, alice, lee)
    return {"towns": towns, "farming": farming, "findings": [f1, f2, f3, f4, f5, f6]}


def figures(rows) -> list[tuple]:
    return [
        (
            r.name,
            r.tally.total,
            r.tally.closed_on_time,
            r.tally.closed_late,
            r.tally.overdue,
            r.urges,
            r.open_urges,
            None if r.days_to_acknowledge is None else round(r.days_to_acknowledge, 2),
            None if r.days_to_result is None else round(r.days_to_result, 2),
        )
        for r in rows
    ]


def county_findings(county, scope=None):
    return (Finding.objects if scope is None else scope).active().filter(county=county)


class TestFigures:
    def test_per_unit_worst_first(self, ledger, county_a):
        with travel(TODAY):
            rows = selectors.unit_ranking(county_findings(county_a), TODAY)
        # Worst first: overdue now, then closed late, then urges waiting for an answer.
        assert figures(rows) == [
            ("区财政局", 2, 1, 0, 1, 2, 2, 1.5, 18.0),
            ("各乡镇人民政府", 2, 0, 0, 1, 1, 1, None, None),
            ("区商务和经济合作局", 2, 1, 1, 0, 1, 0, 2.0, 20.5),
        ]

    def test_a_unit_contact_counts_only_the_units_findings(self, ledger, county_a, una):
        # una (区商务和经济合作局) sees F1, F2 and F6: 区财政局 only on F1, 各乡镇 nowhere.
        with travel(TODAY):
            rows = selectors.unit_ranking(
                county_findings(county_a, Finding.objects.for_user(una)), TODAY
            )
        assert figures(rows) == [
            ("区商务和经济合作局", 2, 1, 1, 0, 1, 0, 2.0, 20.5),
            ("区财政局", 1, 1, 0, 0, 0, 0, 1.5, 18.0),
        ]

    def test_two_queries_whatever_the_number_of_units(
        self, ledger, alice, county_a, review_a, django_assert_num_queries
    ):
        with travel(ASSIGNED):
            for i in range(12):
                unit = Factory.unit(county_a, f"单位{i}")
                Factory.finding(alice, county_a, review_a, units=[unit])
        with travel(TODAY), django_assert_num_queries(2):
            rows = selectors.unit_ranking(county_findings(county_a), TODAY)
        assert len(rows) == 15

    def test_no_findings_no_rows(self, county_a):
        assert selectors.unit_ranking(county_findings(county_a), TODAY) == []


def ranking_table(html: str) -> str:
    return html.split('id="unit-ranking"', 1)[1].split("</table>", 1)[0]


def row_names(table: str) -> list[str]:
    return re.findall(r'<td class="unit-name"><a href="[^"]*">([^<]+)</a>', table)


class TestCountyDashboard:
    URL = "/counties/510811/"

    def test_the_card(self, client, ledger, alice, unit_a, unit_a2):
        client.force_login(alice)
        with travel(TODAY):
            response = client.get(self.URL)
        page = response.content.decode()
        assert "责任单位排名" in page
        table = ranking_table(page)
        assert row_names(table) == ["区财政局", "各乡镇人民政府", "区商务和经济合作局"]
        assert f'href="/findings/?task_unit={unit_a.pk}"' in table
        assert f'href="/findings/?task_unit={unit_a2.pk}"' in table
        # 区商务和经济合作局: the days to 签收 and to the close-out, one decimal.
        assert ">2.0<" in table and ">20.5<" in table

    def test_each_link_lists_the_tasks_ranked(self, client, ledger, alice, unit_a):
        """A unit's link opens the ledger on the findings the ranking counted for it: its
        tasks as a responsible unit, not those it only cooperates on (农业农村局 on F5) nor the
        one it handed back (区商务和经济合作局 on F6)."""
        client.force_login(alice)
        with travel(TODAY):
            table = ranking_table(client.get(self.URL).content.decode())
            links = re.findall(r'<td class="unit-name"><a href="([^"]*)">([^<]+)</a>', table)
            totals = {
                r.name: r.tally.total
                for r in selectors.unit_ranking(county_findings(unit_a.county), TODAY)
            }
            farming = ledger["towns"].county.units.get(name="区农业农村局")
            assert "区农业农村局" not in dict((n, h) for h, n in links)
            for href, name in links:
                listed = client.get(href.replace("&amp;", "&")).context["page"].paginator.count
                assert listed == totals[name], name
            f1, f2, _f3, _f4, f5, f6 = ledger["findings"]
            mine = set(client.get(f"/findings/?task_unit={unit_a.pk}").context["page"])
            assert mine == {f1, f2}  # not F6, handed back
            assert set(client.get(f"/findings/?unit={unit_a.pk}").context["page"]) >= {f1, f2, f6}
            assert not client.get(f"/findings/?task_unit={farming.pk}").context["page"]
            assert set(client.get(f"/findings/?unit={farming.pk}").context["page"]) == {f5}

    @pytest.mark.parametrize(
        ("order", "expected"),
        [
            (
                "tasks",
                ["区财政局", "各乡镇人民政府", "区商务和经济合作局"],
            ),  # ties keep worst first
            ("-late", ["区商务和经济合作局", "区财政局", "各乡镇人民政府"]),
            ("-urges", ["区财政局", "各乡镇人民政府", "区商务和经济合作局"]),
            ("acknowledge", ["区财政局", "区商务和经济合作局", "各乡镇人民政府"]),  # — last
            ("-result", ["区商务和经济合作局", "区财政局", "各乡镇人民政府"]),
            ("unit", ["区商务和经济合作局", "区财政局", "各乡镇人民政府"]),  # by code point
        ],
    )
    def test_sortable(self, client, ledger, alice, order, expected):
        client.force_login(alice)
        with travel(TODAY):
            response = client.get(self.URL, {"o": order})
        table = ranking_table(response.content.decode())
        assert row_names(table)[: len(expected)] == expected

    def test_a_unit_contact_sees_the_ranking_of_the_units_findings(self, client, ledger, una):
        client.force_login(una)
        with travel(TODAY):
            response = client.get(self.URL)
        assert row_names(ranking_table(response.content.decode())) == [
            "区商务和经济合作局",
            "区财政局",
        ]


class TestProvinceUrges:
    URL = "/provinces/510000/"

    def test_per_county(self, client, ledger, rita, bob, county_b, finding_b):
        with travel(dt.date(2019, 10, 1)):
            services.finding_urge(user=rita, finding=finding_b, message="省级催办")
        client.force_login(rita)
        with travel(TODAY):
            response = client.get(self.URL)
        rows = {r.county.code: (r.urges, r.open_urges) for r in response.context["rows"]}
        # County A: six urges (five to units, one from the province), the one to
        # 区商务和经济合作局 answered; county B: the province's one.
        assert rows == {"510811": (6, 5), "510812": (1, 1)}
        page = response.content.decode()
        assert re.search(r'data-urges="6">6<span[^>]*>（5次待回复）', page)

    def test_sortable_by_urges(self, client, ledger, rita, county_b):
        client.force_login(rita)
        with travel(TODAY):
            response = client.get(self.URL, {"o": "urges"})
        assert [r.urges for r in response.context["rows"]] == [0, 6]
