"""A finding's history (issues.timeline.finding_timeline): one entry for each change set (what
one person did at once), its sentences in Chinese, nothing hidden; and the detail page that
shows it with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issues import changesets, services
from issues.models import (
    Evidence,
    Finding,
    FindingRequest,
    FindingUnit,
    Measure,
    Progress,
    StatusChange,
    Unit,
)
from issues.services import FindingData, UnitEntry
from issues.timeline import changes_since, finding_timeline
from rectify.lib.records import stamp
from tests import approvals
from tests.issues.test_import_pages import TEXT

SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Queries of the detail page for a county-A user, whatever the length of the history: the
# session, user, groups, the finding, its unit links, evidence and notes, and one query
# (rectify.lib.together) for the timeline's nine lists (the finding's history with users,
# reviews and categories; the related findings each record saw; unit links, measures,
# notes, evidence, extension/archive requests and urges, each with its acting user; the
# workflow's status changes) together with the page's measures, requests, urges, related
# findings and the county's reviews.
DETAIL_QUERIES = 8
REGISTERED = [
    "登记了该问题",
    "新增整改措施：加快选址",
    "新增整改措施：尽快招标",
    "增加责任单位：区商务和经济合作局",
]


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
        related=list(finding.related.all()),
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return services.finding_update(
        user=user, finding=finding, data=data, expected_version=finding.version
    )


def entries(finding: Finding) -> list[list[str]]:
    """The history, newest first: each entry's sentences."""
    return [entry.lines for entry in finding_timeline(finding)]


def sentences(finding: Finding) -> list[str]:
    return [str(entry) for entry in finding_timeline(finding)]


def every_line(finding: Finding) -> list[str]:
    return [line for entry in finding_timeline(finding) for line in entry.lines]


# One entry per change set


def test_registering_is_one_entry_with_its_measures_and_units(finding):
    (entry,) = finding_timeline(finding)
    assert entry.lines == REGISTERED
    assert (entry.user, entry.day) == ("张三", "2019年5月1日")
    assert str(entry) == "张三 2019年5月1日 " + "；".join(REGISTERED)


def test_an_edit_is_one_entry_with_its_fields_measures_and_units(
    clock, zhang, finding, unit_a, unit_a2
):
    clock.move_to(at(2019, 6, 1))
    edit(
        finding,
        zhang,
        description="县级公共服务中心尚未开工建设。",
        is_ongoing=True,
        measures=["加快选址", "9月底前完成招标", "10月底前开工"],
        units=[UnitEntry(unit_a), UnitEntry(unit_a2, FindingUnit.Role.COOPERATING)],
    )
    assert entries(finding) == [
        [
            "修改了问题描述，改为：县级公共服务中心尚未开工建设。",
            "将并长期坚持由 否 改为 是",
            "将第2条整改措施改为：9月底前完成招标",
            "新增整改措施：10月底前开工",
            "增加配合单位：区财政局",
        ],
        REGISTERED,
    ]


def test_a_deadline_set_after_registering(clock, zhang, county_a, review_a, factory):
    finding = factory.finding(zhang, county_a, review_a, measures=[])
    clock.move_to(at(2019, 6, 5))
    edit(finding, zhang, deadline=dt.date(2019, 9, 30))  # the first deadline: no approval
    assert sentences(finding) == [
        "张三 2019年6月5日 将完成时限由 （空） 改为 2019年9月30日",
        "张三 2019年5月1日 登记了该问题",
    ]


def test_the_user_name_falls_back_to_the_username(clock, alice, county_a, review_a, factory):
    finding = factory.finding(alice, county_a, review_a, measures=[])
    clock.move_to(at(2019, 6, 5))
    edit(finding, alice, result="已完成选址。")
    assert sentences(finding)[0] == "alice 2019年6月5日 填写了整改结果：已完成选址。"


def test_the_day_is_the_day_in_shanghai(clock, zhang, li, finding):
    clock.move_to(dt.datetime(2019, 6, 5, 20, 0, tzinfo=dt.UTC))  # 04:00 on the 6th in Shanghai
    edit(finding, zhang, result="已完成选址。")
    assert sentences(finding)[0].startswith("张三 2019年6月6日 ")


def test_other_fields(clock, zhang, finding):
    clock.move_to(at(2019, 6, 2))
    edit(finding, zhang, result="已完成选址。")
    clock.move_to(at(2019, 6, 3))
    edit(finding, zhang, category=None, new_category_name="建设与运行问题")
    assert entries(finding)[:2] == [
        ["将问题类别由 项目管理问题 改为 建设与运行问题"],
        ["填写了整改结果：已完成选址。"],
    ]


