"""No silent overwrites: when two people edit the same finding (or report) at once, the second
save is refused, shows what the other changed, keeps what was typed, and goes through when
submitted again."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client

from issues import services
from issues.models import Finding, Role
from rectify.lib.records import EditConflict
from reports.models import Report
from reports.services import report_save
from tests.conftest import Factory

from .html_forms import form_data

SHANGHAI = ZoneInfo("Asia/Shanghai")
FINDING_REFUSED = "保存被拒绝：您编辑期间，其他人修改了该问题。请核对下列变化，确认后再次保存。"
REPORT_REFUSED = "保存被拒绝：您编辑期间，其他人修改了该报告。请核对下列变化，确认后再次保存。"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2019, 9, 10, 9, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


@pytest.fixture
def carol(county_a):
    """A second member of county A's staff."""
    user = Factory.user("carol", Role.COUNTY_STAFF, county=county_a)
    user.first_name = "李娜"
    user.save()
    return user


@pytest.fixture
def zhang(alice):
    alice.first_name = "张三"
    alice.save()
    return alice


def browser(user) -> Client:
    """Each person edits in their own browser."""
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def conflict_lines(html: str) -> list[str]:
    box = re.search(r'<div class="alert alert-warning conflict".*?</ul>', html, re.S)
    assert box, "no conflict box"
    return [
        re.sub(r"\s+", " ", line).strip() for line in re.findall(r"<li>(.*?)</li>", box.group(0))
    ]


def state(finding: Finding) -> tuple:
    f = Finding.objects.get(pk=finding.pk)
    return (
        f.version,
        f.description,
        f.is_ongoing,
        f.result,
        [m.text for m in f.measures.all()],
        [link.unit.name for link in f.unit_links.select_related("unit")],
    )


# A finding


class TestFinding:
    @pytest.fixture
    def edit_url(self, finding_a) -> str:
        return f"/findings/{finding_a.pk}/edit/"

    def load(self, client, url) -> dict:
        response = client.get(url)
        assert response.status_code == 200
        return form_data(response.content, "finding-form")

    def test_second_save_is_refused_then_reapplied(self, clock, zhang, carol, finding_a, edit_url):
        his, hers = browser(zhang), browser(carol)
        mine = self.load(his, edit_url)
        theirs = self.load(hers, edit_url)
        assert mine["version"] == theirs["version"] == "1"

        # 张三 saves first.
        clock.shift(dt.timedelta(minutes=5))
        response = his.post(
            edit_url,
            # (The deadline is set once and moves only by an approved extension.)
            {**mine, "is_ongoing": "on", "measures-0-text": "年底前完成选址并开工"},
        )
        assert response.status_code == 302
        after_first = state(finding_a)
        assert after_first[0] == 2
        assert after_first[2] is True

        # 李娜, still on version 1, saves her own changes.
        clock.shift(dt.timedelta(minutes=5))
        typed = {
            **theirs,
            "result": "已完成公共服务中心选址。",
            "measures-1-text": "引入第三方运营",
            "description": "县级公共服务中心尚未建设。",
        }
        response = hers.post(edit_url, typed)

        assert response.status_code == 200
        assert state(finding_a) == after_first  # nothing of hers was saved
        assert messages_of(response) == [FINDING_REFUSED]
        html = response.content.decode()
        # One entry for his one save.
        assert conflict_lines(html) == [
            "张三 2019年9月10日 将并长期坚持由 否 改为 是；"
            "将第1条整改措施改为：年底前完成选址并开工"
        ]
        # Everything she typed is still in the form, now against version 2.
        shown = form_data(html, "finding-form")
        assert shown["version"] == "2"
        for name in ("result", "measures-1-text", "description", "measures-0-text"):
            assert shown[name] == typed[name], name
        assert shown["units-0-unit"] == typed["units-0-unit"]
        assert shown["units-1-unit"] == typed["units-1-unit"]

        # Saving the refused form again applies her input on top of the current version.
        clock.shift(dt.timedelta(minutes=5))
        response = hers.post(edit_url, shown)
        assert response.status_code == 302
        assert messages_of(response) == ["修改已保存。"]
        version, description, ongoing, result, measures, units = state(finding_a)
        assert version == 3
        assert description == "县级公共服务中心尚未建设。"
        assert result == "已完成公共服务中心选址。"
        assert measures == ["第一条措施", "引入第三方运营"]
        assert ongoing is False  # her form's value, as she confirmed it
        assert units == ["区商务和经济合作局", "区财政局"]

    def test_a_workflow_step_meanwhile_also_refuses_the_edit(
        self, clock, alice, carol, finding_a, edit_url
    ):
        hers = browser(carol)
        theirs = self.load(hers, edit_url)
        clock.shift(dt.timedelta(minutes=5))
        services.finding_start(user=alice, finding=finding_a, comment="已部署")
        before = state(finding_a)
        clock.shift(dt.timedelta(minutes=5))
        response = hers.post(edit_url, {**theirs, "result": "已选址"})
        assert response.status_code == 200
        assert state(finding_a) == before
        assert conflict_lines(response.content.decode()) == [
            "alice 2019年9月10日 开始整改，说明：已部署"
        ]

    def test_the_same_person_saving_twice_in_a_row_is_no_conflict(self, alice, finding_a, edit_url):
        client = browser(alice)
        data = self.load(client, edit_url)
        assert client.post(edit_url, {**data, "result": "甲"}).status_code == 302
        # The page they are sent back to hands out the new version.
        data = self.load(client, edit_url)
        assert data["version"] == "2"
        assert client.post(edit_url, {**data, "result": "乙"}).status_code == 302
        assert Finding.objects.get(pk=finding_a.pk).result == "乙"

    def test_service_refuses_a_stale_version_and_changes_nothing(
        self, clock, alice, carol, finding_a
    ):
        stale = Finding.objects.get(pk=finding_a.pk)
        data = services.FindingData(
            review=stale.review,
            category=stale.category,
            description=stale.description,
            deadline=dt.date(2020, 1, 31),
            measures=["甲"],
        )
        clock.shift(dt.timedelta(minutes=5))
        services.finding_update(
            user=alice,
            finding=Finding.objects.get(pk=finding_a.pk),
            data=services.FindingData(
                review=stale.review,
                category=stale.category,
                description="已改。",
                measures=["第一条措施", "第二条措施"],
                units=[
                    services.UnitEntry(link.unit, link.role)
                    for link in stale.unit_links.select_related("unit")
                ],
                deadline=stale.deadline,
            ),
            expected_version=1,
        )
        before = state(finding_a)
        with pytest.raises(EditConflict) as exc:
            services.finding_update(user=carol, finding=stale, data=data, expected_version=1)
        assert exc.value.current.version == 2
        assert exc.value.changes == ["alice 2019年9月10日 修改了问题描述，改为：已改。"]
        assert state(finding_a) == before


