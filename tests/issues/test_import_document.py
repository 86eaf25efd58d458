"""The document parser: seed 000 end to end, each recognised variant on small documents, and
random or truncated text never raising."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issues.importing.cleaning import drop_repeats, prepare
from issues.importing.deadlines import DeadlineError, parse_deadline
from issues.importing.document import parse_document
from issues.importing.document.labels import FIELD_LABELS, TABLE_LABELS
from issues.importing.document.values import split_measures, split_units

DEMO = Path(__file__).resolve().parents[2] / "demo"
SEED = (DEMO / "seeds" / "000_d2c33bb255dc6fe3.txt").read_text(encoding="utf-8")
EXPECTED = json.loads((DEMO / "data" / "510811.json").read_text(encoding="utf-8"))
ALIASES = {a: u["name"] for u in EXPECTED["units"] for a in u.get("aliases", [])}


@pytest.fixture(scope="module")
def seed():
    return parse_document(SEED)


class TestSeed000:
    def test_kind_title_and_date(self, seed):
        assert seed.kind == "report+plan"
        assert seed.title.endswith("绩效评价发现问题整改情况的报告")
        assert seed.date == "2019-09-10"
        assert seed.errors == []

    def test_reviews_counts_and_closed(self, seed):
        assert [(r.kind, r.team) for r in seed.reviews] == [
            ("mofcom_review", "商务部复核组"),
            ("province_evaluation", "省绩效评价组"),
        ]
        totals = [(len(r.findings), sum(f.is_closed for f in r.findings)) for r in seed.reviews]
        assert totals == [(15, 8), (10, 4)]

    def test_every_category(self, seed):
        assert [[c.name for c in r.categories] for r in seed.reviews] == [
            [c["name"] for c in r["categories"]] for r in EXPECTED["reviews"]
        ]
        assert [len(c.findings) for c in seed.reviews[0].categories] == [4, 3, 3, 2, 3]
        assert [len(c.findings) for c in seed.reviews[1].categories] == [3, 5, 2]

    def test_every_field_of_every_finding_as_transcribed(self, seed):
        for review, expected in zip(seed.reviews, EXPECTED["reviews"], strict=True):
            for category, exp_cat in zip(review.categories, expected["categories"], strict=True):
                for f, exp in zip(category.findings, exp_cat["findings"], strict=True):
                    where = (review.team, category.name, f.number)
                    assert f.description == exp["description"], where
                    assert f.measures == exp["measures"], where
                    assert [ALIASES.get(u, u) for u in f.units] == exp["units"], where
                    assert [ALIASES.get(u, u) for u in f.cooperating] == exp["cooperating_units"], (
                        where
                    )
                    assert f.deadline == exp["deadline"], where
                    assert f.is_ongoing == exp["ongoing"], where
                    assert f.result == exp["result"], where
                    assert f.is_closed == (exp["status"] == "closed"), where

    def test_measure_items_lead_units_and_ongoing(self, seed):
        first = seed.reviews[0].categories[0].findings[0]
        assert len(first.measures) == 2
        assert first.measures[0].startswith("加快完善建设方案")
        assert first.units[0] == "区商务和经济合作局"
        assert (first.deadline, first.is_ongoing) == ("2019-10-30", False)
        fourth = seed.reviews[0].categories[0].findings[3]
        assert len(fourth.measures) == 4
        assert (fourth.deadline, fourth.is_ongoing) == ("2019-09-30", True)

    def test_date_without_day_and_trailing_stop(self, seed):
        # 2019年9月30前,并长期坚持 (no 日) and 2019年6月30日前,并长期坚持。
        investment = seed.reviews[1].categories[1].findings[0]
        assert investment.deadline_text.startswith("2019年9月30前")
        assert (investment.deadline, investment.is_ongoing) == ("2019-09-30", True)

    def test_cooperating_units(self, seed):
        standard = seed.reviews[1].categories[1].findings[2]
        assert standard.units == ["区商务和经济合作局"]
        assert standard.cooperating == ["区农业农村局", "区文化旅游和体育局"]

    def test_repeated_sentence_kept_once(self, seed):
        system = seed.reviews[1].categories[0].findings[1]
        assert system.description.count("根据商务部农村电子商务信息管理系统数据报送考核表") == 1

    def test_report_and_plan_disagreements_are_listed(self, seed):
        texts = [n.text for n in seed.disagreements]
        # MOFCOM 5.(1): 9月30日 in the report, 5月30日 in its own plan; the report wins.
        assert any(
            "贫困村63个" in t and "2019年9月30日前" in t and "2019年5月30日前" in t for t in texts
        )
        poverty = seed.reviews[0].categories[4].findings[0]
        assert poverty.deadline == "2019-09-30"
        # The province's first category was copied from the MOFCOM part; the plan's is kept.
        assert any("项目建设进度滞后问题" in t and "资金管理及项目管理方面" in t for t in texts)
        assert seed.reviews[1].categories[0].name == "资金管理及项目管理方面问题"
        # 中央复核组 in the plan, 商务部复核组 in the report.
        assert any("财务制度执行欠规范" in t and "问题描述" in t for t in texts)
        assert {n.reason for n in seed.disagreements} >= {"deadline", "units", "category"}

    def test_unplaced_lines_have_their_line_numbers(self, seed):
        by_line = {n.line: n.text for n in seed.unplaced}
        assert by_line[18] == "一、工作开展情况"
        assert by_line[676] == "四、下一步安排"
        assert by_line[948] == "三、组织保障"
        assert 1 not in by_line and 2 not in by_line  # web page furniture dropped
        lines = SEED.split("\n")
        for n in seed.unplaced:
            assert lines[n.line - 1].strip().startswith(n.text[:10])

    def test_no_separator_or_furniture_is_placed_anywhere(self, seed):
        for f in seed.findings:
            assert "." != f.description.strip()
            assert "发布时间" not in f.description

    def test_round_trips_through_json(self, seed):
        from issues.importing.document import ParsedDocument

        again = ParsedDocument.from_dict(json.loads(json.dumps(seed.to_dict())))
        assert again == seed


FEEDBACK = """商务部电子商务进农村综合示范绩效评价复核反馈问题清单