def test_measures_added_changed_and_removed(clock, zhang, finding):
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, measures=["加快选址", "尽快招标", "10月底前开工"])
    clock.move_to(at(2019, 6, 2))
    edit(finding, zhang, measures=["加快选址", "9月底前完成招标", "10月底前开工"])
    clock.move_to(at(2019, 6, 3))
    edit(finding, zhang, measures=["加快选址", "9月底前完成招标"])
    assert sentences(finding)[:3] == [
        "张三 2019年6月3日 删除整改措施：10月底前开工",
        "张三 2019年6月2日 将第2条整改措施改为：9月底前完成招标",
        "张三 2019年6月1日 新增整改措施：10月底前开工",
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
    told = entries(finding)
    # The two sentences of one save come in either order, in one entry.
    assert set(told[0]) == {
        "移除责任单位：区商务和经济合作局",
        "调整了区财政局的顺序或角色（现为第1位，责任单位）",
    }
    assert told[1:] == [
        ["调整了区财政局的顺序或角色（现为第2位，配合单位）"],
        ["增加责任单位：区财政局"],
        REGISTERED,
    ]


def test_a_renamed_unit_is_told_by_its_current_name(clock, zhang, finding, unit_a2):
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, units=[UnitEntry(unit_a2)])
    Unit.objects.filter(pk=unit_a2.pk).update(name="区财政局(新)")
    assert "增加责任单位：区财政局(新)" in every_line(finding)


def test_related_findings_linked_and_unlinked(clock, zhang, finding, county_a, review_a, factory):
    other = factory.finding(zhang, county_a, review_a, description="另一个问题。")
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, related=[other])
    clock.move_to(at(2019, 6, 2))
    edit(finding, zhang, related=[])
    assert entries(finding)[:2] == [
        [f"取消关联相关问题：商务部复核组 1.({other.order})"],
        [f"关联了相关问题：商务部复核组 1.({other.order})"],
    ]


def test_a_note_its_files_and_the_start_it_makes_are_one_entry(clock, zhang, finding):
    clock.move_to(at(2019, 6, 5))
    services.progress_add(
        user=zhang,
        finding=finding,
        note="已完成选址,正在办理用地手续。",
        uploads=[SimpleUploadedFile("选址会议纪要.pdf", PDF)],
    )
    assert sentences(finding)[0] == (
        "张三 2019年6月5日 填报整改进展（2019年6月5日）：已完成选址,正在办理用地手续。"
        "；上传佐证材料：选址会议纪要.pdf；开始整改，说明：填报首条整改进展"
    )


def test_long_notes_are_shortened(clock, zhang, finding):
    clock.move_to(at(2019, 6, 5))
    services.progress_add(user=zhang, finding=finding, note="进" * 50, date=dt.date(2019, 6, 4))
    assert f"填报整改进展（2019年6月4日）：{'进' * 40}…" in every_line(finding)


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
        "李四 2019年6月7日 恢复佐证材料：选址会议纪要",
        "张三 2019年6月6日 移除佐证材料：选址会议纪要",
        "张三 2019年6月5日 上传佐证材料：选址会议纪要",
    ]


def test_workflow_steps_with_their_comments_and_what_they_set(clock, zhang, li, wang, finding):
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
    assert sentences(finding) == [
        "王五 2019年7月1日 重新打开，说明：抽查发现反弹",
        "李四 2019年6月5日 同意销号",
        "张三 2019年6月4日 申请销号；修改了整改结果，改为：已建成投运。",
        "李四 2019年6月3日 退回销号申请，说明：不足",
        "张三 2019年6月2日 申请销号，说明：请审批；填写了整改结果：已建成。"
        "；填写了无需佐证材料的理由：现场查验。",
        "张三 2019年6月1日 开始整改",
        "张三 2019年5月1日 " + "；".join(REGISTERED),
    ]


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
    edit(other, zhang, result="另一个问题的结果")
    services.progress_add(user=zhang, finding=other, note="另一个问题的进展")
    assert entries(finding) == [REGISTERED]


def test_services_called_at_the_same_moment_are_entries_of_their_own(clock, zhang, finding):
    # Outside a request (a command, a test) each service call is its own change set: the
    # same second, the same person, still two things done.
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, result="已完成选址。")
    services.progress_add(user=zhang, finding=finding, note="已完成选址。")
    assert len(finding_timeline(finding)) == 3