# A report's narratives


FIELDS = [
    "issuer",
    "addressee",
    "title",
    "date",
    "opening",
    "work_done",
    "leadership_heading",
    "leadership",
    "next_steps",
    "plan_title",
    "plan_intro",
    "plan_goals",
    "plan_safeguards",
]


@pytest.fixture
def report(alice, county_a, review_a, finding_a) -> Report:
    report = Report(
        county=county_a,
        issuer="广元市昭化区人民政府",
        title="广元市昭化区人民政府关于示范项目绩效评价发现问题整改情况的报告",
        date=dt.date(2019, 9, 10),
        work_done="一是迅速部署。",
        leadership="成立了领导小组。",
        next_steps="下一步,我区将继续推进。",
    )
    return report_save(user=alice, report=report, reviews=[review_a])


def report_form(html: bytes | str) -> dict:
    """The report edit form's fields (the page's other forms left out)."""
    if isinstance(html, bytes):
        html = html.decode()
    start = html.index('<form method="post" novalidate>')
    return form_data(html[start : html.index("</form>", start) + len("</form>")])


def report_fields(report: Report) -> dict:
    r = Report.objects.get(pk=report.pk)
    return {"version": r.version, **{name: getattr(r, name) for name in FIELDS}}


class TestReport:
    def test_second_save_is_refused_then_reapplied(self, clock, zhang, carol, report):
        url = f"/reports/{report.pk}/edit/"
        his, hers = browser(zhang), browser(carol)
        mine = report_form(his.get(url).content)
        theirs = report_form(hers.get(url).content)
        assert mine["version"] == theirs["version"] == "1"
        assert mine["work_done"] == "一是迅速部署。"

        clock.shift(dt.timedelta(minutes=5))
        response = his.post(url, {**mine, "work_done": "一是迅速部署。\n二是压实责任。"})
        assert response.status_code == 302
        after_first = report_fields(report)
        assert after_first["version"] == 2

        clock.shift(dt.timedelta(minutes=5))
        typed = {
            **theirs,
            "next_steps": "下一步,我区将对照问题清单逐项销号。",
            "plan_goals": "(一)总体目标。年底前全部销号。",
        }
        response = hers.post(url, typed)

        assert response.status_code == 200
        assert report_fields(report) == after_first
        assert messages_of(response) == [REPORT_REFUSED]
        html = response.content.decode()
        assert conflict_lines(html) == ["张三 修改了“工作开展情况”"]
        shown = report_form(html)
        assert shown["version"] == "2"
        for name in ("next_steps", "plan_goals", "work_done", "title"):
            assert shown[name] == typed[name], name
        assert shown["reviews-0-include"] == "on"

        clock.shift(dt.timedelta(minutes=5))
        response = hers.post(url, shown)
        assert response.status_code == 302
        saved = report_fields(report)
        assert saved["version"] == 3
        assert saved["next_steps"] == "下一步,我区将对照问题清单逐项销号。"
        assert saved["plan_goals"] == "(一)总体目标。年底前全部销号。"
        assert saved["work_done"] == "一是迅速部署。"  # her form's text, as she confirmed it

    def test_service_refuses_a_stale_version(self, clock, alice, carol, report, review_a):
        first = Report.objects.get(pk=report.pk)
        first.leadership = "调整了领导小组成员。"
        clock.shift(dt.timedelta(minutes=5))
        report_save(user=alice, report=first, reviews=[review_a], expected_version=1)
        stale = Report.objects.get(pk=report.pk)
        stale.version = 1
        stale.next_steps = "不会保存。"
        with pytest.raises(EditConflict) as exc:
            report_save(user=carol, report=stale, reviews=[review_a], expected_version=1)
        assert exc.value.changes == ["alice 修改了“领导小组建立与履职情况”"]
        assert Report.objects.get(pk=report.pk).next_steps == "下一步,我区将继续推进。"


