"""What an import does to the ledger: new / changed / unchanged, units matched or created only
when confirmed, reviews matched, all-or-nothing saving and re-importing without duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from issues import services
from issues.importing.document import parse_document
from issues.importing.plan import NEW, build_plan
from issues.importing.services import ImportRefused, import_apply
from issues.models import Finding, FindingUnit, Progress, Review, Unit
from tests.seeds import SEED_000

SEED = SEED_000.read_text(encoding="utf-8")

PLAN = """(一)商务部复核组反馈问题
1.项目管理问题
(1)月报填报不完整。
整改措施:一是补齐月报;二是对接日报。
责任单位:区商务和经济合作局、区财政局
完成时限:2019年9月30日前,并长期坚持
(2)经验总结不足。
整改措施:总结物流经验。
责任单位:商务和经济合作局
完成时限:2019年10月底前
"""


def _apply(user, county, text, **decisions):
    plan = build_plan(county, parse_document(text), **decisions)
    return plan, import_apply(user=user, county=county, plan=plan)


@pytest.fixture
def units(county_a, unit_a, unit_a2):
    return [unit_a, unit_a2]


def test_new_findings_into_the_matching_review(alice, county_a, review_a, units):
    plan, summary = _apply(alice, county_a, PLAN)
    assert [r.review for r in plan.reviews] == [review_a]
    assert summary["new"] == 2
    first, second = Finding.objects.filter(county=county_a).order_by("order")
    assert first.category.name == "项目管理问题"
    assert list(first.measures.values_list("text", flat=True)) == ["补齐月报", "对接日报"]
    links = first.unit_links.order_by("order")
    assert [(link.unit.name, link.role) for link in links] == [
        ("区商务和经济合作局", FindingUnit.Role.RESPONSIBLE),
        ("区财政局", FindingUnit.Role.RESPONSIBLE),
    ]
    assert (first.deadline, first.is_ongoing) == (dt.date(2019, 9, 30), True)
    assert first.status == Finding.Status.OPEN
    # 商务和经济合作局 without its 区 prefix is the same unit.
    assert second.unit_links.get().unit == units[0]
    assert second.deadline == dt.date(2019, 10, 31)
    assert first.history.first().history_user == alice


def test_importing_again_changes_nothing(alice, county_a, review_a, units):
    _apply(alice, county_a, PLAN)
    history = Finding.history.count()
    plan, summary = _apply(alice, county_a, PLAN)
    assert plan.counts == {"new": 0, "changed": 0, "unchanged": 2}
    assert summary["unchanged"] == 2
    assert Finding.objects.count() == 2
    assert Finding.history.count() == history


def test_a_changed_document_updates_the_same_findings(alice, county_a, review_a, units):
    _apply(alice, county_a, PLAN)
    ids = set(Finding.objects.values_list("pk", flat=True))
    changed = PLAN.replace("2019年10月底前", "2019年11月30日前").replace(
        "总结物流经验。", "一是总结物流经验;二是报送案例。"
    )
    plan, summary = _apply(alice, county_a, changed)
    assert plan.counts == {"new": 0, "changed": 1, "unchanged": 1}
    (fp,) = [f for f in plan.findings if f.state == "changed"]
    assert {c.field for c in fp.changes} == {"measures"}
    # A deadline the ledger has moves only by an approved extension: shown, not applied.
    assert [(c.field, c.old, c.new, c.reason) for c in fp.held] == [
        ("deadline", "2019年10月31日前", "2019年11月30日前", "完成时限不同：须申请延期")
    ]
    assert set(Finding.objects.values_list("pk", flat=True)) == ids
    second = Finding.objects.get(description="经验总结不足。")
    assert (second.deadline, second.original_deadline) == (dt.date(2019, 10, 31),) * 2
    assert second.measures.count() == 2
    assert second.version == 2
    assert any("完成时限不同：须申请延期" in line for line in plan.summary_lines())


def test_a_missing_deadline_is_filled_in_and_ongoing_may_change(alice, county_a, review_a, units):
    _apply(alice, county_a, PLAN.replace("完成时限:2019年10月底前\n", ""))
    second = Finding.objects.get(description="经验总结不足。")
    assert second.deadline is None
    plan, _ = _apply(alice, county_a, PLAN)
    (fp,) = [f for f in plan.findings if f.state == "changed"]
    assert ([c.field for c in fp.changes], fp.held) == (["deadline"], [])
    second.refresh_from_db()
    assert (second.deadline, second.original_deadline) == (dt.date(2019, 10, 31),) * 2
    plan, _ = _apply(alice, county_a, PLAN.replace("2019年10月底前", "2019年10月底前,并长期坚持"))
    (fp,) = [f for f in plan.findings if f.state == "changed"]
    assert [(c.field, c.new) for c in fp.changes] == [("deadline", "2019年10月31日前，并长期坚持")]
    second.refresh_from_db()
    assert (second.deadline, second.is_ongoing) == (dt.date(2019, 10, 31), True)


def test_a_closed_finding_is_not_updated(alice, lee, county_a, review_a, units):
    _apply(alice, county_a, PLAN)
    finding = Finding.objects.get(description="经验总结不足。")
    services.finding_start(user=alice, finding=finding)
    services.finding_submit_closeout(
        user=alice, finding=finding, result="已总结。", evidence_waiver="现场查验。"
    )
    services.finding_close(user=lee, finding=finding)
    before = Finding.objects.get(pk=finding.pk)
    changed = PLAN.replace("2019年10月底前\n", "2019年11月30日前\n整改进展:已报送案例。\n").replace(
        "总结物流经验。", "一是总结物流经验;二是报送案例。"
    )
    plan, summary = _apply(alice, county_a, changed)
    assert plan.counts == {"new": 0, "changed": 0, "unchanged": 2}
    (fp,) = [f for f in plan.findings if f.held]
    assert [(c.field, c.reason) for c in fp.held] == [
        ("deadline", "完成时限不同：须申请延期"),
        ("measures", "已销号，未更新"),
        ("progress", "已销号，未更新"),
    ]
    after = Finding.objects.get(pk=finding.pk)
    assert (after.version, after.deadline, after.status) == (
        before.version,
        before.deadline,
        Finding.Status.CLOSED,
    )
    assert list(after.measures.values_list("text", flat=True)) == ["总结物流经验"]
    assert not after.progress_notes.exists()
    assert summary["progress"] == 0


def test_reworded_finding_is_matched_by_position_and_shown_as_changed(
    alice, county_a, review_a, units
):
    _apply(alice, county_a, PLAN)
    plan, _ = _apply(alice, county_a, PLAN.replace("月报填报不完整。", "月报填报不够完整。"))
    assert plan.counts["changed"] == 1
    assert Finding.objects.filter(description="月报填报不够完整。").count() == 1
    assert Finding.objects.count() == 2


def test_a_feedback_list_leaves_measures_alone(alice, county_a, review_a, units):
    _apply(alice, county_a, PLAN)
    feedback = "商务部复核组反馈问题\n一、项目管理问题\n1.月报填报不完整。\n2.经验总结不足。\n"
    plan = build_plan(county_a, parse_document(feedback))
    assert plan.counts == {"new": 0, "changed": 0, "unchanged": 2}


def test_unknown_units_need_a_decision(alice, county_a, review_a, units):
    text = PLAN.replace("区财政局", "区交通运输局")
    plan = build_plan(county_a, parse_document(text))
    assert [u.name for u in plan.undecided_units] == ["区交通运输局"]
    assert not plan.can_apply
    with pytest.raises(ImportRefused) as e:
        import_apply(user=alice, county=county_a, plan=plan)
    assert "区交通运输局" in e.value.messages[0]
    assert not Finding.objects.exists()
    assert not Unit.objects.filter(name="区交通运输局").exists()

    _apply(alice, county_a, text, unit_decisions={"区交通运输局": NEW})
    unit = Unit.objects.get(county=county_a, name="区交通运输局")
    assert unit.created_by == alice


def test_mapping_an_unknown_name_to_a_unit_remembers_it(alice, county_a, review_a, units):
    text = PLAN.replace("区财政局", "财政")
    _apply(alice, county_a, text, unit_decisions={"财政": str(units[1].pk)})
    units[1].refresh_from_db()
    assert units[1].alias_list == ["财政"]
    plan = build_plan(county_a, parse_document(text))
    assert plan.undecided_units == []
    assert plan.counts["unchanged"] == 2


def test_errors_block_the_whole_import(alice, county_a, review_a, units):
    text = PLAN + "(3)第三个问题。\n完成时限:尽快\n"
    plan = build_plan(county_a, parse_document(text))
    assert plan.document.errors
    with pytest.raises(ImportRefused):
        import_apply(user=alice, county=county_a, plan=plan)
    assert not Finding.objects.exists()


def test_all_or_nothing_when_something_fails_midway(alice, county_a, review_a, units, monkeypatch):
    from issues import services

    real = services.finding_create
    calls = []

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "finding_create", failing)
    plan = build_plan(
        county_a,
        parse_document(PLAN.replace("区财政局", "区新单位")),
        unit_decisions={"区新单位": NEW},
    )
    with pytest.raises(RuntimeError):
        import_apply(user=alice, county=county_a, plan=plan)
    assert not Finding.objects.exists()
    assert not Unit.objects.filter(name="区新单位").exists()


def test_a_review_not_in_the_ledger_is_created(alice, county_a, units):
    plan, summary = _apply(alice, county_a, PLAN.replace("商务部复核组", "省督查组"))
    assert plan.reviews[0].is_new
    review = Review.objects.get(team="省督查组")
    assert review.kind == Review.Kind.PROVINCE_SUPERVISION
    assert list(review.counties.all()) == [county_a]
    assert summary["reviews"] == [str(review)]


def test_review_choice_overrides_the_match(alice, county_a, review_a, units):
    plan = build_plan(county_a, parse_document(PLAN), review_choices={0: NEW})
    assert plan.reviews[0].is_new
    assert plan.counts["new"] == 2


def test_only_the_countys_staff_may_import(lee, bob, county_a, review_a, units):
    plan = build_plan(county_a, parse_document(PLAN))
    for user in (lee, bob):
        with pytest.raises(PermissionDenied):
            import_apply(user=user, county=county_a, plan=plan)


def test_closed_status_is_not_changed_by_a_reimport(alice, county_a, review_a, units):
    _apply(alice, county_a, PLAN)
    report = PLAN.replace(
        "完成时限:2019年10月底前\n", "完成时限:2019年10月底前\n整改结果:已总结。\n销号情况:已销号\n"
    )
    plan, _ = _apply(alice, county_a, report)
    (fp,) = [f for f in plan.findings if f.state == "changed"]
    assert [c.field for c in fp.changes] == ["result"]
    assert "销号" in fp.notes[0]
    finding = Finding.objects.get(description="经验总结不足。")
    assert finding.status == Finding.Status.OPEN
    assert finding.result == "已总结。"


def test_progress_is_added_once(alice, county_a, review_a, units):
    text = PLAN.replace(
        "完成时限:2019年10月底前\n", "完成时限:2019年10月底前\n整改进展:已召开会议。\n"
    )
    _apply(alice, county_a, text)
    _apply(alice, county_a, text)
    assert Progress.objects.filter(note="已召开会议。").count() == 1
    finding = Finding.objects.get(description="经验总结不足。")
    assert finding.status == Finding.Status.IN_PROGRESS


def test_seed_000_into_an_empty_county(alice, county_a):
    Review.objects.create(kind="mofcom_review", team="商务部复核组").counties.add(county_a)
    plan = build_plan(county_a, parse_document(SEED))
    assert len(plan.reviews) == 2
    assert plan.reviews[1].is_new
    assert plan.counts["new"] == 25
    assert len(plan.undecided_units) == 13  # the county has no units yet
    decisions = {u.name: NEW for u in plan.undecided_units}
    plan = build_plan(county_a, parse_document(SEED), unit_decisions=decisions)
    summary = import_apply(user=alice, county=county_a, plan=plan, today=dt.date(2026, 11, 22))
    assert summary["new"] == 25
    findings = Finding.objects.filter(county=county_a)
    assert findings.closed().count() == 12
    assert set(findings.closed().values_list("closed_on", flat=True)) == {dt.date(2019, 9, 10)}
    again = build_plan(county_a, parse_document(SEED))
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 25}
    assert not any(f.held for f in again.findings)


def test_one_unit_written_two_ways_in_the_same_document(alice, county_a, review_a):
    text = PLAN.replace("区财政局", "各乡镇人民政府").replace(
        "责任单位:商务和经济合作局", "责任单位:各乡镇"
    )
    plan = build_plan(county_a, parse_document(text))
    twins = {m.name: m.twin for m in plan.units}
    assert twins == {"区商务和经济合作局": "", "各乡镇人民政府": "", "各乡镇": "各乡镇人民政府"}
    decisions = {m.name: m.default_decision for m in plan.undecided_units}
    assert decisions["各乡镇"] == "same:各乡镇人民政府"
    _apply(alice, county_a, text, unit_decisions=decisions)
    towns = Unit.objects.get(county=county_a, name="各乡镇人民政府")
    assert towns.alias_list == ["各乡镇"]
    assert not Unit.objects.filter(name="各乡镇").exists()
    second = Finding.objects.get(description="经验总结不足。")
    assert second.unit_links.get().unit == towns


def test_same_as_an_undecided_name_is_refused(alice, county_a, review_a):
    text = PLAN.replace("区财政局", "各乡镇人民政府").replace(
        "责任单位:商务和经济合作局", "责任单位:各乡镇"
    )
    plan = build_plan(
        county_a,
        parse_document(text),
        unit_decisions={
            "各乡镇": "same:各乡镇人民政府",
            "区商务和经济合作局": NEW,
        },
    )
    with pytest.raises(ImportRefused):
        import_apply(user=alice, county=county_a, plan=plan)
    assert not Finding.objects.exists()