def test_a_command_block_is_one_entry(clock, zhang, finding):
    clock.move_to(at(2019, 6, 1))
    with changesets.change_set():
        edit(finding, zhang, result="已完成选址。")
        services.progress_add(user=zhang, finding=finding, note="已完成选址。")
    assert entries(finding)[0] == [
        "填报整改进展（2019年6月1日）：已完成选址。",
        "开始整改，说明：填报首条整改进展",
        "填写了整改结果：已完成选址。",
    ]


def test_one_request_is_one_entry(client, clock, zhang, finding):
    clock.move_to(at(2019, 6, 1))
    client.force_login(zhang)
    response = client.post(
        f"/findings/{finding.pk}/progress/",
        {"date": "2019-06-01", "note": "已完成选址。"},
    )
    assert response.status_code == 302
    assert entries(finding)[0] == [
        "填报整改进展（2019年6月1日）：已完成选址。",
        "开始整改，说明：填报首条整改进展",
    ]


def test_an_import_followed_at_once_by_a_note_keeps_every_line(clock, zhang, review_a, tmp_path):
    """The old history hid whatever was added within 5 seconds of a finding's creation."""
    document = tmp_path / "方案.txt"
    document.write_text(TEXT + "整改进展:已补齐1-5月月报。\n", encoding="utf-8")
    call_command(
        "import_document", str(document), "--county", "510811", "--create-units",
        stdout=io.StringIO(),
    )  # fmt: skip
    finding = Finding.objects.get()
    # The same second, in the browser: a note with a file.
    services.progress_add(
        user=zhang,
        finding=finding,
        note="已对接日报系统。",
        uploads=[SimpleUploadedFile("日报截图.pdf", PDF)],
    )
    told = entries(finding)
    assert told[0] == [
        "填报整改进展（2019年5月1日）：已对接日报系统。",
        "上传佐证材料：日报截图.pdf",
    ]
    # The import is one entry: registering with its measures and units, and its note.
    assert told[1][0] == "登记了该问题"
    assert set(told[1][1:]) == {
        "填报整改进展（2019年5月1日）：已补齐1-5月月报。",
        "登记时整改状态为“整改中”",
        "新增整改措施：补齐月报",
        "新增整改措施：对接日报",
        "增加责任单位：区商务和经济合作局",
        "增加责任单位：区交通运输局",
    }
    assert len(told) == 2


# Records from before change sets: grouped by user and time


def forget_change_sets() -> None:
    """As the rows recorded before change sets existed."""
    for model in (Finding, Measure, FindingUnit, Progress, Evidence, FindingRequest):
        model.history.update(change_set="")
    StatusChange.objects.update(change_set="")


def test_old_records_are_grouped_by_user_within_a_second(clock, zhang, bob, finding):
    clock.move_to(at(2019, 5, 1) + dt.timedelta(seconds=3))
    services.progress_add(user=zhang, finding=finding, note="三秒后的进展。")
    forget_change_sets()
    assert entries(finding) == [
        ["填报整改进展（2019年5月1日）：三秒后的进展。", "开始整改，说明：填报首条整改进展"],
        REGISTERED,
    ]


def test_old_records_of_two_people_at_the_same_moment_are_two_entries(clock, zhang, li, finding):
    services.progress_add(user=zhang, finding=finding, note="进展。")
    services.finding_submit_closeout(
        user=zhang, finding=finding, result="已建成。", evidence_waiver="现场查验。"
    )
    services.finding_return(user=li, finding=finding, reason="不足")
    forget_change_sets()
    by_user = {entry.user: entry.lines for entry in finding_timeline(finding)}
    assert by_user["李四"] == ["退回销号申请，说明：不足"]
    assert "申请销号" in by_user["张三"] and "登记了该问题" in by_user["张三"]


# Extension and archive requests (their services are elsewhere: rows made here as they would)


def request_filed(finding: Finding, user, kind: str, reason: str, **fields) -> FindingRequest:
    with changesets.change_set():
        request = FindingRequest(
            finding=finding,
            kind=kind,
            reason=reason,
            current_deadline=finding.deadline,
            **fields,
        )
        stamp(request, user, created=True)
        request.save()
    return request


def request_decided(request: FindingRequest, user, status: str, comment: str = "") -> None:
    with changesets.change_set():
        request.status = status
        request.decided_by, request.decided_at = user, timezone.now()
        request.decision_comment = comment
        stamp(request, user, created=False)
        request.save()
        if status != FindingRequest.Status.APPROVED:
            return
        finding = Finding.objects.get(pk=request.finding_id)
        if request.kind == FindingRequest.Kind.EXTENSION:
            finding.deadline = request.new_deadline
        else:
            finding.archived_at, finding.archived_by = timezone.now(), user
        finding.version += 1
        stamp(finding, user, created=False)
        finding.save()