# Leaving the version out does not skip the check


MISSING_VERSION = (
    "无法确认您编辑的是否为最新内容（提交的表单缺少版本信息）。请核对当前内容后再次保存。"
)


class TestWithoutVersion:
    def test_finding_save_without_version_is_refused_and_keeps_the_input(self, alice, finding_a):
        url = f"/findings/{finding_a.pk}/edit/"
        client = browser(alice)
        data = form_data(client.get(url).content, "finding-form")
        del data["version"]
        before = state(finding_a)
        response = client.post(url, {**data, "result": "未经核对的修改"})
        assert response.status_code == 200
        assert state(finding_a) == before
        assert messages_of(response) == [FINDING_REFUSED]
        assert conflict_lines(response.content.decode()) == [MISSING_VERSION]
        shown = form_data(response.content, "finding-form")
        assert shown["result"] == "未经核对的修改"
        assert shown["version"] == "1"
        # Confirmed with the version the page now carries, it goes through.
        assert client.post(url, shown).status_code == 302
        assert Finding.objects.get(pk=finding_a.pk).result == "未经核对的修改"

    def test_finding_service_without_version_is_refused(self, alice, finding_a):
        finding = Finding.objects.get(pk=finding_a.pk)
        before = state(finding_a)
        data = services.FindingData(
            review=finding.review,
            category=finding.category,
            description="改了",
            deadline=finding.deadline,
        )
        with pytest.raises(EditConflict):
            services.finding_update(user=alice, finding=finding, data=data, expected_version=None)
        assert state(finding_a) == before

    def test_report_save_without_version_is_refused_and_keeps_the_input(self, alice, report):
        url = f"/reports/{report.pk}/edit/"
        client = browser(alice)
        data = report_form(client.get(url).content)
        del data["version"]
        before = report_fields(report)
        response = client.post(url, {**data, "next_steps": "未经核对的修改"})
        assert response.status_code == 200
        assert report_fields(report) == before
        assert messages_of(response) == [REPORT_REFUSED]
        assert MISSING_VERSION in response.content.decode()
        shown = report_form(response.content)
        assert shown["next_steps"] == "未经核对的修改"
        assert shown["version"] == "1"

    def test_report_service_without_version_is_refused(self, alice, report):
        before = report_fields(report)
        report.next_steps = "改了"
        with pytest.raises(EditConflict):
            report_save(
                user=alice, report=report, reviews=[report.reviews.first()], expected_version=None
            )
        assert report_fields(report) == before
