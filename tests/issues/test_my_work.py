"""/my/: what waits for the logged-in user — their overdue and due-soon findings, findings
without a progress note this month, close-out requests to approve, recent close-outs to
spot-check — and nothing from outside their scope."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues import services
from issues.models import Finding, FindingRequest, FindingUnit
from tests import approvals
from tests.conftest import Factory

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = "逾期或即将到期的问题"
QUIET = "本月还没有填报进展的问题"
APPROVE = "等待审批的销号申请"
EXTENSIONS = "等待审批的延期申请"
ARCHIVES = "等待审批的归档申请"
MINE = "我提交的待审批申请"
RECENT = "近30天销号的问题（可抽查）"
UNIT = "本单位逾期或即将到期的问题"
RETURNED = "被退回的销号申请"
REVIEW = (
    "单位报送待采纳"  # a unit's notes for the office to accept (tests/issues/test_unit_progress.py)
)


@pytest.fixture(autouse=True)
def clock(settings):
    settings.RECTIFY_WARNING_DAYS = 7  # the findings are laid out around a week's warning
    with time_machine.travel(dt.datetime(2019, 9, 10, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


@pytest.fixture
def uma(county_a, unit_a):
    """The contact of 区商务和经济合作局: a county-A user of that unit, without a role."""
    return Factory.user("uma", county=county_a, unit=unit_a)


@pytest.fixture
def ledger(alice, lee, bob, county_a, county_b, review_a, review_b, unit_a, unit_a2, factory):
    def a(name, deadline, units, **kw):
        return factory.finding(
            alice, county_a, review_a, description=name, deadline=deadline, units=units, **kw
        )

    unit_b = factory.unit(county_b, "朝天区商务局")

    def b(name, deadline, **kw):
        return factory.finding(
            bob, county_b, review_b, description=name, deadline=deadline, units=[unit_b], **kw
        )

    closed = {"status": Finding.Status.CLOSED}
    f = {
        "late": a("站点运营欠佳", dt.date(2019, 9, 1), [unit_a]),
        "soon": a("物流未整合", dt.date(2019, 9, 15), [unit_a2, unit_a]),
        "later": a("培训率偏低", dt.date(2019, 10, 30), [unit_a]),
        "submitted": a("台账不全", dt.date(2019, 9, 20), [unit_a]),
        "closed_recent": a("中心未建", dt.date(2019, 8, 1), [unit_a], **closed),
        "closed_old": a("品牌未培育", dt.date(2019, 6, 1), [unit_a], **closed),
        "archived": a("重复登记", dt.date(2019, 9, 1), [unit_a]),
        "b_late": b("朝天站点未运营", dt.date(2019, 9, 3)),
        "b_closed": b("朝天中心未建", dt.date(2019, 8, 1), **closed),
    }
    Finding.objects.filter(pk=f["closed_recent"].pk).update(closed_on=dt.date(2019, 9, 1))
    Finding.objects.filter(pk=f["closed_old"].pk).update(closed_on=dt.date(2019, 7, 1))
    Finding.objects.filter(pk=f["b_closed"].pk).update(closed_on=dt.date(2019, 9, 5))
    # Notes: this month for "soon" and "submitted", last month for "later".
    services.progress_add(user=alice, finding=f["soon"], note="已签协议", date=dt.date(2019, 9, 2))
    services.progress_add(user=alice, finding=f["later"], note="已开班", date=dt.date(2019, 8, 31))
    services.progress_add(
        user=alice, finding=f["submitted"], note="已补台账", date=dt.date(2019, 9, 9)
    )
    services.finding_submit_closeout(
        user=alice, finding=f["submitted"], result="已补齐台账。", evidence_waiver="见台账。"
    )
    approvals.archive(f["archived"], staff=alice, leader=lee)
    return f


def my_work(client, user) -> dict[str, list[str]]:
    """Each list's title → the findings it shows (their descriptions), in order."""
    client.force_login(user)
    response = client.get("/my/")
    assert response.status_code == 200
    html = response.content.decode()
    lists = {}
    for card in re.findall(r'<div class="card mb-3">(.*?)</ul>', html, re.S):
        title = re.search(r'<div class="card-header[^"]*">\s*(.*?)\s*<span', card, re.S).group(1)
        lists[title] = re.findall(r'<a href="/findings/\d+/">(.*?)</a>', card)
        badge = int(re.search(r'<span class="badge text-bg-secondary">(\d+)</span>', card).group(1))
        assert badge == len(lists[title]), title
    return lists


