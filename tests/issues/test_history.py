"""A finding's history as a readable timeline in Chinese (issues.timeline.finding_timeline), and
the detail page that shows it with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues import services
from issues.models import Finding, FindingUnit, Unit
from issues.services import FindingData, UnitEntry
from issues.timeline import finding_timeline
from tests import approvals

SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Queries of the detail page for a county-A staff user, whatever the length of the history.
DETAIL_QUERIES = 22  # with the extension and archive requests


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(2019, 5, 1), tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def zhang(alice):
    alice.first_name = "张三"
    alice.save()
    return alice


@pytest.fixture
def li(lee):
    lee.first_name = "李四"
    lee.save()
    return lee


@pytest.fixture
def wang(rita):
    rita.first_name = "王五"
    rita.save()
    return rita


@pytest.fixture
def finding(zhang, county_a, review_a, unit_a, factory) -> Finding:
    """Registered on 2019-05-01 with two measures and one unit, due 2019-05-30."""
    return factory.finding(
        zhang,
        county_a,
        review_a,
        description="县级公共服务中心未开始建设。",
        measures=["加快选址", "尽快招标"],
        units=[unit_a],
        deadline=dt.date(2019, 5, 30),
    )


def edit(finding: Finding, user, *, units: list[UnitEntry] | None = None, **changes) -> Finding:
    """Save the finding as its edit form would, with `changes` applied."""
    finding = Finding.objects.get(pk=finding.pk)
    data = FindingData(
        review=finding.review,
        category=finding.category,
        description=finding.description,
        deadline=finding.deadline,
        is_ongoing=finding.is_ongoing,
        result=finding.result,
        measures=[m.text for m in finding.measures.all()],
        units=units
        if units is not None
        else [UnitEntry(link.unit, link.role) for link in finding.unit_links.all()],
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return services.finding_update(user=user, finding=finding, data=data)


def sentences(finding: Finding) -> list[str]:
    return [str(event) for event in finding_timeline(finding)]


def texts(finding: Finding) -> list[str]:
    return [event.text for event in finding_timeline(finding)]


def test_a_deadline_change_reads_as_a_sentence(clock, zhang, li, finding):
    clock.move_to(at(2019, 6, 5))
    # A deadline moves only by an extension: zhang asks, li approves.
    approvals.extend(finding, dt.date(2019, 9, 30), staff=zhang, leader=li)
    assert sentences(finding) == [
        "李四 2019年6月5日 将完成时限由 2019年5月30日 改为 2019年9月30日",
        "张三 2019年5月1日 登记了该问题",
    ]


def test_the_user_name_falls_back_to_the_username(clock, alice, lee, county_a, review_a, factory):
    finding = factory.finding(alice, county_a, review_a, deadline=dt.date(2019, 5, 30))
    clock.move_to(at(2019, 6, 5))
    approvals.extend(finding, dt.date(2019, 9, 30), staff=alice, leader=lee)
    assert sentences(finding)[0] == "lee 2019年6月5日 将完成时限由 2019年5月30日 改为 2019年9月30日"


def test_the_day_is_the_day_in_shanghai(clock, zhang, li, finding):
    clock.move_to(dt.datetime(2019, 6, 5, 20, 0, tzinfo=dt.UTC))  # 04:00 on the 6th in Shanghai
    approvals.extend(finding, dt.date(2019, 9, 30), staff=zhang, leader=li)
    assert sentences(finding)[0].startswith("李四 2019年6月6日 ")


def test_measures_typed_with_the_new_finding_are_part_of_registering_it(finding):
    assert sentences(finding) == ["张三 2019年5月1日 登记了该问题"]


def test_other_fields(clock, zhang, finding, review_a):
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, description="县级公共服务中心尚未开工建设。", is_ongoing=True)
    clock.move_to(at(2019, 6, 2))
    edit(finding, zhang, result="已完成选址。")
    clock.move_to(at(2019, 6, 3))
    edit(finding, zhang, category=None, new_category_name="建设与运行问题")
    assert texts(finding)[:4] == [
        "将问题类别由 项目管理问题 改为 建设与运行问题",
        "填写了整改结果:已完成选址。",
        "修改了问题描述,改为:县级公共服务中心尚未开工建设。",
        "将并长期坚持由 否 改为 是",
    ]


def test_measures_added_changed_and_removed(clock, zhang, finding):
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, measures=["加快选址", "尽快招标", "10月底前开工"])
    clock.move_to(at(2019, 6, 2))
    edit(finding, zhang, measures=["加快选址", "9月底前完成招标", "10月底前开工"])
    clock.move_to(at(2019, 6, 3))
    edit(finding, zhang, measures=["加快选址", "9月底前完成招标"])
    assert sentences(finding) == [
        "张三 2019年6月3日 删除整改措施:10月底前开工",
        "张三 2019年6月2日 将第2条整改措施改为:9月底前完成招标",
        "张三 2019年6月1日 新增整改措施:10月底前开工",
        "张三 2019年5月1日 登记了该问题",
    ]


def test_units_added_changed_and_removed(clock, zhang, finding, unit_a, unit_a2):
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, units=[UnitEntry(unit_a), UnitEntry(unit_a2)])
    clock.move_to(at(2019, 6, 2))
    edit(
        finding,
        zhang,
        units=[UnitEntry(unit_a), UnitEntry(unit_a2, FindingUnit.Role.COOPERATING)],
    )
    clock.move_to(at(2019, 6, 3))
    edit(finding, zhang, units=[UnitEntry(unit_a2)])
    told = sentences(finding)
    # The two sentences of one save come in either order.
    assert set(told[:2]) == {
        "张三 2019年6月3日 移除责任单位:区商务和经济合作局",
        "张三 2019年6月3日 调整了区财政局的顺序或角色(现为第1位,责任单位)",
    }
    assert told[2:] == [
        "张三 2019年6月2日 调整了区财政局的顺序或角色(现为第2位,配合单位)",
        "张三 2019年6月1日 增加责任单位:区财政局",
        "张三 2019年5月1日 登记了该问题",
    ]


def test_a_renamed_unit_is_told_by_its_current_name(clock, zhang, finding, unit_a2):
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, units=[UnitEntry(unit_a2)])
    Unit.objects.filter(pk=unit_a2.pk).update(name="区财政局(新)")
    assert "增加责任单位:区财政局(新)" in texts(finding)


def test_progress_and_the_start_it_makes(clock, zhang, finding):
    clock.move_to(at(2019, 6, 5))
    services.progress_add(user=zhang, finding=finding, note="已完成选址,正在办理用地手续。")
    # Same moment: the order of the two is not the point.
    assert set(sentences(finding)) == {
        "张三 2019年6月5日 填报整改进展(2019年6月5日):已完成选址,正在办理用地手续。",
        "张三 2019年6月5日 开始整改,说明:填报首条整改进展",
        "张三 2019年5月1日 登记了该问题",
    }


def test_long_notes_are_shortened(clock, zhang, finding):
    clock.move_to(at(2019, 6, 5))
    services.progress_add(user=zhang, finding=finding, note="进" * 50, date=dt.date(2019, 6, 4))
    assert f"填报整改进展(2019年6月4日):{'进' * 40}…" in texts(finding)


def test_evidence_uploaded_removed_and_restored(clock, zhang, li, finding):
    clock.move_to(at(2019, 6, 5))
    evidence = services.evidence_add(
        user=zhang,
        finding=finding,
        upload=SimpleUploadedFile("minutes.pdf", PDF),
        title="选址会议纪要",
    )
    clock.move_to(at(2019, 6, 6))
    services.evidence_remove(user=zhang, evidence=evidence)
    clock.move_to(at(2019, 6, 7))
    services.evidence_restore(user=li, evidence=evidence)
    assert sentences(finding)[:3] == [
        "李四 2019年6月7日 恢复佐证材料:选址会议纪要",
        "张三 2019年6月6日 移除佐证材料:选址会议纪要",
        "张三 2019年6月5日 上传佐证材料:选址会议纪要",
    ]


def test_workflow_steps_with_their_comments(clock, zhang, li, wang, finding):
    steps = [
        (at(2019, 6, 1), lambda: services.finding_start(user=zhang, finding=finding)),
        (
            at(2019, 6, 2),
            lambda: services.finding_submit_closeout(
                user=zhang,
                finding=finding,
                result="已建成。",
                evidence_waiver="现场查验。",
                comment="请审批",
            ),
        ),
        (at(2019, 6, 3), lambda: services.finding_return(user=li, finding=finding, reason="不足")),
        (
            at(2019, 6, 4),
            lambda: services.finding_submit_closeout(
                user=zhang, finding=finding, result="已建成投运。", evidence_waiver="现场查验。"
            ),
        ),
        (at(2019, 6, 5), lambda: services.finding_close(user=li, finding=finding)),
        (
            at(2019, 7, 1),
            lambda: services.finding_reopen(user=wang, finding=finding, reason="抽查发现反弹"),
        ),
    ]
    for when, step in steps:
        clock.move_to(when)
        step()
    workflow = [e for e in finding_timeline(finding) if e.kind == "workflow"]
    assert [str(e) for e in workflow] == [
        "王五 2019年7月1日 重新打开,说明:抽查发现反弹",
        "李四 2019年6月5日 同意销号",
        "张三 2019年6月4日 申请销号",
        "李四 2019年6月3日 退回销号申请,说明:不足",
        "张三 2019年6月2日 申请销号,说明:请审批",
        "张三 2019年6月1日 开始整改",
    ]
    # The fields the close-out set are told once, next to the step.
    all_texts = texts(finding)
    assert "填写了整改结果:已建成。" in all_texts
    assert "修改了整改结果,改为:已建成投运。" in all_texts
    assert "填写了无需佐证材料的理由:现场查验。" in all_texts
    assert not any(t.startswith("将整改状态") for t in all_texts)
    assert not any(t.startswith("将销号日期") for t in all_texts)


def test_archive_and_restore(clock, zhang, li, finding):
    clock.move_to(at(2019, 6, 1))
    approvals.archive(finding, staff=zhang, leader=li)  # zhang asks, li approves
    clock.move_to(at(2019, 6, 2))
    services.finding_restore(user=zhang, finding=Finding.objects.get(pk=finding.pk))
    assert sentences(finding)[:2] == [
        "张三 2019年6月2日 恢复了该问题",
        "李四 2019年6月1日 归档了该问题",
    ]


def test_another_findings_history_is_not_mixed_in(
    clock, zhang, finding, county_a, review_a, factory
):
    other = factory.finding(zhang, county_a, review_a, description="另一个问题。")
    clock.move_to(at(2019, 6, 1))
    edit(other, zhang, deadline=dt.date(2019, 12, 31))
    services.progress_add(user=zhang, finding=other, note="另一个问题的进展")
    assert sentences(finding) == ["张三 2019年5月1日 登记了该问题"]


# The detail page


def history_card(html: str) -> str:
    start = html.index('id="history"')
    return html[start : html.index("</ul>", start)]


def test_detail_page_shows_the_timeline(client, clock, zhang, li, finding):
    clock.move_to(at(2019, 6, 5))
    approvals.extend(finding, dt.date(2019, 9, 30), staff=zhang, leader=li)
    clock.move_to(at(2019, 6, 6))
    services.progress_add(user=zhang, finding=finding, note="已完成选址。")
    client.force_login(li)
    html = client.get(finding.get_absolute_url()).content.decode()
    card = history_card(html)
    items = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li[^>]*>(.*?)</li>", card, re.S)
    ]
    assert len(items) == 4
    assert items[-1].endswith("张三 登记了该问题")
    assert any(
        i.startswith("2019年6月5日")
        and i.endswith("李四 将完成时限由 2019年5月30日 改为 2019年9月30日")
        for i in items
    ), items
    assert any(i.endswith("张三 填报整改进展(2019年6月6日):已完成选址。") for i in items), items


def test_the_timeline_is_in_the_page_once_and_not_in_its_title(client, zhang, finding):
    client.force_login(zhang)
    html = client.get(finding.get_absolute_url()).content.decode()
    assert html.count('id="history"') == 1
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.strip() == "县级公共服务中心未开始建设。 · 整改台账"


def grow_history(clock, finding, staff, leader, rounds: int) -> None:
    """Edits, measures, units, notes, evidence and workflow steps, `rounds` times over."""
    for i in range(rounds):
        clock.shift(dt.timedelta(days=1))
        current = Finding.objects.get(pk=finding.pk).deadline
        approvals.extend(finding, current + dt.timedelta(days=1), staff=staff, leader=leader)
        edit(finding, staff, measures=["加快选址", f"第{i}轮措施"])
        services.progress_add(user=staff, finding=finding, note=f"第{i}轮进展")
        evidence = services.evidence_add(
            user=staff, finding=finding, upload=SimpleUploadedFile(f"{i}.pdf", PDF)
        )
        if i % 2:
            services.evidence_remove(user=staff, evidence=evidence)
        services.finding_submit_closeout(
            user=staff, finding=finding, result=f"第{i}轮结果", evidence_waiver="现场查验。"
        )
        services.finding_return(user=leader, finding=finding, reason=f"第{i}轮退回")


def detail_queries(client, finding) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(finding.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_detail_page_queries_do_not_grow_with_the_history(
    client, clock, zhang, li, finding, unit_a2
):
    client.force_login(zhang)
    grow_history(clock, finding, zhang, li, 1)
    few = len(finding_timeline(finding))
    assert detail_queries(client, finding) == DETAIL_QUERIES
    grow_history(clock, finding, zhang, li, 6)
    assert len(finding_timeline(finding)) > 3 * few
    assert detail_queries(client, finding) == DETAIL_QUERIES
