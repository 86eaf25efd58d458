"""The data and layout of the 整改情况报告 and its 整改方案 (reports.documents), on the demo county.

The demo is loaded once for the module inside a transaction that is rolled back at the end; each
test still runs in its own savepoint, so the changes a test makes are gone before the next one."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from issues import services
from issues.models import Category, County, Finding, Province, Review, Role, User
from rectify.lib.text import chinese_numeral, deadline_text, measures_text
from rectify.lib.text import full_width_punctuation as written
from reports import documents
from reports.documents import Block
from reports.models import Report, ReportReview
from reports.services import report_save
from tests.conftest import Factory

SUMMARY = (
    "截至目前，商务部复核组发现问题15个，已销号问题8个，7个问题正在加紧整改；"
    "省绩效评价组发现问题10个，已销号问题4个，6个问题正在加紧整改。"
)
MOFCOM_CATEGORIES = [
    "项目建设进度滞后问题",
    "建设与运行问题",
    "项目管理问题",
    "资金管理问题",
    "精准扶贫方面问题",
]
PROVINCE_CATEGORIES = ["资金管理及项目管理方面问题", "项目完成方面问题", "项目效果方面问题"]


@pytest.fixture
def report(demo_db, db) -> Report:
    return Report.objects.select_related("county").get(county__code="510811")


@pytest.fixture
def staff(demo_db, db):
    from issues.models import User

    return User.objects.get(username="staff-510811")


def doc_of(report: Report) -> documents.ReportDocument:
    return documents.report_document(report)


def report_part(blocks: list[Block]) -> list[Block]:
    """The report proper, up to the attachment (整改方案)."""
    kinds = [b.kind for b in blocks]
    return blocks[: kinds.index("attachment_label")] if "attachment_label" in kinds else blocks


SECTION_ENDS = {"h1", "title", "attachment_note", "signature", "date", "attachment_label"}


def section(blocks: list[Block], heading: str) -> list[Block]:
    """The blocks under the first h1 whose text ends with `heading`, up to the next h1 or
    the end of the body (附件 note, signature, the attachment)."""
    start = next(i for i, b in enumerate(blocks) if b.kind == "h1" and b.text.endswith(heading))
    end = next(
        (i for i, b in enumerate(blocks[start + 1 :], start + 1) if b.kind in SECTION_ENDS),
        len(blocks),
    )
    return blocks[start + 1 : end]


def outline(blocks: list[Block]) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """[(h2 text, [(h3 text, [finding texts])])] of a findings section."""
    tree: list = []
    for b in blocks:
        if b.kind == "h2":
            tree.append((b.text, []))
        elif b.kind == "h3":
            tree[-1][1].append((b.text, []))
        elif b.kind == "finding":
            tree[-1][1][-1][1].append(b.text)
    return tree


def finding_fields(blocks: list[Block]) -> list[tuple[str, dict[str, str], list[str]]]:
    """[(finding text, {label: text}, [labels in order])] of a findings section."""
    items: list = []
    for b in blocks:
        if b.kind == "finding":
            items.append((b.text, {}, []))
        elif b.kind == "field":
            items[-1][1][b.label] = b.text
            items[-1][2].append(b.label)
    return items


def assert_numbered(blocks: list[Block]) -> None:
    """一、二、… for sections, （一）（二）… per section, 1. 2. … per review, （1）（2）… per
    category: consecutive from the start, restarting at every level above."""
    h1 = h2 = h3 = n = 0
    for b in blocks:
        if b.kind == "title":  # the attached plan starts its own numbering
            h1 = 0
        elif b.kind == "h1":
            h1, h2 = h1 + 1, 0
            assert b.text.startswith(f"{chinese_numeral(h1)}、"), b.text
        elif b.kind == "h2":
            h2, h3 = h2 + 1, 0
            assert b.text.startswith(f"（{chinese_numeral(h2)}）"), b.text
        elif b.kind == "h3":
            h3, n = h3 + 1, 0
            assert re.match(rf"{h3}\.\D", b.text), b.text
        elif b.kind == "finding":
            n += 1
            assert re.match(rf"（{n}）\D", b.text), b.text


def finding_data(finding: Finding, **changes) -> services.FindingData:
    links = list(finding.unit_links.select_related("unit"))
    data = dict(
        review=finding.review,
        category=finding.category,
        description=finding.description,
        deadline=finding.deadline,
        is_ongoing=finding.is_ongoing,
        status=finding.status,
        result=finding.result,
        closed_on=finding.closed_on,
        measures=[m.text for m in finding.measures.all()],
        units=[services.UnitEntry(link.unit, link.role) for link in links],
    )
    data.update(changes)
    return services.FindingData(**data)


def demo_finding(team: str, category: str, number: int) -> Finding:
    return Finding.objects.get(
        county__code="510811", review__team=team, category__name=category, order=number
    )


# The summary and the counts as of the report's date


def test_summary_sentence(report):
    doc = doc_of(report)
    assert doc.summary == SUMMARY
    assert [(r.team, r.total, r.closed, r.open) for r in doc.reviews] == [
        ("商务部复核组", 15, 8, 7),
        ("省绩效评价组", 10, 4, 6),
    ]
    # It closes the last paragraph of section 二, right before section 三.
    blocks = documents.report_blocks(doc)
    third = next(i for i, b in enumerate(blocks) if b.kind == "h1" and b.text.startswith("三、"))
    assert blocks[third - 1].kind == "body"
    assert blocks[third - 1].text.endswith(SUMMARY)
    assert blocks[third - 1].text != SUMMARY  # appended to the narrative, not on its own
    assert sum(SUMMARY in b.text for b in blocks) == 1


def test_a_finding_closed_after_the_report_date_counts_as_open(report):
    finding = demo_finding("商务部复核组", "资金管理问题", 2)
    assert finding.is_closed and finding.closed_on == report.date
    Finding.objects.filter(pk=finding.pk).update(closed_on=report.date + dt.timedelta(days=1))

    doc = doc_of(report)
    assert doc.summary == SUMMARY.replace("已销号问题8个，7个问题", "已销号问题7个，8个问题")
    mofcom = section(documents.report_blocks(doc), "问题整改情况")
    closeouts = {text: fields["销号情况"] for text, fields, _ in finding_fields(mofcom)}
    assert closeouts[written(f"（2）{finding.description}")] == "未销号"
    other_closed = demo_finding("商务部复核组", "资金管理问题", 1)
    assert closeouts[written(f"（1）{other_closed.description}")] == "已销号"

    # A report dated the day it was closed counts it again.
    report.date += dt.timedelta(days=1)
    assert doc_of(report).summary == SUMMARY


def test_a_review_with_every_finding_closed_says_so(report):
    Finding.objects.filter(county=report.county, review__team="省绩效评价组").update(
        status=Finding.Status.CLOSED, closed_on=dt.date(2019, 9, 1)
    )
    assert doc_of(report).summary == (
        "截至目前，商务部复核组发现问题15个，已销号问题8个，7个问题正在加紧整改；"
        "省绩效评价组发现问题10个，已全部销号。"
    )


# Numbering


def test_headings_are_numbered_in_order(report):
    blocks = documents.report_blocks(doc_of(report))
    assert_numbered(blocks)
    part = report_part(blocks)
    assert [b.text for b in part if b.kind == "h1"] == [
        "一、工作开展情况",
        "二、绩效评价反馈问题整改落实领导小组建立与履职情况",
        "三、问题整改情况",
        "四、下一步安排",
    ]
    tree = outline(section(part, "问题整改情况"))
    assert [h2 for h2, _ in tree] == [
        "（一）商务部复核组发现问题及整改情况",
        "（二）省绩效评价组发现问题及整改情况",
    ]
    assert [h3 for h3, _ in tree[0][1]] == [
        f"{i}.{name}" for i, name in enumerate(MOFCOM_CATEGORIES, 1)
    ]
    assert [h3 for h3, _ in tree[1][1]] == [
        f"{i}.{name}" for i, name in enumerate(PROVINCE_CATEGORIES, 1)
    ]
    assert [len(items) for _, items in tree[0][1]] == [4, 3, 3, 2, 3]
    assert [len(items) for _, items in tree[1][1]] == [3, 5, 2]
    first = demo_finding("省绩效评价组", "项目完成方面问题", 5)
    assert tree[1][1][1][1][4] == written(f"（5）{first.description}")

    plan = blocks[[b.kind for b in blocks].index("attachment_label") :]
    assert [b.text for b in plan if b.kind == "h1"] == [
        "一、工作目标",
        "二、整改内容及措施",
        "三、组织保障",
    ]


def test_reviews_follow_the_report_order(report):
    links = list(report.review_links.order_by("order"))
    ReportReview.objects.filter(pk=links[0].pk).update(order=2)
    ReportReview.objects.filter(pk=links[1].pk).update(order=1)
    blocks = documents.report_blocks(doc_of(report))
    assert [b.text for b in blocks if b.kind == "h2"][:2] == [
        "（一）省绩效评价组发现问题及整改情况",
        "（二）商务部复核组发现问题及整改情况",
    ]
    assert doc_of(report).summary.startswith("截至目前，省绩效评价组发现问题10个")
    assert_numbered(blocks)


def test_moving_a_finding_to_another_category_leaves_no_gap(report, staff):
    moved = demo_finding("商务部复核组", "项目建设进度滞后问题", 2)
    target = Category.objects.get(review=moved.review, name="建设与运行问题")
    if moved.is_closed:  # closed means closed: moving it needs 重新打开 first
        leader = User.objects.get(username=f"leader-{moved.county.code}")
        moved = services.finding_reopen(user=leader, finding=moved, reason="调整类别")
    services.finding_update(
        user=staff,
        finding=moved,
        data=finding_data(moved, category=target),
        expected_version=moved.version,
    )

    blocks = documents.report_blocks(doc_of(report))
    assert_numbered(blocks)
    tree = outline(section(report_part(blocks), "问题整改情况"))
    first, second = tree[0][1][0], tree[0][1][1]
    assert first[0] == "1.项目建设进度滞后问题"
    assert [t[:3] for t in first[1]] == ["（1）", "（2）", "（3）"]
    assert all(moved.description not in t for t in first[1])
    assert second[0] == "2.建设与运行问题"
    assert second[1][-1] == written(f"（4）{moved.description}")
    # The attached plan numbers it the same way.
    plan_tree = outline(section(blocks, "整改内容及措施"))
    assert [[items for _, items in cats] for _, cats in plan_tree] == [
        [items for _, items in cats] for _, cats in tree
    ]


def test_removing_findings_renumbers_findings_and_categories(report):
    demo_finding("商务部复核组", "建设与运行问题", 1).delete()
    Finding.objects.filter(
        county=report.county, review__team="商务部复核组", category__name="资金管理问题"
    ).delete()

    blocks = documents.report_blocks(doc_of(report))
    assert_numbered(blocks)
    tree = outline(section(report_part(blocks), "问题整改情况"))
    assert [h3 for h3, _ in tree[0][1]] == [
        "1.项目建设进度滞后问题",
        "2.建设与运行问题",
        "3.项目管理问题",
        "4.精准扶贫方面问题",
    ]
    assert [t[:3] for t in tree[0][1][1][1]] == ["（1）", "（2）"]
    assert doc_of(report).summary.startswith("截至目前，商务部复核组发现问题12个，已销号问题6个")


# What each finding shows, in the report and in the plan


def test_report_and_plan_list_the_same_findings_with_the_same_deadlines_and_units(report):
    blocks = documents.report_blocks(doc_of(report))
    in_report = finding_fields(section(report_part(blocks), "问题整改情况"))
    in_plan = finding_fields(section(blocks, "整改内容及措施"))
    assert len(in_report) == len(in_plan) == 25

    def facts(items, deadline_label):
        return [
            (
                text,
                fields.get("整改措施"),
                fields.get("责任单位"),
                fields.get("配合单位"),
                fields[deadline_label],
            )
            for text, fields, _ in items
        ]

    assert facts(in_report, "完成时限") == facts(in_plan, "整改时限")
    # The plan-only document is the same attachment.
    plan_only = documents.plan_blocks(doc_of(report))
    assert facts(finding_fields(section(plan_only, "整改内容及措施")), "整改时限") == (
        facts(in_plan, "整改时限")
    )
    # And the h3 headings are the same; only the h2 wording differs.
    report_tree = outline(section(report_part(blocks), "问题整改情况"))
    plan_tree = outline(section(blocks, "整改内容及措施"))
    assert [[h3 for h3, _ in cats] for _, cats in report_tree] == [
        [h3 for h3, _ in cats] for _, cats in plan_tree
    ]
    assert [h2 for h2, _ in plan_tree] == [
        "（一）商务部复核组发现问题及整改措施",
        "（二）省绩效评价组发现问题及整改措施",
    ]


def test_the_plan_has_no_results_or_closeouts(report):
    doc = doc_of(report)
    blocks = documents.report_blocks(doc)
    labels = lambda bs: [b.label for b in bs if b.kind == "field"]  # noqa: E731
    assert labels(report_part(blocks)).count("整改结果") == 25
    assert labels(report_part(blocks)).count("销号情况") == 25
    attachment = blocks[[b.kind for b in blocks].index("attachment_label") :]
    for part in (attachment, documents.plan_blocks(doc)):
        assert "整改结果" not in labels(part)
        assert "销号情况" not in labels(part)
        assert "完成时限" not in labels(part)
        assert labels(part).count("整改时限") == 25
        assert not any("已销号" in b.text or "未销号" in b.text for b in part)


def test_field_order_and_cooperating_units_only_when_there_are_some(report):
    blocks = documents.report_blocks(doc_of(report))
    in_report = finding_fields(section(report_part(blocks), "问题整改情况"))
    in_plan = finding_fields(section(blocks, "整改内容及措施"))
    with_cooperating = demo_finding("省绩效评价组", "项目完成方面问题", 3)

    for items in (in_report, in_plan):
        cooperating = [(text, f["配合单位"]) for text, f, _ in items if "配合单位" in f]
        assert cooperating == [
            (written(f"（3）{with_cooperating.description}"), "区农业农村局、区文化旅游和体育局")
        ]
    orders = {tuple(order) for _, _, order in in_report}
    assert orders == {
        ("整改措施", "责任单位", "完成时限", "整改结果", "销号情况"),
        ("整改措施", "责任单位", "配合单位", "完成时限", "整改结果", "销号情况"),
    }
    assert {tuple(order) for _, _, order in in_plan} == {
        ("整改措施", "整改时限", "责任单位"),
        ("整改措施", "整改时限", "责任单位", "配合单位"),
    }
    assert not any(b.kind == "field" and not b.text for b in blocks)


def test_deadline_texts(report):
    findings = section(documents.report_blocks(doc_of(report)), "问题整改情况")
    deadlines = {text: fields["完成时限"] for text, fields, _ in finding_fields(findings)}
    centre = demo_finding("商务部复核组", "项目建设进度滞后问题", 1)
    logistics = demo_finding("商务部复核组", "项目建设进度滞后问题", 4)
    assert deadlines[written(f"（1）{centre.description}")] == "2019年10月30日前"
    assert deadlines[written(f"（4）{logistics.description}")] == "2019年9月30日前，并长期坚持"
    assert set(deadlines.values()) <= {
        "2019年5月20日前",
        "2019年5月30日前，并长期坚持",
        "2019年6月30日前，并长期坚持",
        "2019年9月30日前，并长期坚持",
        "2019年10月30日前",
        "2019年10月30日前，并长期坚持",
    }
    assert deadline_text(None, True) == "长期坚持"
    assert deadline_text(None, False) == ""
    assert deadline_text(dt.date(2020, 1, 5), False) == "2020年1月5日前"


def test_measures_read_first_second(report):
    findings = section(documents.report_blocks(doc_of(report)), "问题整改情况")
    measures = {text: fields["整改措施"] for text, fields, _ in finding_fields(findings)}
    centre = demo_finding("商务部复核组", "项目建设进度滞后问题", 1)
    assert measures[written(f"（1）{centre.description}")] == (
        "一是加快完善建设方案，厘清公共服务中心具体职能，按程序完成招投标，"
        "并督促实施主体于10月底前完成建设，实现正常运行；"
        "二是做好区电商物流产业园2号房基础改造及内部水、电保障，加快进场装修工程。"
    )
    single = demo_finding("省绩效评价组", "资金管理及项目管理方面问题", 3)
    assert single.measures.count() == 1
    assert measures[written(f"（3）{single.description}")] == (
        "及时反馈给培训主体万农合创科技有限公司，要求企业在今后的培训过程中注重影像资料的收集。"
    )
    four = demo_finding("商务部复核组", "项目建设进度滞后问题", 4)
    text = measures[written(f"（4）{four.description}")]
    assert [text.count(f"{n}是") for n in "一二三四"] == [1, 1, 1, 1]
    assert text.count("；") == 3 and text.endswith("。") and not text.endswith("。。")
    assert measures_text(["加强领导;", "  ", "完善制度。"]) == "一是加强领导；二是完善制度。"
    assert measures_text([]) == ""


# Narratives


def test_a_paragraph_opening_with_a_numbered_sentence_gets_a_lead(report):
    doc = doc_of(report)
    goals = section(documents.plan_blocks(doc), "工作目标")
    assert [b.lead for b in goals] == [
        "（一）落实责任，确保反馈问题整改到位。",
        "（二）明确目标，推动农村电商高质量发展。",
    ]
    assert goals[0].text.startswith("坚持问题导向") and "（一）" not in goals[0].text

    report.next_steps = (
        "(一)加强督查。每月调度一次。\n(二)没有句号的段落\n一是普通段落。\n(三)半角括号。也行。"
    )
    blocks = section(documents.report_blocks(doc_of(report)), "下一步安排")
    assert [(b.lead, b.text) for b in blocks] == [
        ("（一）加强督查。", "每月调度一次。"),
        ("", "（二）没有句号的段落"),
        ("", "一是普通段落。"),
        ("（三）半角括号。", "也行。"),
    ]
    opening = [b for b in documents.report_blocks(doc) if b.kind == "body"][0]
    assert opening.lead == "" and opening.text.startswith("我区2017年")


def test_empty_narrative_sections_are_skipped_and_numbering_stays_consecutive(report):
    report.work_done = ""
    report.next_steps = "  \n\n"
    report.plan_goals = ""
    blocks = documents.report_blocks(doc_of(report))
    assert_numbered(blocks)
    assert [b.text for b in report_part(blocks) if b.kind == "h1"] == [
        "一、绩效评价反馈问题整改落实领导小组建立与履职情况",
        "二、问题整改情况",
    ]
    plan = blocks[[b.kind for b in blocks].index("attachment_label") :]
    assert [b.text for b in plan if b.kind == "h1"] == ["一、整改内容及措施", "二、组织保障"]

    # Without a leadership narrative the summary stands as the section's only paragraph.
    report.leadership = ""
    blocks = documents.report_blocks(doc_of(report))
    leadership = section(blocks, "领导小组建立与履职情况")
    assert [(b.kind, b.text) for b in leadership] == [("body", SUMMARY)]


def test_signature_and_attachment(report):
    blocks = documents.report_blocks(doc_of(report))
    kinds = [b.kind for b in blocks]
    note = blocks[kinds.index("attachment_note")]
    assert (note.label, note.text) == (
        "附件",
        "昭化区电子商务进农村综合示范项目绩效评价与复核反馈问题的整改方案",
    )
    signature, date = blocks[kinds.index("signature")], blocks[kinds.index("date")]
    assert (signature.text, date.text) == ("广元市昭化区人民政府", "2019年9月10日")
    label = blocks[kinds.index("attachment_label")]
    assert (label.text, label.new_page) == ("附件", True)
    assert blocks[kinds.index("attachment_label") + 1] == Block("title", note.text)
    assert kinds.index("attachment_note") < kinds.index("signature") < kinds.index("date")
    assert kinds.count("title") == 2

    without_plan = documents.report_blocks(doc_of(report), with_plan=False)
    assert not {"attachment_note", "attachment_label"} & {b.kind for b in without_plan}
    assert [b.kind for b in without_plan][-2:] == ["signature", "date"]


# Queries


@pytest.fixture
def small_report(demo_db, db) -> Report:
    """Another county of the demo province with three findings in one review."""
    county = Factory.county(Province.objects.get(code="510000"), "510812", "广元市朝天区")
    staff = Factory.user("chaotian", Role.COUNTY_STAFF, county=county)
    review = Factory.review(county, kind=Review.Kind.SELF_CHECK, team="自查组")
    unit = Factory.unit(county, "区商务局")
    for _ in range(3):
        Factory.finding(staff, county, review, units=[unit], deadline=dt.date(2019, 10, 30))
    report = Report(county=county, issuer="广元市朝天区人民政府", title="朝天区的报告")
    report_save(user=staff, report=report, reviews=[review])
    return Report.objects.select_related("county").get(pk=report.pk)


def test_report_document_runs_a_fixed_number_of_queries(
    report, small_report, django_assert_num_queries
):
    with django_assert_num_queries(4):
        big = doc_of(report)
    with django_assert_num_queries(4):
        small = doc_of(small_report)
    assert big.total == 25 and small.total == 3
    with django_assert_num_queries(0):
        documents.report_blocks(big)
        documents.plan_blocks(small)
    assert small.summary == "截至目前，自查组发现问题3个，已销号问题0个，3个问题正在加紧整改。"


def test_an_unsaved_default_report_covers_all_the_county_reviews(demo_db, db):
    county = County.objects.get(code="360926")
    report = documents.default_report(county, dt.date(2019, 12, 1))
    doc = doc_of(report)
    assert doc.issuer == county.government
    assert doc.title == written(documents.default_title(county))  # 示范(第三批) as typed
    assert doc.total == county.findings.count() >= 6
    assert doc.date == dt.date(2019, 12, 1)
    assert_numbered(documents.report_blocks(doc))


# Punctuation


def test_the_documents_write_full_width_punctuation_and_the_records_keep_what_was_typed(report):
    typed = "(一)加强督查,每月调度一次。其余照办:详见http://example.com/a,b;共1,149个站点"
    Report.objects.filter(pk=report.pk).update(next_steps=typed, title="关于(第四批)的报告")
    # A finding the county typed with half-width commas and no other mark.
    finding = next(
        f
        for f in Finding.objects.filter(county=report.county).order_by("id")
        if re.fullmatch(r"[^(:;.!?]*[\u4e00-\u9fff],[\u4e00-\u9fff][^(:;.!?]*", f.description)
    )
    report.refresh_from_db()

    doc = doc_of(report)
    blocks = documents.report_blocks(doc)
    assert doc.title == blocks[0].text == "关于（第四批）的报告"
    (steps,) = section(report_part(blocks), "下一步安排")
    assert (steps.lead, steps.text) == (
        "（一）加强督查，每月调度一次。",
        "其余照办：详见http://example.com/a,b；共1,149个站点",
    )
    assert not any(b.text.endswith(finding.description) for b in blocks)
    assert any(b.text.endswith(finding.description.replace(",", "，")) for b in blocks)
    for block in blocks:
        for text in (block.text, block.label, block.lead):
            assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", text), text

    # What the county typed is kept as it was typed.
    report.refresh_from_db()
    assert (report.next_steps, report.title) == (typed, "关于(第四批)的报告")
    assert "," in Finding.objects.get(pk=finding.pk).description


def test_a_block_is_written_full_width_once():
    block = Block("field", "2019年9月30日前，并长期坚持", label="完成时限")
    assert (block.text, block.label_text) == ("2019年9月30日前，并长期坚持", "完成时限：")
    assert Block(block.kind, block.text, label=block.label) == block
    assert Block("body", "text").label_text == ""