一、项目建设进度滞后问题
1.县级公共服务中心未开始建设。
2.村级站点计划54个,建成13个。
二、资金管理问题
1.资金使用缺少检查、监督。
"""


def test_feedback_list_findings_only():
    doc = parse_document(FEEDBACK)
    assert doc.kind == "feedback"
    assert [(r.kind, len(r.findings)) for r in doc.reviews] == [("mofcom_review", 3)]
    assert [c.name for c in doc.reviews[0].categories] == ["项目建设进度滞后问题", "资金管理问题"]
    assert doc.findings[1].description == "村级站点计划54个,建成13个。"
    assert doc.findings[0].measures == []


FULL_WIDTH = """（一）商务部复核组反馈问题
１．项目管理问题
（１）向商务部信息系统填报月报不完整。
整改措施：１．完善月报；２．对接日报。
责任单位：区商务局，区财政局
完成时限：2019年10月底前
（二）省绩效评价组发现问题
１、资金管理方面
①培训资料不够完整。
整改措施：一是及时反馈;二是补齐资料。
牵头单位：区商务局
配合单位：区人社局、区扶贫局
整改时限：6月底前,并长期坚持
整改结果：已补齐。
销号情况：已销号
"""


def test_full_width_forms_and_other_numberings():
    doc = parse_document(FULL_WIDTH)
    assert [(r.kind, r.team) for r in doc.reviews] == [
        ("mofcom_review", "商务部复核组"),
        ("province_evaluation", "省绩效评价组"),
    ]
    first, second = doc.findings
    assert first.measures == ["完善月报", "对接日报"]
    assert first.units == ["区商务局", "区财政局"]
    assert first.deadline == "2019-10-31"
    assert doc.reviews[1].categories[0].name == "资金管理方面问题"
    assert second.description == "培训资料不够完整。"
    assert second.units == ["区商务局"]
    assert second.cooperating == ["区人社局", "区扶贫局"]
    # 6月底前: the year from the context (the last year written before it).
    assert (second.deadline, second.is_ongoing) == ("2019-06-30", True)
    assert second.is_closed
    assert doc.errors == []


PLAN_WITH_ITEMS_ON_LINES = """二、整改内容及措施
督查组发现问题及整改措施
1.站点运营效果欠佳。
整改措施:
(1)指导站点开展代买代卖;
(2)加强业务培训。
整改时限:立行立改
责任单位:区商务局(牵头)、各乡镇
2.物流服务不完整。
整改措施:
1.制定共享办法;
2.整合快递资源。
整改时限:长期坚持
责任单位:区商务局
三、组织保障
(一)加强组织领导。
"""


def test_measures_on_their_own_lines_and_phrases_without_dates():
    doc = parse_document(PLAN_WITH_ITEMS_ON_LINES, default_kind="other")
    assert doc.kind == "plan"
    assert [r.kind for r in doc.reviews] == ["province_supervision"]
    a, b = doc.findings
    assert a.measures == ["指导站点开展代买代卖", "加强业务培训"]
    assert (a.deadline, a.is_ongoing) == (None, False)
    assert a.units == ["区商务局", "各乡镇"]
    assert b.measures == ["制定共享办法", "整合快递资源"]
    assert (b.deadline, b.is_ongoing) == (None, True)
    assert [n.text for n in doc.unplaced][-2:] == ["三、组织保障", "(一)加强组织领导。"]


def test_noise_traditional_pinyin_spaces_separators_and_page_numbers():
    text = """商務部復核組反饋問題