def test_county_staff(client, alice, ledger):
    assert my_work(client, alice) == {
        DUE: ["站点运营欠佳", "物流未整合"],
        QUIET: ["站点运营欠佳", "培训率偏低"],
        RETURNED: [],
        REVIEW: [],
        MINE: [],
    }


def test_staff_see_the_close_outs_the_leader_returned(client, alice, lee, ledger):
    submitted = ledger["submitted"]
    services.finding_return(user=lee, finding=submitted, reason="佐证材料不全。")
    assert my_work(client, alice)[RETURNED] == ["台账不全"]
    # Sent again, it waits for the leader, no longer returned.
    services.finding_submit_closeout(
        user=alice, finding=submitted, result="已补齐台账。", evidence_waiver="见系统台账。"
    )
    assert my_work(client, alice)[RETURNED] == []


def test_county_leader(client, lee, ledger):
    assert my_work(client, lee) == {APPROVE: ["台账不全"], EXTENSIONS: [], ARCHIVES: []}


def test_province_reviewer(client, rita, ledger):
    assert my_work(client, rita) == {RECENT: ["朝天中心未建", "中心未建"]}


def test_unit_user_sees_only_what_their_unit_leads(client, uma, ledger):
    # 物流未整合 is due soon too, but 区财政局 leads it; 区商务和经济合作局 comes second.
    assert my_work(client, uma) == {UNIT: ["站点运营欠佳"]}


def test_unit_user_of_the_lead_unit(client, county_a, unit_a2, ledger):
    user = Factory.user("cai", county=county_a, unit=unit_a2)
    assert my_work(client, user) == {UNIT: ["物流未整合"]}


def test_cooperating_is_not_leading(client, uma, unit_a, ledger):
    FindingUnit.objects.filter(finding=ledger["soon"], unit=unit_a).update(
        role=FindingUnit.Role.COOPERATING
    )
    assert my_work(client, uma) == {UNIT: ["站点运营欠佳"]}
    # Made the lead, the unit sees it.
    FindingUnit.objects.filter(finding=ledger["soon"], unit=unit_a).update(
        role=FindingUnit.Role.RESPONSIBLE, order=0
    )
    assert my_work(client, uma) == {UNIT: ["站点运营欠佳", "物流未整合"]}


def test_unit_user_who_is_also_staff_gets_both(client, alice, unit_a, ledger):
    alice.unit = unit_a
    alice.save()
    lists = my_work(client, alice)
    assert list(lists) == [UNIT, DUE, QUIET, RETURNED, REVIEW, MINE]
    assert lists[UNIT] == ["站点运营欠佳"]


def test_another_countys_staff(client, bob, ledger):
    assert my_work(client, bob) == {
        DUE: ["朝天站点未运营"],
        QUIET: ["朝天站点未运营"],
        RETURNED: [],
        REVIEW: [],
        MINE: [],
    }


def test_reviewer_of_another_province_sees_none_of_it(client, quinn, ledger):
    assert my_work(client, quinn) == {RECENT: []}
    html = client.get("/my/").content.decode()
    assert "近30天没有销号的问题。" in html
    for finding in ledger.values():
        assert finding.description not in html


def test_a_user_without_a_role_or_unit_has_nothing_to_do(client, county_a, ledger):
    client.force_login(Factory.user("visitor", county=county_a))
    html = client.get("/my/").content.decode()
    assert "您目前没有待办事项。" in html


def test_nothing_from_outside_the_scope(client, alice, lee, uma, ledger):
    b_names = {ledger["b_late"].description, ledger["b_closed"].description}
    for user in (alice, lee, uma):
        client.force_login(user)
        html = client.get("/my/").content.decode()
        assert not [name for name in b_names if name in html], user.username
        assert ledger["archived"].description not in html