def test_extension_requests_filed_refused_approved_and_withdrawn(clock, zhang, li, finding):
    extension = FindingRequest.Kind.EXTENSION
    clock.move_to(at(2019, 5, 20))
    first = request_filed(
        finding, zhang, extension, "用地手续未批。", new_deadline=dt.date(2019, 12, 31)
    )
    clock.move_to(at(2019, 5, 21))
    request_decided(first, li, FindingRequest.Status.REFUSED, "请先报用地进度。")
    clock.move_to(at(2019, 5, 22))
    second = request_filed(
        finding, zhang, extension, "用地已报批。", new_deadline=dt.date(2019, 12, 31)
    )
    clock.move_to(at(2019, 5, 23))
    request_decided(second, li, FindingRequest.Status.APPROVED, "同意，年底前务必完成。")
    clock.move_to(at(2019, 12, 1))
    third = request_filed(
        finding, zhang, extension, "设备未到货。", new_deadline=dt.date(2020, 3, 31)
    )
    clock.move_to(at(2019, 12, 2))
    request_decided(third, li, FindingRequest.Status.APPROVED)
    clock.move_to(at(2020, 3, 1))
    fourth = request_filed(
        finding, zhang, extension, "再延一月。", new_deadline=dt.date(2020, 4, 30)
    )
    clock.move_to(at(2020, 3, 2))
    request_decided(fourth, zhang, FindingRequest.Status.WITHDRAWN)
    assert sentences(finding)[:-1] == [
        "张三 2020年3月2日 撤回了延期申请",
        "张三 2020年3月1日 申请延期至2020年4月30日，理由：再延一月。",
        "李四 2019年12月2日 同意延期申请"
        "；将完成时限由 2019年12月31日 延至 2020年3月31日（原定2019年5月30日）",
        "张三 2019年12月1日 申请延期至2020年3月31日，理由：设备未到货。",
        "李四 2019年5月23日 同意延期申请，意见：同意，年底前务必完成。"
        "；将完成时限由原定的 2019年5月30日 延至 2019年12月31日",
        "张三 2019年5月22日 申请延期至2019年12月31日，理由：用地已报批。",
        "李四 2019年5月21日 不同意延期申请，理由：请先报用地进度。",
        "张三 2019年5月20日 申请延期至2019年12月31日，理由：用地手续未批。",
    ]


def test_archive_requests(clock, zhang, li, finding):
    archive = FindingRequest.Kind.ARCHIVE
    clock.move_to(at(2019, 6, 1))
    first = request_filed(finding, zhang, archive, "与第2项重复。")
    clock.move_to(at(2019, 6, 2))
    request_decided(first, li, FindingRequest.Status.REFUSED, "不是同一问题。")
    clock.move_to(at(2019, 6, 3))
    second = request_filed(finding, zhang, archive, "上级已撤销该问题。")
    clock.move_to(at(2019, 6, 4))
    request_decided(second, li, FindingRequest.Status.APPROVED)
    assert entries(finding)[:4] == [
        ["同意归档申请", "归档了该问题"],
        ["申请归档，理由：上级已撤销该问题。"],
        ["不同意归档申请，理由：不是同一问题。"],
        ["申请归档，理由：与第2项重复。"],
    ]


# Withdrawn progress notes


def test_withdrawing_the_first_note_says_the_status_stays(clock, zhang, finding):
    clock.move_to(at(2019, 6, 5))
    note = services.progress_add(user=zhang, finding=finding, note="误填的进展。")
    clock.move_to(at(2019, 6, 5, 11))
    services.progress_withdraw(user=zhang, progress=note, reason="填错了问题")
    assert sentences(finding)[0] == (
        "张三 2019年6月5日 撤回了整改进展（2019年6月5日）：误填的进展。；撤回原因：填错了问题"
        "；这是该问题的首条整改进展；撤回后整改状态不变，仍为“整改中”。"
    )
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.IN_PROGRESS


def test_withdrawing_a_later_note(clock, zhang, finding):
    clock.move_to(at(2019, 6, 5))
    services.progress_add(user=zhang, finding=finding, note="第一条。")
    note = services.progress_add(user=zhang, finding=finding, note="重复的一条。")
    clock.shift(dt.timedelta(minutes=5))
    services.progress_withdraw(user=zhang, progress=note)
    assert entries(finding)[0] == ["撤回了整改进展（2019年6月5日）：重复的一条。"]
    # The note itself is still in the history, as written.
    assert "填报整改进展（2019年6月5日）：重复的一条。" in every_line(finding)


# The edit conflict message reads the same history