.
1.項目建設(jiàn)進度滯後  問題
。。。。
(1)縣級公共服務中心未開始建設。縣級公共服務中心未開始建設。
— 3 —
第 2 页 共 5 页
整改措施:  一是加快   建設;二是完善方案。
責任單位:區商務局
完成時限:2019年9月30日前,並長期堅持
"""
    doc = parse_document(text)
    (f,) = doc.findings
    assert doc.reviews[0].team == "商务部复核组"
    assert doc.reviews[0].categories[0].name == "项目建设进度滞后问题"
    assert f.description == "县级公共服务中心未开始建设。"
    assert f.measures == ["加快建设", "完善方案"]
    assert f.units == ["区商务局"]
    assert (f.deadline, f.is_ongoing) == ("2019-09-30", True)
    assert doc.unplaced == []


def test_findings_without_a_review_heading_take_the_chosen_kind():
    doc = parse_document(
        "1.项目管理问题\n(1)月报不完整。\n整改措施:补齐月报。", default_kind="audit"
    )
    assert [(r.kind, r.heading) for r in doc.reviews] == [("audit", "")]
    assert doc.findings[0].measures == ["补齐月报"]


def test_unreadable_deadline_is_an_error_with_its_line():
    doc = parse_document("1.项目管理问题\n(1)月报不完整。\n完成时限:尽快吧\n")
    assert len(doc.errors) == 1
    assert doc.errors[0].line == 3
    assert "尽快吧" in doc.errors[0].reason


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2019年10月30日前", None, (dt.date(2019, 10, 30), False)),
        ("2019年9月30日前,并长期坚持", None, (dt.date(2019, 9, 30), True)),
        ("2019年9月30日前,并长期坚持。", None, (dt.date(2019, 9, 30), True)),
        ("2019年9月30前", None, (dt.date(2019, 9, 30), False)),
        ("2019年10月底前", None, (dt.date(2019, 10, 31), False)),
        ("2020年2月底", None, (dt.date(2020, 2, 29), False)),
        ("6月底前", 2019, (dt.date(2019, 6, 30), False)),
        ("10月30日前", 2019, (dt.date(2019, 10, 30), False)),
        ("2019年底前", None, (dt.date(2019, 12, 31), False)),
        ("2019年上半年", None, (dt.date(2019, 6, 30), False)),
        ("2019-10-30", None, (dt.date(2019, 10, 30), False)),
        ("２０１９年１０月３０日前", None, (dt.date(2019, 10, 30), False)),
        ("立行立改", None, (None, False)),
        ("立行立改,长期坚持", None, (None, True)),
        ("长期坚持", None, (None, True)),
    ],
)
def test_deadlines(text, year, expected):
    d = parse_deadline(text, year=year)
    assert (d.date, d.is_ongoing) == expected


@pytest.mark.parametrize("text", ["尽快", "2019年13月1日", "2019年2月30日", "6月底前"])
def test_unreadable_deadlines(text):
    with pytest.raises(DeadlineError):
        parse_deadline(text)  # no year given for 6月底前


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("一是加快建设;二是完善方案。", ["加快建设", "完善方案"]),
        ("一是加快建设。二是完善方案。三是验收。", ["加快建设", "完善方案", "验收"]),
        ("1.加快建设;2.完善方案", ["加快建设", "完善方案"]),
        ("(1)加快建设;(2)完善方案", ["加快建设", "完善方案"]),
        ("①加快建设;②完善方案", ["加快建设", "完善方案"]),
        ("及时反馈给培训主体。", ["及时反馈给培训主体"]),
        ("", []),
    ],
)
def test_measures_split(text, items):
    assert split_measures(text) == items


def test_units_split_on_pause_marks_and_commas():
    assert split_units("区商务局、区财政局,各乡镇等") == ["区商务局", "区财政局", "各乡镇"]
    assert split_units("区商务局(牵头);区财政局。") == ["区商务局", "区财政局"]


def test_a_table_is_written_with_labels_the_parser_reads_back():
    # readers.table_lines writes TABLE_LABELS; the parser reads FIELD_LABELS.
    assert {field: FIELD_LABELS.get(label) for field, label in TABLE_LABELS.items()} == {
        field: field for field in TABLE_LABELS
    }


def test_cleaning():
    assert drop_repeats("甲乙丙丁。甲乙丙丁。戊己。") == "甲乙丙丁。戊己。"
    assert prepare("  a\u3000\u3000b  \r\n關(guān)于") == ["a b", "关于"]


# --- never an unhandled error --------------------------------------------------------------

ALPHABET = st.sampled_from(
    list("一二三十()()、.:,;。1234567890是年月日前底区县局\n .")
    + [
        "整改措施:",
        "责任单位:",
        "完成时限:",
        "销号情况:已销号",
        "商务部复核组反馈问题\n",
        "附件:\n",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=200).map("".join))
def test_random_text_never_raises(text):
    doc = parse_document(text)
    doc.to_dict()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=500))
def test_any_unicode_never_raises(text):
    parse_document(text)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, len(SEED)), st.integers(0, 3000))
def test_truncated_seed_never_raises(start, length):
    parse_document(SEED[start : start + length])