def test_empty_lists_say_so(client, alice, lee, county_a):
    assert my_work(client, lee) == {APPROVE: [], EXTENSIONS: [], ARCHIVES: []}
    html = client.get("/my/").content.decode()
    assert "没有等待审批的销号申请。" in html
    assert "没有等待审批的延期申请。" in html
    assert "没有等待审批的归档申请。" in html
    client.force_login(alice)
    html = client.get("/my/").content.decode()
    assert "没有逾期或即将到期的问题。" in html
    assert "所有未销号的问题本月都已填报进展。" in html


def test_a_note_this_month_takes_it_off_the_quiet_list(client, alice, ledger):
    services.progress_add(user=alice, finding=ledger["late"], note="已整改。")
    assert my_work(client, alice)[QUIET] == ["培训率偏低"]


def test_approving_takes_it_off_the_leaders_list_and_onto_the_reviewers(client, lee, rita, ledger):
    services.finding_close(user=lee, finding=ledger["submitted"])
    assert my_work(client, lee)[APPROVE] == []
    assert my_work(client, rita)[RECENT] == ["台账不全", "朝天中心未建", "中心未建"]


def test_rows_link_and_show_the_deadline_state(client, alice, ledger):
    client.force_login(alice)
    html = client.get("/my/").content.decode()
    assert f'href="/findings/{ledger["late"].pk}/"' in html
    assert "逾期 9 天" in html
    assert "剩 5 天" in html
    assert "区商务和经济合作局" in html  # the lead unit of 站点运营欠佳


def test_anonymous_goes_to_log_in(client):
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my/"


# Extension and archive requests


def ask(ledger, alice, bob):
    """Pending: an extension of 培训率偏低 and an archive of 物流未整合 (alice), and an
    extension in county B (bob); decided or withdrawn ones are not listed."""
    services.extension_request(
        user=alice, finding=ledger["later"], new_deadline=dt.date(2019, 12, 31), reason="汛期。"
    )
    services.archive_request(user=alice, finding=ledger["soon"], reason="重复登记。")
    services.extension_request(
        user=bob, finding=ledger["b_late"], new_deadline=dt.date(2019, 12, 31), reason="B县。"
    )


def test_the_leader_sees_requests_to_decide(client, alice, lee, bob, ledger):
    ask(ledger, alice, bob)
    refused = services.extension_request(
        user=alice, finding=ledger["late"], new_deadline=dt.date(2019, 10, 31), reason="晚了。"
    )
    services.request_decide(user=lee, request=refused, approve=False, comment="不同意。")
    lists = my_work(client, lee)
    assert lists[EXTENSIONS] == ["培训率偏低"]
    assert lists[ARCHIVES] == ["物流未整合"]
    html = client.get("/my/").content.decode()
    assert "完成时限由2019年10月30日延至2019年12月31日" in html
    assert "汛期。" in html
    assert "B县。" not in html


def test_staff_see_their_own_pending_requests(client, alice, lee, bob, county_a, ledger):
    ask(ledger, alice, bob)
    assert my_work(client, alice)[MINE] == ["培训率偏低", "物流未整合"]
    assert my_work(client, bob)[MINE] == ["朝天站点未运营"]
    colleague = Factory.user("carol", "county_staff", county=county_a)
    assert my_work(client, colleague)[MINE] == []
    (pending,) = FindingRequest.objects.filter(finding=ledger["soon"])
    services.request_decide(user=lee, request=pending, approve=True)
    assert my_work(client, alice)[MINE] == ["培训率偏低"]
    assert ARCHIVES in my_work(client, lee) and my_work(client, lee)[ARCHIVES] == []


def test_the_lists_take_no_query_per_request(
    client, alice, lee, bob, ledger, django_assert_max_num_queries
):
    ask(ledger, alice, bob)
    client.force_login(lee)
    with CaptureQueriesContext(connection) as few:
        client.get("/my/")
    for key in ("late", "submitted"):
        services.extension_request(
            user=alice, finding=ledger[key], new_deadline=dt.date(2020, 1, 31), reason="多"
        )
    services.archive_request(user=alice, finding=ledger["late"], reason="多")
    with django_assert_max_num_queries(len(few)):
        response = client.get("/my/")
    lists = {w.title: w for w in response.context["work"]}
    assert len(lists[EXTENSIONS].findings) == 3
    assert len(lists[ARCHIVES].findings) == 2