def test_changes_since_tells_what_others_did_after_loading(clock, zhang, li, finding):
    clock.move_to(at(2019, 6, 1))
    edit(finding, zhang, result="已完成选址。", measures=["加快选址"])
    clock.move_to(at(2019, 6, 2))
    services.progress_add(user=zhang, finding=finding, note="已开工。")
    assert changes_since(finding, 1) == [
        "张三 2019年6月1日 填写了整改结果：已完成选址。；删除整改措施：尽快招标",
        "张三 2019年6月2日 填报整改进展（2019年6月2日）：已开工。；"
        "开始整改，说明：填报首条整改进展",
    ]
    assert changes_since(Finding.objects.get(pk=finding.pk), 3) == ["其他人修改了该问题。"]


# The detail page


def history_entries(html: str) -> list[tuple[str, list[str]]]:
    """The history card's entries: (the heading's text, the sentences)."""
    start = html.index('id="history"')
    card = html[start : html.index("</ol>", start)]

    def text(fragment: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()

    found = []
    for item in re.findall(r'<li class="[^"]*history-entry">(.*?)</ul>\s*</li>', card, re.S):
        heading, lines = item.split("<ul", 1)
        found.append((text(heading), [text(li) for li in re.findall(r"<li>(.*?)</li>", lines)]))
    return found


def test_detail_page_shows_one_entry_per_change_set(client, clock, zhang, lee, finding):
    clock.move_to(at(2019, 6, 5))
    edit(finding, zhang, result="已完成选址。", measures=["加快选址"])
    clock.move_to(at(2019, 6, 6))
    services.progress_add(user=zhang, finding=finding, note="已完成选址。")
    client.force_login(lee)
    html = client.get(finding.get_absolute_url()).content.decode()
    shown = history_entries(html)
    assert [lines for _, lines in shown] == [
        ["填报整改进展（2019年6月6日）：已完成选址。", "开始整改，说明：填报首条整改进展"],
        ["填写了整改结果：已完成选址。", "删除整改措施：尽快招标"],
        REGISTERED,
    ]
    assert shown[1][0].startswith("2019年6月5日") and shown[1][0].endswith("张三")


def test_the_timeline_is_in_the_page_once_and_not_in_its_title(client, zhang, finding):
    client.force_login(zhang)
    html = client.get(finding.get_absolute_url()).content.decode()
    assert html.count('id="history"') == 1
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.strip() == "县级公共服务中心未开始建设。 · 整改台账"


def grow_history(clock, finding, staff, leader, rounds: int) -> None:
    """Edits, measures, related findings, notes (one withdrawn), evidence, requests and
    workflow steps, `rounds` times over."""
    for i in range(rounds):
        clock.shift(dt.timedelta(days=1))
        edit(finding, staff, description=f"第{i}轮描述", measures=["加快选址", f"第{i}轮措施"])
        services.progress_add(user=staff, finding=finding, note=f"第{i}轮进展")
        note = services.progress_add(user=staff, finding=finding, note=f"第{i}轮重复进展")
        services.progress_withdraw(user=staff, progress=note, reason="重复")
        evidence = services.evidence_add(
            user=staff, finding=finding, upload=SimpleUploadedFile(f"{i}.pdf", PDF)
        )
        if i % 2:
            services.evidence_remove(user=staff, evidence=evidence)
        request = request_filed(
            finding,
            staff,
            FindingRequest.Kind.EXTENSION,
            f"第{i}轮延期理由",
            new_deadline=dt.date(2020, 1, 1) + dt.timedelta(days=i),
        )
        request_decided(request, leader, FindingRequest.Status.APPROVED)
        services.finding_submit_closeout(
            user=staff, finding=finding, result=f"第{i}轮结果", evidence_waiver="现场查验。"
        )
        services.finding_return(user=leader, finding=finding, reason=f"第{i}轮退回")


def detail_queries(client, finding) -> int:
    client.get(finding.get_absolute_url())  # SQLite's JSON support is probed once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(finding.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["zhang", "li"])
def test_detail_page_queries_do_not_grow_with_the_history(
    request, client, clock, zhang, li, finding, county_a, review_a, factory, who
):
    client.force_login(request.getfixturevalue(who))
    grow_history(clock, finding, zhang, li, 1)
    few = len(finding_timeline(finding))
    assert detail_queries(client, finding) == DETAIL_QUERIES
    others = [factory.finding(zhang, county_a, review_a) for _ in range(3)]
    edit(finding, zhang, related=others)
    grow_history(clock, finding, zhang, li, 6)
    assert len(finding_timeline(finding)) > 6 * few
    assert detail_queries(client, finding) == DETAIL_QUERIES
