"""The Excel 台账 import: header anywhere in the first rows, recognised and mapped columns,
merged and multi-line cells, the round trip of our own export, and every bad input."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues import services
from issues.importing import ledger
from issues.importing.plan import build_plan
from issues.importing.readers import read_workbook
from issues.importing.services import import_apply
from issues.models import Finding, ImportBatch
from reports.exports.xlsx import as_bytes, write_ledger
from reports.ledgers import county_ledger
from tests import approvals

TODAY = dt.date(2026, 11, 22)


def _xlsx(rows, merges=(), sheet="台账") -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("台账.xlsx", buf.getvalue())


HEADER = [
    "序号",
    "问题来源",
    "问题类别",
    "问题描述",
    "整改措施",
    "责任单位",
    "完成时限",
    "整改结果",
    "销号情况",
]


def test_header_below_a_title_merged_category_and_multiline_measures():
    rows = read_workbook(
        _xlsx(
            [
                ["昭化区整改问题台账"],
                ["填报单位:区商务和经济合作局"],
                HEADER,
                [
                    1,
                    "商务部复核组",
                    "项目管理问题",
                    "月报不完整。",
                    "1.补齐月报\n2.对接日报",
                    "区商务和经济合作局、区财政局",
                    dt.datetime(2019, 9, 30),
                    "",
                    "未销号",
                ],
                [
                    2,
                    "商务部复核组",
                    None,
                    "经验总结不足。",
                    "一是总结;二是报送。",
                    "区商务和经济合作局",
                    "2019年10月底前,并长期坚持",
                    "已总结。",
                    "已销号",
                ],
                [
                    3,
                    "省绩效评价组",
                    "资金管理方面",
                    "财务制度执行欠规范。",
                    "聘请财务公司。",
                    "区财政局",
                    "2019年6月30日前",
                    "",
                    "",
                ],
                ["合计", None, None, None, None, None, None, None, None],
            ],
            merges=["C4:C5"],
        )
    )
    doc = ledger.parse_rows(rows)
    assert doc.errors == []
    assert [(r.kind, r.team) for r in doc.reviews] == [
        ("mofcom_review", "商务部复核组"),
        ("province_evaluation", "省绩效评价组"),
    ]
    first, second, third = doc.findings
    assert doc.reviews[0].categories[0].name == "项目管理问题"
    assert len(doc.reviews[0].categories[0].findings) == 2  # the merged category cell
    assert first.measures == ["补齐月报", "对接日报"]
    assert first.units == ["区商务和经济合作局", "区财政局"]
    assert first.deadline == "2019-09-30"  # a date cell, read as a date, not trusted as one
    assert first.line == 4
    assert (second.deadline, second.is_ongoing, second.is_closed) == ("2019-10-31", True, True)
    assert second.measures == ["总结", "报送"]
    assert doc.reviews[1].categories[0].name == "资金管理方面问题"
    assert doc.unplaced == []  # 合计 rows are not findings


def test_columns_recognised_and_the_rest_offered_for_mapping():
    rows = [
        ["问题", "经办科室", "办结日期", "备注"],
        ["月报不完整。", "区商务局", "2019年9月30日", "x"],
    ]
    cols = ledger.columns(rows)
    assert [(c["header"], c["field"], c["known"]) for c in cols] == [
        ("问题", "description", True),
        ("经办科室", "", False),
        ("办结日期", "", False),
        ("备注", "", True),
    ]
    assert ledger.parse_rows(rows).findings[0].units == []
    mapped = ledger.parse_rows(rows, {"0": "description", "1": "units", "2": "deadline"})
    (f,) = mapped.findings
    assert (f.units, f.deadline) == (["区商务局"], "2019-09-30")


def test_no_header_asks_for_a_mapping():
    doc = ledger.parse_rows([["a", "b"], ["c", "d"]])
    assert doc.findings == []
    assert "问题描述" in doc.errors[0].reason
    doc = ledger.parse_rows([["a", "b"], ["c", "d"]], {"1": "units"})
    assert "请指定“问题描述”所在的列" in doc.errors[0].reason


def test_unreadable_date_names_the_row():
    doc = ledger.parse_rows(
        [HEADER, [1, "商务部复核组", "类", "问题。", "", "", "下个月吧", "", ""]]
    )
    assert doc.errors[0].line == 2
    assert "第2行" in doc.errors[0].reason and "下个月吧" in doc.errors[0].reason


def test_formulas_are_never_evaluated():
    rows = read_workbook(
        _xlsx([HEADER, [1, "商务部复核组", "类", "=1+1", '=HYPERLINK("x")', "", "", "", ""]])
    )
    assert "2" not in rows[1][3]
    doc = ledger.parse_rows(rows)
    assert doc.findings == [] or doc.findings[0].description.startswith("=")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a workbook", "不是 Excel 工作簿"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 64, "已加密"),
        (b"PK\x03\x04garbage", "已损坏"),
    ],
)
def test_bad_workbooks(content, message):
    with pytest.raises(ValidationError) as e:
        read_workbook(SimpleUploadedFile("台账.xlsx", content))
    assert message in e.value.messages[0]


def test_a_docx_is_not_a_workbook():
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with pytest.raises(ValidationError) as e:
        read_workbook(SimpleUploadedFile("台账.xlsx", buf.getvalue()))
    assert "不是 Excel 工作簿" in e.value.messages[0]


def test_too_many_rows(settings):
    settings.RECTIFY_IMPORT_MAX_ROWS = 5
    upload = _xlsx([HEADER] + [[i, "商务部复核组", "类", f"问题{i}"] for i in range(30)])
    with pytest.raises(ValidationError) as e:
        read_workbook(upload)
    assert "超过了导入上限 5 行" in e.value.messages[0]


@pytest.fixture
def ledger_a(alice, county_a, review_a, unit_a, unit_a2, factory):
    """Three findings: one with everything, one closed with a result, one with cooperating
    units and a progress note."""
    a = factory.finding(
        alice,
        county_a,
        review_a,
        description="县级公共服务中心未开始建设。",
        units=[unit_a, unit_a2],
        deadline=dt.date(2019, 10, 30),
        measures=["加快完善建设方案", "做好基础改造"],
    )
    b = factory.finding(
        alice,
        county_a,
        review_a,
        category="资金管理问题",
        description="未做好资金统计。",
        units=[unit_a],
        deadline=dt.date(2019, 5, 30),
        is_ongoing=True,
        status=Finding.Status.CLOSED,
        closed_on=dt.date(2019, 9, 10),
        result="已建立统计表。",
        measures=["建立统计表。"],
    )
    c = Finding.objects.get(
        pk=factory.finding(
            alice,
            county_a,
            review_a,
            description="站点运营效果欠佳。",
            units=[unit_a],
            measures=["指导站点运营"],
        ).pk
    )
    services.finding_update(
        user=alice,
        finding=c,
        data=services.FindingData(
            review=review_a,
            category=c.category,
            description=c.description,
            measures=["指导站点运营"],
            units=[services.UnitEntry(unit_a), services.UnitEntry(unit_a2, "cooperating")],
        ),
        expected_version=c.version,
    )
    services.progress_add(user=alice, finding=c, note="已召开培训会。", date=dt.date(2019, 8, 1))
    return [a, b, c]


def test_our_own_export_imports_back_unchanged(alice, lee, county_a, ledger_a):
    # An extended deadline: the export writes 原定完成时限, the import leaves it alone.
    approvals.extend(ledger_a[0], dt.date(2019, 12, 31), staff=alice, leader=lee)
    findings = Finding.objects.filter(county=county_a).in_ledger_order()
    data = as_bytes(write_ledger, county_ledger(findings, scope="昭化区", today=TODAY))
    rows = read_workbook(SimpleUploadedFile("昭化区整改台账.xlsx", data))
    assert all(col["known"] for col in ledger.columns(rows)), ledger.columns(rows)
    doc = ledger.parse_rows(rows)
    assert doc.errors == [] and doc.unplaced == []
    plan = build_plan(county_a, doc)
    assert plan.undecided_units == []
    assert plan.counts == {"new": 0, "changed": 0, "unchanged": 3}, [
        (f.parsed.description, f.changes) for f in plan.findings
    ]
    assert all(not f.notes and not f.held for f in plan.findings)
    history = (
        Finding.history.count(),
        county_a.findings.get(description="站点运营效果欠佳。").progress_notes.count(),
    )
    summary = import_apply(user=alice, county=county_a, plan=plan, today=TODAY)
    assert summary["unchanged"] == 3 and summary["progress"] == 0
    assert (
        Finding.history.count(),
        county_a.findings.get(description="站点运营效果欠佳。").progress_notes.count(),
    ) == history


def test_our_export_into_another_county_recreates_it(alice, bob, county_a, county_b, ledger_a):
    findings = Finding.objects.filter(county=county_a).in_ledger_order()
    data = as_bytes(write_ledger, county_ledger(findings, scope="昭化区", today=TODAY))
    doc = ledger.parse_rows(read_workbook(SimpleUploadedFile("a.xlsx", data)))
    plan = build_plan(
        county_b, doc, unit_decisions={"区商务和经济合作局": "new", "区财政局": "new"}
    )
    summary = import_apply(user=bob, county=county_b, plan=plan, today=TODAY)
    assert summary["new"] == 3
    copied = Finding.objects.filter(county=county_b)
    assert copied.closed().get().result == "已建立统计表。"
    assert copied.closed().get().closed_on == TODAY  # a ledger has no report date
    coop = copied.get(description="站点运营效果欠佳。")
    assert [link.unit.name for link in coop.unit_links.filter(role="cooperating")] == ["区财政局"]
    assert coop.progress_notes.get().note == "已召开培训会。"
    a = copied.get(description="县级公共服务中心未开始建设。")
    assert list(a.measures.values_list("text", flat=True)) == ["加快完善建设方案", "做好基础改造"]
    assert a.deadline == dt.date(2019, 10, 30)


def test_ledger_upload_mapping_and_save_through_the_pages(
    client, alice, county_a, review_a, unit_a
):
    client.force_login(alice)
    upload = _xlsx(
        [
            ["标题"],
            ["问题描述", "牵头部门", "完成时限"],
            ["月报不完整。", "区商务和经济合作局", "2019年9月30日前"],
        ]
    )
    response = client.post(reverse("import_start"), {"kind": "ledger", "xlsx-file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    html = client.get(batch.get_absolute_url()).content.decode()
    assert "各列的对应关系" in html and "牵头部门" in html
    # Map 牵头部门 to 责任单位, then save.
    client.post(
        batch.get_absolute_url(),
        {"action": "refresh", "col_0": "description", "col_1": "units", "col_2": "deadline"},
    )
    batch.refresh_from_db()
    assert batch.options["mapping"] == {"0": "description", "1": "units", "2": "deadline"}
    response = client.post(
        batch.get_absolute_url(),
        {
            "action": "apply",
            "col_0": "description",
            "col_1": "units",
            "col_2": "deadline",
            "review_0": "new",
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert finding.unit_links.get().unit == unit_a
    assert finding.deadline == dt.date(2019, 9, 30)


def test_bad_workbook_through_the_page(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("import_start"),
        {"kind": "ledger", "xlsx-file": SimpleUploadedFile("台账.xlsx", b"nonsense")},
    )
    assert response.status_code == 400
    assert "不是 Excel 工作簿" in response.content.decode()
    assert not ImportBatch.objects.exists()
